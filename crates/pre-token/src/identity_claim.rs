//! Which `identity_id` claim a user's tokens get: a pure decision over the attributes
//! Cognito sends in `request.userAttributes`.

use lambda_foundation::ids::IdentityId;
use serde_json::{Map, Value};

/// The user attribute the link function writes (`AdminUpdateUserAttributes`).
pub const IDENTITY_ID_ATTRIBUTE: &str = "custom:identity_id";

/// The claim added to both tokens. No colon: API Gateway's mapping templates and
/// `$context.authorizer.claims.…` cannot name a claim with one.
pub const IDENTITY_ID_CLAIM: &str = "identity_id";

/// What the user's attributes say about their tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityClaim {
    /// The user is linked: both tokens carry this IdentityId.
    Add(IdentityId),
    /// No attribute (not linked yet, or an event without attributes): tokens unchanged.
    NotLinked,
    /// An attribute that is not an IdentityId (an app client left able to write it, or
    /// a hand edit): tokens unchanged rather than a claim nobody can rely on.
    Malformed,
}

/// Decides the claim from `request.userAttributes` (`None` when the event has none).
pub fn identity_claim(user_attributes: Option<&Map<String, Value>>) -> IdentityClaim {
    match user_attributes.and_then(|attributes| attributes.get(IDENTITY_ID_ATTRIBUTE)) {
        None | Some(Value::Null) => IdentityClaim::NotLinked,
        Some(Value::String(text)) if text.is_empty() => IdentityClaim::NotLinked,
        Some(Value::String(text)) => IdentityId::parse(text).map_or(IdentityClaim::Malformed, IdentityClaim::Add),
        Some(_) => IdentityClaim::Malformed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn attributes(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn a_linked_user_gets_the_claim() {
        let attrs =
            attributes(json!({"sub": "s", "custom:identity_id": "us-east-1:1f0c7e2a-3b4c-4d5e-8f60-718293a4b5c6"}));
        match identity_claim(Some(&attrs)) {
            IdentityClaim::Add(id) => assert_eq!(id.as_str(), "us-east-1:1f0c7e2a-3b4c-4d5e-8f60-718293a4b5c6"),
            other => panic!("expected a claim, got {other:?}"),
        }
    }

    #[test]
    fn no_attributes_no_attribute_or_an_empty_one_is_not_linked() {
        assert_eq!(identity_claim(None), IdentityClaim::NotLinked);
        assert_eq!(identity_claim(Some(&attributes(json!({"sub": "s"})))), IdentityClaim::NotLinked);
        assert_eq!(identity_claim(Some(&attributes(json!({"custom:identity_id": ""})))), IdentityClaim::NotLinked);
        assert_eq!(identity_claim(Some(&attributes(json!({"custom:identity_id": null})))), IdentityClaim::NotLinked);
    }

    #[test]
    fn a_value_that_is_no_identity_id_adds_nothing() {
        for bad in [json!("not an id"), json!("us-east-1:ZZZ"), json!(42), json!(["us-east-1:abc"])] {
            let attrs = attributes(json!({ "custom:identity_id": bad }));
            assert_eq!(identity_claim(Some(&attrs)), IdentityClaim::Malformed, "{bad}");
        }
    }
}
