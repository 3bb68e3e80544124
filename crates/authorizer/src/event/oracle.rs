//! The test oracle: an event already parsed as a [`Value`], read by a second route to the
//! same [`EventFields`], so that the property tests, the fuzz target and the corpus tests
//! can check that the streaming reader ([`AuthorizerRequest`](super::AuthorizerRequest))
//! reads every event as this does.
//!
//! Compiled only with the crate's `event-oracle` feature (and in its unit tests): the
//! production API carries no test-only code.

use serde_json::Value;

use super::{EventFields, EventParts, IdentitySource};

/// Reads an event: flavour, token and ARN. Only an unrecognised event is an error;
/// a missing token or ARN is left for the caller to decide on. The test oracle of
/// [`AuthorizerRequest::read`](super::AuthorizerRequest::read).
///
/// ```
/// use authorizer::{EventFlavour, read_event};
///
/// let event = serde_json::json!({
///     "type": "TOKEN",
///     "authorizationToken": "Bearer eyJ.a.b",
///     "methodArn": "arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/GET/whoami",
/// });
/// let read = read_event(&event).unwrap();
/// assert_eq!(read.flavour, EventFlavour::RestToken);
/// assert_eq!(read.token, Some("eyJ.a.b"));
/// ```
pub fn read_event(event: &Value) -> Result<EventParts<'_>, &'static str> {
    EventFields::of_value(event).read()
}

impl<'a> EventFields<'a> {
    /// The fields of a parsed event, each looked up in its map.
    fn of_value(event: &'a Value) -> Self {
        let Some(object) = event.as_object() else { return EventFields::default() };
        let text = |key: &str| object.get(key).and_then(Value::as_str);
        EventFields {
            is_object: true,
            version: text("version"),
            kind: text("type"),
            authorization_token: text("authorizationToken"),
            method_arn: text("methodArn"),
            route_arn: text("routeArn"),
            resource: text("resource"),
            route_key: text("routeKey"),
            identity_source: match object.get("identitySource") {
                Some(Value::String(sources)) => IdentitySource::Text(sources.as_str()),
                Some(Value::Array(sources)) => IdentitySource::List { first: sources.first().and_then(Value::as_str) },
                _ => IdentitySource::Absent,
            },
            authorization_header: header(event, "authorization"),
        }
    }
}

/// The value of header `name` (ASCII case-insensitive) in the event's `headers` object.
fn header<'e>(event: &'e Value, name: &str) -> Option<&'e str> {
    event
        .get("headers")?
        .as_object()?
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .and_then(|(_, value)| value.as_str())
}
