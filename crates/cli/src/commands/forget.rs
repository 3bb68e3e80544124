//! `forget <user>`: forgets a user everywhere, for operators, with the forget function's
//! own engine ([`forget::Forgetter`]): identities deleted, folders erased (`--objects`),
//! then the directory's items replaced by a tombstone in one transaction.
//!
//! The user is a username (one `AdminGetUser` to its sub), a sub, or an IdentityId (the
//! directory's `identity#` item names the sub). The plan is printed, then confirmed on a
//! terminal unless `--yes`; without a terminal and without `--yes` nothing is written
//! (exit 2). An unknown user is exit 5 with nothing written; a user forgotten before is a
//! success that says so. Nothing of the user is logged: the plan is printed, not traced.

use std::io::{BufRead, IsTerminal, Write};

use aws_sdk_cognitoidentityprovider as idp;
use directory::{ForgetPlan, ForgetTargets, IdentityDirectory, UserPoolId};
use forget::{FolderAction, ForgetError, ForgetReport, Forgetter, Forgot};
use lambda_foundation::unix_now;
use serde_json::json;

use crate::aws_call_error::{AwsCallError, directory_error};
use crate::cli_args::{ForgetArgs, ForgetObjects};
use crate::context::Context;
use crate::error::CliError;
use crate::output::{Output, TextBlock};
use crate::whois_query::{WhoisQuery, parse_whois_query};

const ACTION: &str = "forget";

/// Keys per listing page: S3's maximum.
const PAGE_SIZE: i32 = 1000;

/// Whom to forget, as resolved. Pure data.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Subject {
    /// The user `sub` of `pool`.
    User { pool: UserPoolId, sub: String },
    /// An IdentityId the directory no longer has, whose tombstone is there.
    ForgottenIdentity,
}

/// `forget`.
pub async fn forget(context: &Context, args: &ForgetArgs) -> Result<Output, CliError> {
    let query = parse_whois_query(&args.id, args.by).map_err(|why| CliError::Usage(format!("{ACTION}: {why}")))?;
    let pool = context.config.user_pool()?;
    let directory = context.directory()?;
    let action = match args.objects {
        ForgetObjects::Keep => FolderAction::Keep,
        ForgetObjects::Delete => FolderAction::Delete,
    };
    let (pool, sub) = match resolve(context, &directory, &pool, &query).await? {
        Subject::User { pool, sub } => (pool, sub),
        Subject::ForgottenIdentity => return Ok(already_forgotten(query.kind(), query.id(), action)),
    };
    let forgetter = Forgetter {
        cognito: context.identity()?,
        s3: aws_sdk_s3::Client::new(context.config.sdk()?),
        bucket: context.config.bucket()?.to_owned(),
        directory: directory.clone(),
        action,
        pace: forget::config::DEFAULT_PACE,
        page_size: PAGE_SIZE,
    };
    let failed = |err| forget_error(err, directory.table());
    let targets = match forgetter.plan(&pool, &sub).await.map_err(failed)? {
        ForgetPlan::NotFound => return Err(not_found(format!("the directory knows no user {sub} of pool {pool}"))),
        ForgetPlan::AlreadyForgotten => return Ok(already_forgotten("sub", &sub, action)),
        ForgetPlan::Forget(targets) => targets,
    };
    let plan = render_plan(&targets, action);
    if !args.yes {
        confirm(&plan)?;
    }
    match forgetter.forget(&pool, &sub, unix_now()).await.map_err(failed)? {
        Forgot::Forgotten(report) => Ok(render_done(&targets, action, &report)),
        Forgot::AlreadyForgotten => Ok(already_forgotten("sub", &sub, action)),
        Forgot::NotFound => Err(not_found(format!("the directory knows no user {sub} of pool {pool}"))),
    }
}

/// The user pool and sub of `query`: a username through `AdminGetUser`, an IdentityId
/// through the directory (or its tombstone), a sub as it is.
async fn resolve(
    context: &Context,
    directory: &IdentityDirectory,
    pool: &UserPoolId,
    query: &WhoisQuery,
) -> Result<Subject, CliError> {
    let failed = |err| directory_error(err, ACTION, directory.table());
    match query {
        WhoisQuery::Sub(sub) => Ok(Subject::User { pool: pool.clone(), sub: sub.clone() }),
        WhoisQuery::IdentityId(id) => match directory.get_by_identity_id(id).await.map_err(failed)? {
            Some(entry) => Ok(Subject::User { pool: entry.user_pool_id, sub: entry.sub }),
            None if directory.is_forgotten_identity(id).await.map_err(failed)? => Ok(Subject::ForgottenIdentity),
            None => Err(not_found(format!("the directory links no user to IdentityId {id}"))),
        },
        WhoisQuery::Username(name) => {
            let sub = user_sub(context, &context.idp()?, pool, name).await?;
            let Some(sub) = sub else {
                return Err(not_found(format!(
                    "no user of pool {pool} has username {name} (a user already deleted from the pool is forgotten by sub)"
                )));
            };
            Ok(Subject::User { pool: pool.clone(), sub })
        }
    }
}

