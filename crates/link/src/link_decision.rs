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

/// After `GetId`: the identity Cognito derived from the token must be the caller's own.
pub fn check_caller_identity(caller: &IamCaller, resolved_identity_id: &str) -> Result<(), LinkError> {
    if caller.identity_id != resolved_identity_id {
        return Err(LinkError::Forbidden("the signing credentials belong to another identity than the id token"));
    }
    Ok(())
}

/// What to do once the IdentityId is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkPlan {
    /// Write `custom:identity_id`: the token does not already carry this value.
    pub write: bool,
}

/// Writes only when the token's `custom:identity_id` differs from Cognito's answer,
/// so a repeat link with a refreshed token changes nothing.
pub fn plan_link(claims: &CognitoClaims, resolved_identity_id: &str) -> LinkPlan {
    LinkPlan { write: claims.linked_identity_id() != Some(resolved_identity_id) }
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
    /// Whether this request wrote `custom:identity_id`.
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
    fn writes_only_when_the_token_lacks_the_value() {
        assert!(plan_link(&claims(None), "us-east-1:a").write);
        assert!(plan_link(&claims(Some("")), "us-east-1:a").write);
        assert!(plan_link(&claims(Some("us-east-1:old")), "us-east-1:a").write);
        assert!(!plan_link(&claims(Some("us-east-1:a")), "us-east-1:a").write);
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
