//! `usage <user|sub|IdentityId>`: what the object-owner function has counted for a
//! user's private folder, read from the identity directory (the counters live on the
//! IdentityId's item; an IdentityId the directory does not know has its own
//! `unattributed#` counters). A linked user's `users/<sub>/` folder (the `sub` and `both`
//! folder layouts) is shown next to it, from its `subfolder#<sub>` counters.

use directory::{FolderSub, IdentityDirectory, IdentityId, Usage, UserPoolId};
use serde_json::json;

use crate::aws_call_error::{AwsCallError, directory_error};
use crate::cli_args::UsageArgs;
use crate::context::Context;
use crate::error::CliError;
use crate::output::{Output, TextBlock};
use crate::whois_query::{WhoisQuery, parse_whois_query};

/// Whose counters were found.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Counted {
    /// A linked user: their IdentityId item's counters.
    User { username: String, sub: String, identity_id: IdentityId, usage: Usage, sub_folder: Usage },
    /// An IdentityId no user is linked to: its unattributed counters (zero when none).
    Unattributed { identity_id: IdentityId, usage: Usage },
    /// A user not linked to any IdentityId, in a layout with `users/<sub>/` folders: that
    /// folder's counters. The username is known when the query named it.
    SubFolderOnly { username: Option<String>, sub: FolderSub, sub_folder: Usage },
}

/// Who the query named, once resolved.
enum Named {
    /// An IdentityId (given, or linked to the user).
    Identity(IdentityId),
    /// A user the directory links to no IdentityId.
    UnlinkedUser { username: Option<String>, sub: String },
}

/// `usage`: prints the objects and bytes counted.
pub async fn usage(context: &Context, args: &UsageArgs) -> Result<Output, CliError> {
    let query = parse_whois_query(&args.id, args.by).map_err(|why| CliError::Usage(format!("usage: {why}")))?;
    let directory = context.directory()?;
    let failed = |err| directory_error(err, "usage", directory.table());
    let named = match &query {
        WhoisQuery::IdentityId(id) => Named::Identity(id.clone()),
        WhoisQuery::Sub(sub) => linked_identity(&directory, &context.config.user_pool()?, sub, None).await?,
        WhoisQuery::Username(name) => {
            let pool = context.config.user_pool()?;
            let sub = sub_of(context, &pool, name).await?;
            linked_identity(&directory, &pool, &sub, Some(name)).await?
        }
    };
    let identity_id = match named {
        Named::Identity(identity_id) => identity_id,
        Named::UnlinkedUser { username, sub } => {
            let pool = context.config.user_pool()?;
            return match (context.config.folder_layout()?, FolderSub::parse(&sub)) {
                ("sub" | "both", Ok(sub)) => {
                    let sub_folder = directory.subfolder_usage(&sub).await.map_err(failed)?.unwrap_or_default();
                    Ok(render(&Counted::SubFolderOnly { username, sub, sub_folder }))
                }
                _ => Err(not_linked(&pool, &sub)),
            };
        }
    };
    let counted = match directory.get_by_identity_id(&identity_id).await.map_err(failed)? {
        Some(entry) => {
            // A sub that is not a UUID names no users/<sub>/ folder: nothing counted there.
            let sub_folder = match FolderSub::parse(&entry.sub) {
                Ok(sub) => directory.subfolder_usage(&sub).await.map_err(failed)?.unwrap_or_default(),
                Err(_) => Usage::default(),
            };
            Counted::User {
                username: entry.username,
                sub: entry.sub,
                identity_id: entry.identity_id,
                usage: entry.usage.unwrap_or_default(),
                sub_folder,
            }
        }
        None => Counted::Unattributed {
            usage: directory.unattributed_usage(&identity_id).await.map_err(failed)?.unwrap_or_default(),
            identity_id,
        },
    };
    Ok(render(&counted))
}

