//! `whois`: from either id to the user pool user and their IdentityId, for
//! support and audits (an S3 key under `private/<IdentityId>/` → who is it?).
//!
//! IdentityId or sub → one `GetItem` on the identity directory, then one
//! `AdminGetUser`; username → `AdminGetUser`. With `--scan` (no directory): sub →
//! ListUsers with `sub = "…"`; IdentityId → every ListUsers page, matching
//! `custom:identity_id` (Cognito cannot filter on custom attributes). Admin IAM
//! credentials from the default chain.
//!
//! For an S3 object (`whois s3://…`) it also shows the owner tags the object-owner
//! function wrote: one `GetObjectTagging` with the same credentials.

use aws_sdk_cognitoidentityprovider as idp;
use aws_sdk_s3 as s3;
use directory::{DirectoryEntry, UserPoolId};
use idp::types::{AttributeType, UserType};
use serde_json::json;

use crate::aws_call_error::{AwsCallError, directory_error};
use crate::cli_args::WhoisArgs;
use crate::context::Context;
use crate::error::CliError;
use crate::output::{Output, TextBlock};
use crate::settings::Setting;
use crate::whois_query::{WhoisQuery, names_a_sub_folder, parse_whois_query};

/// The user attribute the link function writes.
pub const IDENTITY_ID_ATTRIBUTE: &str = "custom:identity_id";

/// The largest ListUsers page Cognito serves.
pub const LIST_USERS_PAGE: i32 = 60;

/// The calls one lookup made, by API: what `whois` reports as its cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LookupCost {
    /// DynamoDB `GetItem` on the directory.
    pub get_item: u32,
    /// Cognito `AdminGetUser` (UserRead quota).
    pub admin_get_user: u32,
    /// Cognito `ListUsers` (UserList quota, 30/s for the account).
    pub list_users: u32,
}

impl LookupCost {
    /// All calls.
    pub fn total(&self) -> u32 {
        self.get_item + self.admin_get_user + self.list_users
    }

    /// e.g. `1 GetItem, 1 AdminGetUser, 0 ListUsers`; a scan adds the page size.
    pub fn describe(&self, scan: bool) -> String {
        let list = if scan && self.list_users > 0 {
            format!("{} ListUsers call(s), up to {LIST_USERS_PAGE} users each", self.list_users)
        } else {
            format!("{} ListUsers", self.list_users)
        };
        format!("{} GetItem, {} AdminGetUser, {list}", self.get_item, self.admin_get_user)
    }
}

/// A user as `whois` reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct FoundUser {
    username: String,
    attributes: Vec<(String, String)>,
    status: Option<String>,
    enabled: Option<bool>,
}

impl FoundUser {
    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// A directory entry whose user the pool no longer has (deleted since linking).
    fn gone_from_the_pool(entry: &DirectoryEntry) -> Self {
        FoundUser {
            username: entry.username.clone(),
            attributes: vec![
                ("sub".into(), entry.sub.clone()),
                (IDENTITY_ID_ATTRIBUTE.into(), entry.identity_id.to_string()),
            ],
            status: Some("NOT_IN_USER_POOL".into()),
            enabled: None,
        }
    }

    fn from_list_entry(user: UserType) -> Self {
        FoundUser {
            username: user.username.unwrap_or_default(),
            attributes: pairs(user.attributes.unwrap_or_default()),
            status: user.user_status.map(|s| s.as_str().to_owned()),
            enabled: Some(user.enabled),
        }
    }
}

fn pairs(attributes: Vec<AttributeType>) -> Vec<(String, String)> {
    attributes.into_iter().filter_map(|a| Some((a.name, a.value?))).collect()
}

