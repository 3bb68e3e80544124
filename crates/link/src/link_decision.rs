//! The link decisions as pure functions: claims and ids in, verdict out.

use serde::Serialize;
use token_verifier::CognitoClaims;

use crate::error::LinkError;
use crate::link_request::IamCaller;

/// Before `GetId`: an IAM caller may only link their own user.
pub fn check_caller_is_token_user(
    caller: &IamCaller,
    claims: &CognitoClaims,
    identity_pool_id: &str,
) -> Result<(), LinkError> {
    if caller.identity_pool_id.as_deref().is_some_and(|pool| pool != identity_pool_id) {
        return Err(LinkError::Forbidden("the signing credentials belong to another identity pool"));
    }
    if caller.sub != claims.sub {
        return Err(LinkError::Forbidden("the signing credentials belong to another user than the id token"));
    }
    Ok(())
}

/// Once the IdentityId is known (from the directory, which holds what `GetId` answered
/// when the link was made, or from `GetId` itself): it must be the caller's own.
pub fn check_caller_identity(caller: &IamCaller, resolved_identity_id: &str) -> Result<(), LinkError> {
    if caller.identity_id != resolved_identity_id {
        return Err(LinkError::Forbidden("the signing credentials belong to another identity than the id token"));
    }
    Ok(())
}

/// What the user pool still needs once the IdentityId is known and in the directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserPoolStep {
    /// The directory marks the attribute as written: no Cognito call.
    Nothing,
    /// The verified token already carries this IdentityId (Cognito signed it, so the
    /// attribute holds it): only the directory's mark is missing. No Cognito call.
    MarkOnly,
    /// `AdminUpdateUserAttributes`, then the mark: a first link, or a repeat after a
    /// link that stopped between the directory write and the attribute write.
    WriteAttribute,
}

/// Decides the user pool step from the token's `custom:identity_id`, the link's
/// IdentityId and whether the directory marks the attribute as written.
pub fn user_pool_step(token_identity_id: Option<&str>, identity_id: &str, marked_written: bool) -> UserPoolStep {
    if marked_written {
        UserPoolStep::Nothing
    } else if token_identity_id == Some(identity_id) {
        UserPoolStep::MarkOnly
    } else {
        UserPoolStep::WriteAttribute
    }
}

/// The 200 body for a link to `identity_id`: `changed` when this request created the
/// directory entry or wrote the attribute; `refreshTokens` when the presented token does
/// not carry the IdentityId (a new token will).
pub fn outcome(
    claims: &CognitoClaims,
    username: String,
    identity_id: String,
    directory_created: bool,
    step: UserPoolStep,
) -> LinkOutcome {
    LinkOutcome {
        refresh_tokens: claims.linked_identity_id() != Some(identity_id.as_str()),
        changed: directory_created || step == UserPoolStep::WriteAttribute,
        identity_id,
        sub: claims.sub.clone(),
        username,
    }
}

/// The 200 body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LinkOutcome {
    /// The user's IdentityId, as Cognito Identity derived it.
    pub identity_id: String,
    /// The user pool `sub`.
    pub sub: String,
    /// The user pool user name.
    pub username: String,
    /// Whether this request wrote the link (the directory entry or `custom:identity_id`).
    pub changed: bool,
    /// Whether the client must refresh its tokens to see `custom:identity_id`
    /// (the presented id token does not carry the current value).
    pub refresh_tokens: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(identity_id: Option<&str>) -> CognitoClaims {
        let mut value = serde_json::json!({"sub": "s-1", "iss": "i", "token_use": "id", "aud": "c", "exp": 1});
        if let Some(id) = identity_id {
            value["custom:identity_id"] = id.into();
        }
        serde_json::from_value(value).unwrap()
    }

    fn caller(sub: &str, identity_id: &str) -> IamCaller {
        IamCaller { identity_id: identity_id.into(), sub: sub.into(), identity_pool_id: Some("us-east-1:pool".into()) }
    }

    #[test]
    fn a_marked_link_needs_nothing_whatever_the_token_carries() {
        for token in [None, Some(""), Some("us-east-1:old"), Some("us-east-1:a")] {
            let claims = claims(token);
            assert_eq!(user_pool_step(claims.linked_identity_id(), "us-east-1:a", true), UserPoolStep::Nothing);
        }
    }

    #[test]
    fn an_unmarked_link_writes_unless_the_token_proves_the_attribute() {
        for token in [None, Some(""), Some("us-east-1:old")] {
            let claims = claims(token);
            assert_eq!(
                user_pool_step(claims.linked_identity_id(), "us-east-1:a", false),
                UserPoolStep::WriteAttribute,
                "{token:?}"
            );
        }
        assert_eq!(user_pool_step(Some("us-east-1:a"), "us-east-1:a", false), UserPoolStep::MarkOnly);
    }

    #[test]
    fn changed_means_written_and_refresh_means_the_token_lacks_the_id() {
        let repeat = outcome(&claims(None), "u".into(), "us-east-1:a".into(), false, UserPoolStep::Nothing);
        assert_eq!((repeat.changed, repeat.refresh_tokens), (false, true));
        let refreshed =
            outcome(&claims(Some("us-east-1:a")), "u".into(), "us-east-1:a".into(), false, UserPoolStep::Nothing);
        assert_eq!((refreshed.changed, refreshed.refresh_tokens), (false, false));
        let first = outcome(&claims(None), "u".into(), "us-east-1:a".into(), true, UserPoolStep::WriteAttribute);
        assert_eq!((first.changed, first.refresh_tokens), (true, true));
        let repaired = outcome(&claims(None), "u".into(), "us-east-1:a".into(), false, UserPoolStep::WriteAttribute);
        assert!(repaired.changed);
        let backfilled =
            outcome(&claims(Some("us-east-1:a")), "u".into(), "us-east-1:a".into(), true, UserPoolStep::MarkOnly);
        assert_eq!((backfilled.changed, backfilled.refresh_tokens), (true, false));
    }

    #[test]
    fn a_caller_links_only_themselves() {
        assert_eq!(check_caller_is_token_user(&caller("s-1", "x"), &claims(None), "us-east-1:pool"), Ok(()));
        assert!(matches!(
            check_caller_is_token_user(&caller("s-2", "x"), &claims(None), "us-east-1:pool"),
            Err(LinkError::Forbidden(_))
        ));
        assert!(matches!(
            check_caller_is_token_user(&caller("s-1", "x"), &claims(None), "us-east-1:other"),
            Err(LinkError::Forbidden(_))
        ));
        assert_eq!(check_caller_identity(&caller("s-1", "us-east-1:a"), "us-east-1:a"), Ok(()));
        assert!(matches!(
            check_caller_identity(&caller("s-1", "us-east-1:b"), "us-east-1:a"),
            Err(LinkError::Forbidden(_))
        ));
    }
}