fn render(counted: &Counted) -> Output {
    match counted {
        Counted::User { username, sub, identity_id, usage, sub_folder } => Output::Report {
            human: TextBlock::new(format!("usage of {username}"))
                .line("sub", sub.as_str())
                .line("identity id", identity_id.as_str())
                .line("objects", usage.objects.to_string())
                .line("bytes", usage.bytes.to_string())
                .line(
                    "sub folder",
                    format!("users/{sub}/: {} object(s), {} bytes", sub_folder.objects, sub_folder.bytes),
                )
                .render(),
            json: json!({
                "attributed": true,
                "linked": true,
                "username": username,
                "sub": sub,
                "identityId": identity_id.as_str(),
                "objects": usage.objects,
                "bytes": usage.bytes,
                "subFolder": {
                    "prefix": format!("users/{sub}/"),
                    "objects": sub_folder.objects,
                    "bytes": sub_folder.bytes,
                },
            }),
        },
        Counted::Unattributed { identity_id, usage } => Output::Report {
            human: TextBlock::new(format!("unattributed usage of {}", identity_id.as_str()))
                .line("owner", "no user is linked to this IdentityId in the directory")
                .line("objects", usage.objects.to_string())
                .line("bytes", usage.bytes.to_string())
                .render(),
            json: json!({
                "attributed": false,
                "identityId": identity_id.as_str(),
                "objects": usage.objects,
                "bytes": usage.bytes,
            }),
        },
        Counted::SubFolderOnly { username, sub, sub_folder } => {
            let prefix = format!("users/{}/", sub.as_str());
            Output::Report {
                human: TextBlock::new(format!("usage of {}", username.as_deref().unwrap_or(sub.as_str())))
                    .line("sub", sub.as_str())
                    .line("identity id", "not linked: no private/<IdentityId>/ folder is known for this user")
                    .line(
                        "sub folder",
                        format!("{prefix}: {} object(s), {} bytes", sub_folder.objects, sub_folder.bytes),
                    )
                    .render(),
                json: json!({
                    "attributed": true,
                    "linked": false,
                    "username": username,
                    "sub": sub.as_str(),
                    "identityId": null,
                    "subFolder": {"prefix": prefix, "objects": sub_folder.objects, "bytes": sub_folder.bytes},
                }),
            }
        }
    }
}

/// The IdentityId the directory links to (pool, sub), or that the user is not linked.
async fn linked_identity(
    directory: &IdentityDirectory,
    pool: &UserPoolId,
    sub: &str,
    username: Option<&str>,
) -> Result<Named, CliError> {
    match directory.get_by_user(pool, sub).await.map_err(|err| directory_error(err, "usage", directory.table()))? {
        Some(entry) => Ok(Named::Identity(entry.identity_id)),
        None => Ok(Named::UnlinkedUser { username: username.map(str::to_owned), sub: sub.to_owned() }),
    }
}

/// A user not linked, in a layout whose folders are all named by IdentityId: nothing of
/// theirs can be counted.
fn not_linked(pool: &UserPoolId, sub: &str) -> CliError {
    CliError::Aws {
        action: "usage",
        cause: format!("the directory links no IdentityId to sub {sub} of {pool}"),
        hint: Some("the user may not be linked yet (cognito-bridge link), or pass their IdentityId".into()),
    }
}

/// The sub of `username` (one AdminGetUser).
async fn sub_of(context: &Context, pool: &UserPoolId, username: &str) -> Result<String, CliError> {
    let answer = context.idp()?.admin_get_user().user_pool_id(pool.as_str()).username(username).send().await;
    let user = match answer {
        Ok(user) => user,
        Err(err) => {
            let failure = AwsCallError::from_sdk(&err);
            if failure.code() == Some("UserNotFoundException") {
                return Err(CliError::Aws {
                    action: "usage",
                    cause: format!("no user of pool {pool} has username {username}"),
                    hint: Some("check the id, or force its kind with --by".into()),
                });
            }
            return Err(failure.into_error("usage", &context.config.aws_target(), None));
        }
    };
    user.user_attributes()
        .iter()
        .find(|attribute| attribute.name() == "sub")
        .and_then(|attribute| attribute.value())
        .map(str::to_owned)
        .ok_or_else(|| CliError::Unexpected {
            action: "usage",
            cause: format!("user {username} has no sub"),
            hint: None,
        })
}
