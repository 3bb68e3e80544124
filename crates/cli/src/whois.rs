//! `whois`: from either id to the user pool user and their IdentityId, for
//! support and audits (an S3 key under `private/<IdentityId>/` → who is it?).
//!
//! username → AdminGetUser; sub → ListUsers with `sub = "…"`; IdentityId →
//! every ListUsers page, matching `custom:identity_id` (Cognito cannot filter
//! on custom attributes). Admin IAM credentials from the default chain.

use aws_sdk_cognitoidentityprovider as idp;
use idp::types::{AttributeType, UserType};
use serde_json::json;

use crate::aws_failure::AwsFailure;
use crate::cli_args::{WhoisArgs, WhoisBy};
use crate::context::Context;
use crate::error::CliError;
use crate::output::{Output, TextBlock};
use crate::settings::Setting;

/// The user attribute the link function writes.
pub const IDENTITY_ID_ATTRIBUTE: &str = "custom:identity_id";

/// The largest ListUsers page Cognito serves.
pub const LIST_USERS_PAGE: i32 = 60;

/// Which lookup an id gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    /// `<region>:<uuid>`.
    IdentityId,
    /// A uuid.
    Sub,
    /// Anything else.
    Username,
}

/// The kind of `id` from its shape (`--by auto`), or as forced.
pub fn id_kind(id: &str, by: WhoisBy) -> IdKind {
    match by {
        WhoisBy::Username => IdKind::Username,
        WhoisBy::Sub => IdKind::Sub,
        WhoisBy::IdentityId => IdKind::IdentityId,
        WhoisBy::Auto => match id.split_once(':') {
            Some((region, rest)) if is_region(region) && is_uuid(rest) => IdKind::IdentityId,
            _ if is_uuid(id) => IdKind::Sub,
            _ => IdKind::Username,
        },
    }
}

fn is_region(text: &str) -> bool {
    !text.is_empty()
        && text.contains('-')
        && text.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8, 4, 4, 4, 12]).all(|(group, len)| group.len() == len)
        && groups.iter().all(|group| group.chars().all(|c| c.is_ascii_hexdigit()))
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
    let pool = context.config.user_pool_id()?;
    let idp = context.idp()?;
    let id = args.id.trim();
    let kind = id_kind(id, args.by);
    let aws_error = |failure: AwsFailure| {
        let hint = match failure.code() {
            Some("AccessDeniedException") | Some("UnrecognizedClientException") => Some(
                "whois needs admin IAM credentials allowed to call cognito-idp:AdminGetUser and ListUsers".to_owned(),
            ),
            Some("ResourceNotFoundException") => Some(format!("check {}", Setting::UserPoolId.names())),
            Some("TooManyRequestsException") => Some("ListUsers is throttled: wait and retry".to_owned()),
            _ => None,
        };
        failure.into_error("whois", &context.config.aws_target(), hint)
    };
    let (found, calls) = match kind {
        IdKind::Username => {
            let answer = idp.admin_get_user().user_pool_id(pool).username(id).send().await;
            match answer {
                Ok(user) => (
                    Some(FoundUser {
                        username: user.username,
                        attributes: pairs(user.user_attributes.unwrap_or_default()),
                        status: user.user_status.map(|s| s.as_str().to_owned()),
                        enabled: Some(user.enabled),
                    }),
                    1,
                ),
                Err(err) => {
                    let failure = AwsFailure::from_sdk(&err);
                    if failure.code() != Some("UserNotFoundException") {
                        return Err(aws_error(failure));
                    }
                    (None, 1)
                }
            }
        }
        IdKind::Sub => {
            let page = idp
                .list_users()
                .user_pool_id(pool)
                .filter(format!("sub = \"{}\"", id.replace('\\', "\\\\").replace('"', "\\\"")))
                .limit(1)
                .send()
                .await
                .map_err(|err| aws_error(AwsFailure::from_sdk(&err)))?;
            (page.users.unwrap_or_default().into_iter().next().map(FoundUser::from_list_entry), 1)
        }
        IdKind::IdentityId => {
            let mut pages = idp.list_users().user_pool_id(pool).limit(LIST_USERS_PAGE).into_paginator().send();
            let mut calls = 0;
            let mut found = None;
            while let Some(page) = pages.next().await {
                calls += 1;
                let page = page.map_err(|err| aws_error(AwsFailure::from_sdk(&err)))?;
                found = page
                    .users
                    .unwrap_or_default()
                    .into_iter()
                    .map(FoundUser::from_list_entry)
                    .find(|user| user.attribute(IDENTITY_ID_ATTRIBUTE) == Some(id));
                if found.is_some() {
                    break;
                }
            }
            (found, calls)
        }
    };
    let (by, cost) = match kind {
        IdKind::Username => ("username", format!("{calls} AdminGetUser call")),
        IdKind::Sub => ("sub", format!("{calls} ListUsers call (filtered)")),
        IdKind::IdentityId => ("identity-id", format!("{calls} ListUsers call(s), up to {LIST_USERS_PAGE} users each")),
    };
    let Some(user) = found else {
        return Err(CliError::Aws {
            action: "whois",
            cause: format!("no user of pool {pool} has {by} {id} ({cost})"),
            hint: Some(match kind {
                IdKind::IdentityId => "the user may not be linked yet (cognito-bridge link)".to_owned(),
                _ => "check the id, or force its kind with --by".to_owned(),
            }),
        });
    };
    let identity_id = user.attribute(IDENTITY_ID_ATTRIBUTE);
    let human = TextBlock::new(format!("user {}", user.username))
        .line("sub", user.attribute("sub").unwrap_or("-"))
        .line("identity id", identity_id.unwrap_or("not linked"))
        .line("email", user.attribute("email").unwrap_or("-"))
        .line("status", user.status.as_deref().unwrap_or("-"))
        .line("enabled", user.enabled.map_or("-", |e| if e { "yes" } else { "no" }))
        .line("lookup", format!("by {by}: {cost}"))
        .render();
    let json = json!({
        "username": user.username,
        "sub": user.attribute("sub"),
        "identityId": identity_id,
        "email": user.attribute("email"),
        "status": user.status,
        "enabled": user.enabled,
        "lookup": {"by": by, "calls": calls},
    });
    Ok(Output::Report { human, json })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shape_of_an_id_says_how_to_look_it_up() {
        let auto = |id| id_kind(id, WhoisBy::Auto);
        assert_eq!(auto("us-east-1:1f0c7e2a-3b4c-4d5e-8f60-718293a4b5c6"), IdKind::IdentityId);
        assert_eq!(auto("7d8ca528-4931-4254-9273-ea5ee853f271"), IdKind::Sub);
        assert_eq!(auto("alice"), IdKind::Username);
        assert_eq!(auto("alice:7d8ca528-4931-4254-9273-ea5ee853f271"), IdKind::Username);
        assert_eq!(auto("7d8ca528-4931-4254-9273"), IdKind::Username);
        assert_eq!(id_kind("7d8ca528-4931-4254-9273-ea5ee853f271", WhoisBy::Username), IdKind::Username);
    }
}