/// `whois`: prints the user and their IdentityId, and what the lookup cost.
pub async fn whois(context: &Context, args: &WhoisArgs) -> Result<Output, CliError> {
    let pool = context.config.user_pool()?;
    let query = parse_whois_query(&args.id, args.by).map_err(|why| CliError::Usage(format!("whois: {why}")))?;
    // A users/<sub>/ folder names its owner only where IAM names it by the principal tag.
    if names_a_sub_folder(&args.id) && context.config.folder_layout()? == "identity-id" {
        return Err(CliError::Usage(format!(
            "whois: the folder layout is identity-id, where nothing makes a users/<sub>/ folder its sub's: \
             set {} to sub or both if the stack's FolderLayout is (its identity pool maps sub to the principal tag \"sub\")",
            Setting::FolderLayout.names()
        )));
    }
    let idp = context.idp()?;
    let aws_error = |failure: AwsCallError| {
        let hint = match failure.code() {
            Some("AccessDeniedException") | Some("UnrecognizedClientException") => Some(
                "whois needs admin IAM credentials allowed to call cognito-idp:AdminGetUser and ListUsers".to_owned(),
            ),
            Some("ResourceNotFoundException") => Some(format!("check {}", Setting::UserPoolId.names())),
            Some("TooManyRequestsException") => Some("Cognito is throttling: wait and retry".to_owned()),
            _ => None,
        };
        failure.into_error("whois", &context.config.aws_target(), hint)
    };
    let mut cost = LookupCost::default();
    let (source, found) = match (&query, args.scan) {
        (WhoisQuery::Username(name), _) => {
            cost.admin_get_user += 1;
            ("user pool", admin_get_user(&idp, &pool, name).await.map_err(aws_error)?)
        }
        (WhoisQuery::Sub(sub), true) => {
            cost.list_users += 1;
            let page = idp
                .list_users()
                .user_pool_id(pool.as_str())
                .filter(format!("sub = \"{}\"", sub.replace('\\', "\\\\").replace('"', "\\\"")))
                .limit(1)
                .send()
                .await
                .map_err(|err| aws_error(AwsCallError::from_sdk(&err)))?;
            ("scan", page.users.unwrap_or_default().into_iter().next().map(FoundUser::from_list_entry))
        }
        (WhoisQuery::IdentityId(id), true) => {
            let mut pages = idp.list_users().user_pool_id(pool.as_str()).limit(LIST_USERS_PAGE).into_paginator().send();
            let mut found = None;
            while let Some(page) = pages.next().await {
                cost.list_users += 1;
                let page = page.map_err(|err| aws_error(AwsCallError::from_sdk(&err)))?;
                found = page
                    .users
                    .unwrap_or_default()
                    .into_iter()
                    .map(FoundUser::from_list_entry)
                    .find(|user| user.attribute(IDENTITY_ID_ATTRIBUTE) == Some(id.as_str()));
                if found.is_some() {
                    break;
                }
            }
            ("scan", found)
        }
        (query, false) => {
            let directory = context.directory().map_err(|err| match err {
                CliError::MissingSetting { .. } | CliError::MissingStackOutput { .. } => {
                    CliError::Usage(format!("{}; or page through ListUsers with --scan", err.one_line()))
                }
                other => other,
            })?;
            cost.get_item += 1;
            let entry = match query {
                WhoisQuery::IdentityId(id) => directory.get_by_identity_id(id).await,
                WhoisQuery::Sub(sub) => directory.get_by_user(&pool, sub).await,
                WhoisQuery::Username(_) => unreachable!("usernames are looked up in the user pool"),
            }
            .map_err(|err| directory_error(err, "whois", directory.table()))?;
            if entry.is_none() {
                // A forgotten user or IdentityId: the tombstone says so (one more GetItem).
                cost.get_item += 1;
                let forgotten = match query {
                    WhoisQuery::IdentityId(id) => directory.is_forgotten_identity(id).await,
                    WhoisQuery::Sub(sub) => directory.is_forgotten_user(&pool, sub).await,
                    WhoisQuery::Username(_) => Ok(false),
                }
                .map_err(|err| directory_error(err, "whois", directory.table()))?;
                if forgotten {
                    let cause =
                        format!("not found (forgotten): {} {} ({})", query.kind(), query.id(), cost.describe(false));
                    return Err(CliError::Aws { action: "whois", cause, hint: None });
                }
            }
            let found = match entry {
                None => None,
                Some(entry) => {
                    cost.admin_get_user += 1;
                    let user = admin_get_user(&idp, &entry.user_pool_id, &entry.username).await.map_err(aws_error)?;
                    Some(user.unwrap_or_else(|| FoundUser::gone_from_the_pool(&entry)))
                }
            };
            ("directory", found)
        }
    };
    let by = query.kind();
    let id = query.id();
    let scan = source == "scan";
    let Some(user) = found else {
        let hint = match (&query, source) {
            (WhoisQuery::Username(_), _) => "check the id, or force its kind with --by".to_owned(),
            (_, "directory") => "not in the directory: the user may not be linked yet (cognito-bridge link), or was \
                 linked before the directory existed (cognito-bridge backfill; or look it up with --scan)"
                .to_owned(),
            (WhoisQuery::IdentityId(_), _) => "the user may not be linked yet (cognito-bridge link)".to_owned(),
            _ => "check the id, or force its kind with --by".to_owned(),
        };
        let what = if source == "directory" { "the directory links no user of any pool to" } else { "no user of pool" };
        let cause = if source == "directory" {
            format!("{what} {by} {id} ({})", cost.describe(scan))
        } else {
            format!("{what} {pool} has {by} {id} ({})", cost.describe(scan))
        };
        return Err(CliError::Aws { action: "whois", cause, hint: Some(hint) });
    };
    let tags = match s3_object_of(&args.id) {
        Some((bucket, key)) => {
            let s3 = s3::Client::new(context.config.sdk()?);
            let tags = owner_tags(&s3, bucket, key).await.map_err(|failure| {
                let hint = Some("reading the owner tags needs s3:GetObjectTagging on the bucket".to_owned());
                failure.into_error("whois", &context.config.aws_target(), hint)
            })?;
            Some(tags)
        }
        None => None,
    };
    let identity_id = user.attribute(IDENTITY_ID_ATTRIBUTE);
    let mut human = TextBlock::new(format!("user {}", user.username))
        .line("sub", user.attribute("sub").unwrap_or("-"))
        .line("identity id", identity_id.unwrap_or("not linked"))
        .line("email", user.attribute("email").unwrap_or("-"))
        .line("status", user.status.as_deref().unwrap_or("-"))
        .line("enabled", user.enabled.map_or("-", |e| if e { "yes" } else { "no" }))
        .line("lookup", format!("by {by} from the {source}: {}", cost.describe(scan)));
    if let Some(tags) = &tags {
        human = human.line("owner tags", tags.describe());
    }
    let human = human.render();
    let mut json = json!({
        "username": user.username,
        "sub": user.attribute("sub"),
        "identityId": identity_id,
        "email": user.attribute("email"),
        "status": user.status,
        "enabled": user.enabled,
        "lookup": {
            "by": by,
            "source": source,
            "calls": cost.total(),
            "getItem": cost.get_item,
            "adminGetUser": cost.admin_get_user,
            "listUsers": cost.list_users,
        },
    });
    if let Some(tags) = &tags {
        json["ownerTags"] = tags.to_json();
        json["object"] = json!(tags != &ObjectOwnerTags::NoSuchObject);
    }
    Ok(Output::Report { human, json })
}

