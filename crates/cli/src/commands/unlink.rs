//! `unlink <user>`: removes a user's link, for operators. The user is a username, a sub
//! or an IdentityId (as `whois` reads them). It prints the plan, and writes only with
//! `--apply`:
//!
//! - the directory's `user#` and `identity#` items, deleted in one transaction, each on
//!   condition that it still holds what was read, with the identity item's counters added
//!   to `unattributed#<IdentityId>` ([`directory::IdentityDirectory::unlink`]);
//! - the user's `custom:identity_id`, deleted (`AdminDeleteUserAttributes`) when it holds
//!   that IdentityId; an attribute naming another IdentityId is left as it is.
//!
//! `relink` is the same plan with what happens next (see [`super::relink`]). An unknown
//! or unlinked user is exit 5 and nothing is written.

use aws_sdk_cognitoidentityprovider as idp;
use directory::{DirectoryEntry, IdentityDirectory, IdentityId, UnlinkDone, UnlinkPlan, UnlinkRefusal, UserPoolId};
use serde_json::json;

use crate::aws_call_error::{AwsCallError, directory_error};
use crate::cli_args::UnlinkArgs;
use crate::context::Context;
use crate::error::CliError;
use crate::output::{Output, TextBlock};
use crate::whois_query::{WhoisQuery, parse_whois_query};

/// The user attribute the link function writes.
const IDENTITY_ID_ATTRIBUTE: &str = "custom:identity_id";

/// What happens to the user's `custom:identity_id`. Pure data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttributeStep {
    /// It holds the unlinked IdentityId: deleted.
    Delete,
    /// It holds another IdentityId: left as it is (someone linked it since).
    Keep(String),
    /// It is not set, or the user is no longer in the pool: nothing to do.
    Nothing,
}

/// Decides the attribute step from the attribute's value and the unlinked IdentityId.
pub fn attribute_step(attribute: Option<&str>, unlinked: &IdentityId) -> AttributeStep {
    match attribute {
        Some(value) if value == unlinked.as_str() => AttributeStep::Delete,
        Some(value) if !value.is_empty() => AttributeStep::Keep(value.to_owned()),
        _ => AttributeStep::Nothing,
    }
}

/// Which command runs the unlink: the words and the "then" line differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum UnlinkCommand {
    Unlink,
    Relink,
}

impl UnlinkCommand {
    fn name(self) -> &'static str {
        match self {
            UnlinkCommand::Unlink => "unlink",
            UnlinkCommand::Relink => "relink",
        }
    }
}

/// `unlink`.
pub async fn unlink(context: &Context, args: &UnlinkArgs) -> Result<Output, CliError> {
    run_unlink(context, args, UnlinkCommand::Unlink).await
}

/// The user as found: their link and their attribute.
struct Found {
    entry: DirectoryEntry,
    /// `None` when the pool no longer has the user.
    attribute: Option<Option<String>>,
}

/// Plans, and with `--apply` makes, the unlink of `args.id`.
pub(super) async fn run_unlink(
    context: &Context,
    args: &UnlinkArgs,
    command: UnlinkCommand,
) -> Result<Output, CliError> {
    let action = command.name();
    let query = parse_whois_query(&args.id, args.by).map_err(|why| CliError::Usage(format!("{action}: {why}")))?;
    let pool = context.config.user_pool()?;
    let directory = context.directory()?;
    let idp = context.idp()?;
    let found = find(context, &directory, &idp, &pool, &query, action).await?;
    let failed = |err| directory_error(err, action, directory.table());
    let plan = match directory.plan_unlink_of(&found.entry).await.map_err(failed)? {
        Ok(plan) => plan,
        Err(refusal) => return Err(refused(refusal, &query, action)),
    };
    let step = attribute_step(found.attribute.clone().flatten().as_deref(), &plan.entry.identity_id);
    if !args.apply {
        return Ok(render(command, &plan, &step, false));
    }
    let plan = match directory.unlink(&found.entry).await.map_err(failed)? {
        UnlinkDone::Unlinked(plan) => plan,
        UnlinkDone::Refused(refusal) => return Err(refused(refusal, &query, action)),
    };
    if step == AttributeStep::Delete {
        idp.admin_delete_user_attributes()
            .user_pool_id(plan.entry.user_pool_id.as_str())
            .username(&plan.entry.username)
            .user_attribute_names(IDENTITY_ID_ATTRIBUTE)
            .send()
            .await
            .map_err(|err| {
                let hint = Some(format!(
                    "the directory entry is removed; delete {IDENTITY_ID_ATTRIBUTE} of {} by hand, or run {action} again",
                    plan.entry.username
                ));
                AwsCallError::from_sdk(&err).into_error(action, &context.config.aws_target(), hint)
            })?;
    }
    Ok(render(command, &plan, &step, true))
}

