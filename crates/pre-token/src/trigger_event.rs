//! The `V2_0` event as Cognito sends it, and the answer written into it.
//!
//! Cognito sends the whole event and reads back the same event with `response` filled
//! in. The event is kept as JSON, whole, rather than as `aws_lambda_events`'
//! `CognitoEventUserPoolsPreTokenGenV2`: that type refuses an event without
//! `request.scopes` or `callerContext` (a failed sign-in), and it writes
//! `groupOverrideDetails` with empty lists into every answer, which would override the
//! user's groups in the tokens with none.
//!
//! The answer (Cognito's developer guide, "Pre token generation Lambda trigger",
//! version two event):
//! `response.claimsAndScopeOverrideDetails.{idTokenGeneration, accessTokenGeneration}.claimsToAddOrOverride`.

use crate::identity_claim::{IDENTITY_ID_CLAIM, IdentityClaim, identity_claim};
use serde_json::{Map, Value};

/// What one invocation did, for its log line (never the user's ids).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TriggerOutcome {
    /// Both tokens get `identity_id`.
    ClaimAdded,
    /// The user is not linked, or the event has no attributes: tokens unchanged.
    NotLinked,
    /// `custom:identity_id` is not an IdentityId: tokens unchanged.
    MalformedAttribute,
    /// Not a JSON object, so not an event: sent back as it came.
    NotAnEvent,
}

impl TriggerOutcome {
    /// The outcome's name in log lines.
    pub fn as_str(self) -> &'static str {
        match self {
            TriggerOutcome::ClaimAdded => "claim_added",
            TriggerOutcome::NotLinked => "not_linked",
            TriggerOutcome::MalformedAttribute => "malformed_attribute",
            TriggerOutcome::NotAnEvent => "not_an_event",
        }
    }
}

/// Writes the answer into `event` and says what it did. Never fails: whatever arrives
/// goes back, changed at most by the claim.
pub fn answer(event: &mut Value) -> TriggerOutcome {
    let Some(fields) = event.as_object_mut() else {
        return TriggerOutcome::NotAnEvent;
    };
    // The event's `version` is not read: the pool's `LambdaVersion` (V2_0, set by the
    // template and by `adopt`) decides the event, and `V2_0` and `V3_0` share this answer.
    let attributes = fields.get("request").and_then(|request| request.get("userAttributes")).and_then(Value::as_object);
    let identity_id = match identity_claim(attributes) {
        IdentityClaim::Add(identity_id) => identity_id,
        IdentityClaim::NotLinked => return TriggerOutcome::NotLinked,
        IdentityClaim::Malformed => return TriggerOutcome::MalformedAttribute,
    };
    let mut response = fields.remove("response").unwrap_or(Value::Null);
    for token in ["idTokenGeneration", "accessTokenGeneration"] {
        let path = ["claimsAndScopeOverrideDetails", token, "claimsToAddOrOverride"];
        response = with_entry(response, &path, IDENTITY_ID_CLAIM, identity_id.as_str());
    }
    fields.insert("response".to_owned(), response);
    TriggerOutcome::ClaimAdded
}

/// `value` with `name: text` set in the object at `path`, every object on the way kept
/// or created (Cognito sends `"claimsAndScopeOverrideDetails": null`).
fn with_entry(value: Value, path: &[&str], name: &str, text: &str) -> Value {
    let mut fields = match value {
        Value::Object(fields) => fields,
        _ => Map::new(),
    };
    match path.split_first() {
        None => {
            fields.insert(name.to_owned(), Value::String(text.to_owned()));
        }
        Some((first, rest)) => {
            let child = fields.remove(*first).unwrap_or(Value::Null);
            fields.insert((*first).to_owned(), with_entry(child, rest, name, text));
        }
    }
    Value::Object(fields)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ID: &str = "us-east-1:1f0c7e2a-3b4c-4d5e-8f60-718293a4b5c6";

    fn event(attributes: Value) -> Value {
        json!({
            "version": "2",
            "triggerSource": "TokenGeneration_RefreshTokens",
            "region": "us-east-1",
            "userPoolId": "us-east-1_AbCdEf123",
            "userName": "alice",
            "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "client"},
            "request": {
                "userAttributes": attributes,
                "groupConfiguration": {"groupsToOverride": ["admins"], "iamRolesToOverride": [], "preferredRole": null},
                "scopes": ["openid", "aws.cognito.signin.user.admin"]
            },
            "response": {"claimsAndScopeOverrideDetails": null}
        })
    }

    #[test]
    fn a_linked_user_gets_identity_id_in_both_tokens_and_nothing_else_changes() {
        let mut answered = event(json!({"sub": "s", "custom:identity_id": ID}));
        assert_eq!(answer(&mut answered), TriggerOutcome::ClaimAdded);
        let mut expected = event(json!({"sub": "s", "custom:identity_id": ID}));
        expected["response"] = json!({"claimsAndScopeOverrideDetails": {
            "idTokenGeneration": {"claimsToAddOrOverride": {"identity_id": ID}},
            "accessTokenGeneration": {"claimsToAddOrOverride": {"identity_id": ID}}
        }});
        assert_eq!(answered, expected);
        // No group override: the user's groups stay what Cognito would write.
        assert!(answered["response"]["claimsAndScopeOverrideDetails"].get("groupOverrideDetails").is_none());
    }

    #[test]
    fn an_unlinked_user_or_an_event_without_attributes_goes_back_unchanged() {
        for original in [
            event(json!({"sub": "s"})),
            event(Value::Null),
            json!({"version": "2", "request": {}, "response": {}}),
            json!({"version": "2"}),
            json!({}),
            json!(null),
            json!("text"),
        ] {
            let mut answered = original.clone();
            assert_ne!(answer(&mut answered), TriggerOutcome::ClaimAdded);
            assert_eq!(answered, original);
        }
    }

    #[test]
    fn a_malformed_attribute_goes_back_unchanged() {
        let original = event(json!({"custom:identity_id": "someone else's, maybe"}));
        let mut answered = original.clone();
        assert_eq!(answer(&mut answered), TriggerOutcome::MalformedAttribute);
        assert_eq!(answered, original);
    }

    #[test]
    fn claims_already_in_the_answer_are_kept() {
        let mut answered = event(json!({"custom:identity_id": ID}));
        answered["response"] = json!({"claimsAndScopeOverrideDetails": {
            "accessTokenGeneration": {"claimsToAddOrOverride": {"tenant": "t1"}, "scopesToAdd": ["x"]}
        }});
        answer(&mut answered);
        let access = &answered["response"]["claimsAndScopeOverrideDetails"]["accessTokenGeneration"];
        assert_eq!(access["claimsToAddOrOverride"], json!({"tenant": "t1", "identity_id": ID}));
        assert_eq!(access["scopesToAdd"], json!(["x"]));
    }
}