/// One AdminGetUser; `None` when the pool has no such user.
async fn admin_get_user(
    idp: &idp::Client,
    pool: &UserPoolId,
    username: &str,
) -> Result<Option<FoundUser>, AwsCallError> {
    match idp.admin_get_user().user_pool_id(pool.as_str()).username(username).send().await {
        Ok(user) => Ok(Some(FoundUser {
            username: user.username,
            attributes: pairs(user.user_attributes.unwrap_or_default()),
            status: user.user_status.map(|s| s.as_str().to_owned()),
            enabled: Some(user.enabled),
        })),
        Err(err) => {
            let failure = AwsCallError::from_sdk(&err);
            if failure.code() == Some("UserNotFoundException") { Ok(None) } else { Err(failure) }
        }
    }
}

// The owner tags of an S3 object, as `whois s3://…` shows them next to the directory's answer.

/// The tags object-owner writes, in the order `whois` shows them.
pub const OWNER_TAGS: [&str; 3] = ["owner-sub", "owner-username", "owner-identity-id"];

/// What the bucket says about one object's owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectOwnerTags {
    /// The object exists; its owner tags (possibly none yet: the pipeline is asynchronous).
    Tagged(Vec<(String, String)>),
    /// The bucket has no such object (or no such bucket).
    NoSuchObject,
}