/// Finds the user's link: from the directory by IdentityId or sub, or by username through
/// the user pool first. The user's attribute is read with one `AdminGetUser`.
async fn find(
    context: &Context,
    directory: &IdentityDirectory,
    idp: &idp::Client,
    pool: &UserPoolId,
    query: &WhoisQuery,
    action: &'static str,
) -> Result<Found, CliError> {
    let failed = |err| directory_error(err, action, directory.table());
    let not_found = |cause: String| CliError::NotFound {
        action,
        cause,
        hint: Some("check the id (or force its kind with --by); nothing was written".into()),
    };
    let entry = match query {
        WhoisQuery::IdentityId(id) => directory.get_by_identity_id(id).await.map_err(failed)?,
        WhoisQuery::Sub(sub) => directory.get_by_user(pool, sub).await.map_err(failed)?,
        WhoisQuery::Username(name) => {
            let Some(user) = get_user(context, idp, pool, name, action).await? else {
                return Err(not_found(format!("no user of pool {pool} has username {name}")));
            };
            let Some(sub) = user.0 else {
                return Err(CliError::Unexpected { action, cause: format!("user {name} has no sub"), hint: None });
            };
            let entry = directory.get_by_user(pool, &sub).await.map_err(failed)?;
            let Some(entry) = entry else {
                return Err(not_found(format!("the directory links no IdentityId to user {name} (sub {sub})")));
            };
            return Ok(Found { entry, attribute: Some(user.1) });
        }
    };
    let Some(entry) = entry else {
        return Err(not_found(format!("the directory links no user to {} {}", query.kind(), query.id())));
    };
    let attribute = get_user(context, idp, &entry.user_pool_id, &entry.username, action).await?.map(|user| user.1);
    Ok(Found { entry, attribute })
}

/// One `AdminGetUser`: the user's `sub` and `custom:identity_id`; `None` when the pool
/// has no such user.
async fn get_user(
    context: &Context,
    idp: &idp::Client,
    pool: &UserPoolId,
    username: &str,
    action: &'static str,
) -> Result<Option<(Option<String>, Option<String>)>, CliError> {
    match idp.admin_get_user().user_pool_id(pool.as_str()).username(username).send().await {
        Ok(user) => {
            let attribute = |name: &str| {
                user.user_attributes().iter().find(|a| a.name() == name).and_then(|a| a.value()).map(str::to_owned)
            };
            Ok(Some((attribute("sub"), attribute(IDENTITY_ID_ATTRIBUTE))))
        }
        Err(err) => {
            let failure = AwsCallError::from_sdk(&err);
            if failure.code() == Some("UserNotFoundException") {
                return Ok(None);
            }
            let hint = Some(format!("{action} needs admin IAM credentials allowed to call cognito-idp:AdminGetUser"));
            Err(failure.into_error(action, &context.config.aws_target(), hint))
        }
    }
}