/// One `AdminGetUser`: the user's sub; `None` when the pool has no such user.
async fn user_sub(
    context: &Context,
    idp: &idp::Client,
    pool: &UserPoolId,
    username: &str,
) -> Result<Option<String>, CliError> {
    match idp.admin_get_user().user_pool_id(pool.as_str()).username(username).send().await {
        Ok(user) => {
            let sub = user.user_attributes().iter().find(|a| a.name() == "sub").and_then(|a| a.value());
            match sub {
                Some(sub) => Ok(Some(sub.to_owned())),
                None => Err(CliError::Unexpected {
                    action: ACTION,
                    cause: format!("user {username} has no sub"),
                    hint: None,
                }),
            }
        }
        Err(err) => {
            let failure = AwsCallError::from_sdk(&err);
            if failure.code() == Some("UserNotFoundException") {
                return Ok(None);
            }
            let hint = Some(format!("{ACTION} needs admin IAM credentials allowed to call cognito-idp:AdminGetUser"));
            Err(failure.into_error(ACTION, &context.config.aws_target(), hint))
        }
    }
}

/// Shows the plan and asks on the terminal; refuses when stdin is not one.
fn confirm(plan: &Output) -> Result<(), CliError> {
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Usage(format!(
            "{ACTION}: stdin is not a terminal, so nothing can be confirmed: run again with --yes to forget without \
             asking; nothing was written"
        )));
    }
    let Output::Report { human, .. } = plan else { return Ok(()) };
    let mut stderr = std::io::stderr().lock();
    let _ = write!(stderr, "{human}\nForget this user? This cannot be undone. Type yes to go on: ");
    let _ = stderr.flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|err| CliError::Usage(format!("{ACTION}: could not read the answer: {err}; nothing was written")))?;
    if answer.trim() != "yes" {
        return Err(CliError::Usage(format!("{ACTION}: not confirmed; nothing was written")));
    }
    Ok(())
}

fn not_found(cause: String) -> CliError {
    CliError::NotFound {
        action: ACTION,
        cause,
        hint: Some("check the id (or force its kind with --by); nothing was written".into()),
    }
}

/// Maps an engine failure once: every one leaves the user to be forgotten by a re-run.
fn forget_error(err: ForgetError, table: &str) -> CliError {
    let again = "run forget again: it continues where this run stopped";
    match err {
        ForgetError::Directory(err) => directory_error(err, ACTION, table),
        ForgetError::Cognito(_) | ForgetError::S3(_) | ForgetError::Unprocessed(_) => {
            CliError::Aws { action: ACTION, cause: err.to_string(), hint: Some(again.into()) }
        }
        ForgetError::NoUserPool => CliError::Unexpected { action: ACTION, cause: err.to_string(), hint: None },
    }
}

fn folder_line(action: FolderAction) -> &'static str {
    match action {
        FolderAction::Keep => "keep: the objects stay, only the owner tags are removed",
        FolderAction::Delete => "delete: every object and every version is deleted",
    }
}

fn identity_list(targets: &ForgetTargets) -> Vec<&str> {
    targets.identity_ids.iter().map(|id| id.as_str()).collect()
}

fn render_plan(targets: &ForgetTargets, action: FolderAction) -> Output {
    let ids = identity_list(targets);
    let human = TextBlock::new("forget: plan")
        .line("user pool", targets.user_pool_id.as_str())
        .line("sub", targets.sub.as_str())
        .line("identity ids", if ids.is_empty() { "none".to_owned() } else { ids.join(", ") })
        .line("folders", folder_line(action))
        .line("directory", "the user's items deleted, a tombstone with no personal data written");
    let json = json!({
        "command": ACTION,
        "applied": false,
        "userPoolId": targets.user_pool_id.as_str(),
        "sub": targets.sub,
        "identityIds": ids,
        "objects": action.as_str(),
    });
    Output::Report { human: human.render(), json }
}

fn render_done(targets: &ForgetTargets, action: FolderAction, report: &ForgetReport) -> Output {
    let ids = identity_list(targets);
    let folder = match action {
        FolderAction::Keep => format!("{} object(s) untagged", report.folder.untagged),
        FolderAction::Delete => format!("{} object version(s) deleted", report.folder.deleted),
    };
    let human = TextBlock::new("forget: done")
        .line("user pool", targets.user_pool_id.as_str())
        .line("sub", targets.sub.as_str())
        .line("identity ids", if ids.is_empty() { "none".to_owned() } else { ids.join(", ") })
        .line(
            "identities",
            format!("{} deleted ({} DeleteIdentities call(s))", report.identities, report.delete_identities_calls),
        )
        .line("folders", folder)
        .line("directory", format!("{} item(s) deleted, tombstone written", report.items_deleted));
    let json = json!({
        "command": ACTION,
        "applied": true,
        "outcome": "forgotten",
        "userPoolId": targets.user_pool_id.as_str(),
        "sub": targets.sub,
        "identityIds": ids,
        "objects": action.as_str(),
        "identitiesDeleted": report.identities,
        "deleteIdentitiesCalls": report.delete_identities_calls,
        "objectsUntagged": report.folder.untagged,
        "objectVersionsDeleted": report.folder.deleted,
        "itemsDeleted": report.items_deleted,
    });
    Output::Report { human: human.render(), json }
}

fn already_forgotten(kind: &str, id: &str, action: FolderAction) -> Output {
    let human = TextBlock::new(format!("forget: already forgotten ({kind} {id}); nothing to do")).render();
    let json = json!({
        "command": ACTION,
        "applied": false,
        "outcome": "already-forgotten",
        "id": id,
        "objects": action.as_str(),
    });
    Output::Report { human, json }
}