impl ObjectOwnerTags {
    /// One line for people: `owner-sub=…, owner-username=…`, or why there is none.
    pub fn describe(&self) -> String {
        match self {
            ObjectOwnerTags::Tagged(tags) if tags.is_empty() => {
                "none yet (object-owner tags each object shortly after it is written)".into()
            }
            ObjectOwnerTags::Tagged(tags) => {
                tags.iter().map(|(key, value)| format!("{key}={value}")).collect::<Vec<_>>().join(", ")
            }
            ObjectOwnerTags::NoSuchObject => "no such object in the bucket".into(),
        }
    }

    /// The tags as a JSON object (`null` when there is no object).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            ObjectOwnerTags::Tagged(tags) => {
                serde_json::Value::Object(tags.iter().map(|(k, v)| (k.clone(), v.clone().into())).collect())
            }
            ObjectOwnerTags::NoSuchObject => serde_json::Value::Null,
        }
    }
}

/// The bucket and key of an `s3://bucket/key` URI; `None` for anything else.
pub fn s3_object_of(text: &str) -> Option<(&str, &str)> {
    let (bucket, key) = text.trim().strip_prefix("s3://")?.split_once('/')?;
    (!bucket.is_empty() && !key.is_empty()).then_some((bucket, key))
}

/// The owner tags of the object (only [`OWNER_TAGS`], the user's own tags are theirs).
pub async fn owner_tags(s3: &s3::Client, bucket: &str, key: &str) -> Result<ObjectOwnerTags, AwsCallError> {
    match s3.get_object_tagging().bucket(bucket).key(key).send().await {
        Ok(output) => {
            Ok(ObjectOwnerTags::Tagged(pick_owner_tags(output.tag_set().iter().map(|tag| (tag.key(), tag.value())))))
        }
        Err(err) => {
            let failure = AwsCallError::from_sdk(&err);
            match failure.code() {
                Some("NoSuchKey" | "NoSuchBucket" | "NotFound") => Ok(ObjectOwnerTags::NoSuchObject),
                _ => Err(failure),
            }
        }
    }
}

/// The owner tags among `tags`, in [`OWNER_TAGS`] order.
pub fn pick_owner_tags<'a>(tags: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<(String, String)> {
    let tags: Vec<(&str, &str)> = tags.collect();
    OWNER_TAGS
        .iter()
        .filter_map(|name| tags.iter().find(|(key, _)| key == name).map(|(k, v)| ((*k).to_owned(), (*v).to_owned())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cost_names_every_api() {
        let directory = LookupCost { get_item: 1, admin_get_user: 1, list_users: 0 };
        assert_eq!(directory.describe(false), "1 GetItem, 1 AdminGetUser, 0 ListUsers");
        assert_eq!(directory.total(), 2);
        let scan = LookupCost { list_users: 2, ..Default::default() };
        assert_eq!(scan.describe(true), "0 GetItem, 0 AdminGetUser, 2 ListUsers call(s), up to 60 users each");
    }

    #[test]
    fn uris_name_their_bucket_and_key() {
        assert_eq!(s3_object_of("s3://b/private/x/f"), Some(("b", "private/x/f")));
        assert_eq!(s3_object_of("private/x/f"), None);
        assert_eq!(s3_object_of("s3://b"), None);
        assert_eq!(s3_object_of("s3:///k"), None);
    }

    #[test]
    fn only_the_owner_tags_are_shown_in_their_order() {
        let tags = [("project", "x"), ("owner-username", "alice"), ("owner-sub", "s-1")];
        let picked = pick_owner_tags(tags.into_iter());
        assert_eq!(picked, vec![("owner-sub".into(), "s-1".into()), ("owner-username".into(), "alice".into())]);
        assert_eq!(ObjectOwnerTags::Tagged(picked).describe(), "owner-sub=s-1, owner-username=alice");
        assert!(ObjectOwnerTags::Tagged(vec![]).describe().starts_with("none yet"));
    }
}