fn refused(refusal: UnlinkRefusal, query: &WhoisQuery, action: &'static str) -> CliError {
    match refusal {
        UnlinkRefusal::NotLinked => CliError::NotFound {
            action,
            cause: format!("the directory no longer links {} {}", query.kind(), query.id()),
            hint: Some("nothing was written".into()),
        },
        UnlinkRefusal::InFlight => CliError::Aws {
            action,
            cause: "an S3 event is being counted on the user's usage counters".into(),
            hint: Some("nothing was written; run it again in a moment".into()),
        },
        UnlinkRefusal::Inconsistent => CliError::Unexpected {
            action,
            cause: "the directory's user item and identity item do not name each other".into(),
            hint: Some("nothing was written; look at both items (whois by sub and by IdentityId)".into()),
        },
    }
}

fn render(command: UnlinkCommand, plan: &UnlinkPlan, step: &AttributeStep, applied: bool) -> Output {
    let entry = &plan.entry;
    let user_key = format!("user#{}#{}", entry.user_pool_id, entry.sub);
    let identity_key = format!("identity#{}", entry.identity_id);
    let unattributed_key = format!("unattributed#{}", entry.identity_id);
    let deleted: Vec<&str> = [(plan.user_item, user_key.as_str()), (plan.identity_item, identity_key.as_str())]
        .into_iter()
        .filter_map(|(present, key)| present.then_some(key))
        .collect();
    let moved = plan.usage.objects > 0 || plan.usage.bytes > 0;
    let attribute = match step {
        AttributeStep::Delete => format!("delete {IDENTITY_ID_ATTRIBUTE} (AdminDeleteUserAttributes)"),
        AttributeStep::Keep(other) => format!("keep: {IDENTITY_ID_ATTRIBUTE} holds another IdentityId, {other}"),
        AttributeStep::Nothing => format!("nothing: {IDENTITY_ID_ATTRIBUTE} is not set"),
    };
    let next = match command {
        UnlinkCommand::Unlink => None,
        UnlinkCommand::Relink => Some(format!(
            "the next /link of {} (signed with their current identity pool credentials) records the IdentityId \
             Cognito gives them now; until then the authorizer resolves them with GetId",
            entry.username
        )),
    };
    let title = if applied {
        format!("{} {}: done", command.name(), entry.username)
    } else {
        format!("{} {}: plan (nothing written; run again with --apply)", command.name(), entry.username)
    };
    let mut human = TextBlock::new(title)
        .line("sub", entry.sub.as_str())
        .line("identity id", entry.identity_id.as_str())
        .line("directory", format!("delete {}", deleted.join(", ")))
        .line(
            "usage",
            if moved {
                format!("{} objects, {} bytes move to {unattributed_key}", plan.usage.objects, plan.usage.bytes)
            } else {
                "nothing counted: nothing to move".to_owned()
            },
        )
        .line("attribute", attribute);
    if let Some(next) = &next {
        human = human.line("then", next.as_str());
    }
    let json = json!({
        "command": command.name(),
        "applied": applied,
        "username": entry.username,
        "sub": entry.sub,
        "userPoolId": entry.user_pool_id.as_str(),
        "identityId": entry.identity_id.as_str(),
        "deleteItems": deleted,
        "usageMoved": { "to": unattributed_key, "objects": plan.usage.objects, "bytes": plan.usage.bytes },
        "attribute": match step {
            AttributeStep::Delete => json!("delete"),
            AttributeStep::Keep(other) => json!({ "keep": other }),
            AttributeStep::Nothing => json!("nothing"),
        },
        "next": next,
    });
    Output::Report { human: human.render(), json }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_attribute_is_deleted_only_when_it_holds_the_unlinked_id() {
        let unlinked = IdentityId::parse("us-east-1:aaaaaaaa-0000-4000-8000-000000000000").unwrap();
        assert_eq!(attribute_step(Some(unlinked.as_str()), &unlinked), AttributeStep::Delete);
        let other = "us-east-1:bbbbbbbb-0000-4000-8000-000000000000";
        assert_eq!(attribute_step(Some(other), &unlinked), AttributeStep::Keep(other.into()));
        assert_eq!(attribute_step(None, &unlinked), AttributeStep::Nothing);
        assert_eq!(attribute_step(Some(""), &unlinked), AttributeStep::Nothing);
    }
}
