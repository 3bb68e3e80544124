//! Reading an authorizer event: which API Gateway flavour sent it, where its token is,
//! and which ARN a policy must cover. Pure, and borrowing from the event: no copies.
//!
//! | flavour | recognised by | token from | ARN |
//! |---|---|---|---|
//! | REST `TOKEN` | `type: "TOKEN"` | `authorizationToken` | `methodArn` |
//! | REST `REQUEST` | `type: "REQUEST"`, no `version` | header `Authorization` (any case) | `methodArn` |
//! | HTTP API 1.0 | `type: "REQUEST"`, `version: "1.0"` | `identitySource`, else header `Authorization` | `methodArn` |
//! | HTTP API 2.0 | `version: "2.0"` | `identitySource[0]`, else header `authorization` | `routeArn` |
//!
//! When the event lists its identity sources, the token is read from them: with
//! authorizer caching on, API Gateway keys the cached answer by exactly those values,
//! so the answer must depend on nothing else. REST `REQUEST` authorizers must therefore
//! be deployed with `method.request.header.Authorization` as their identity source.

use serde_json::Value;

/// The API Gateway flavour that sent the event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventFlavour {
    /// REST API `TOKEN` authorizer.
    RestToken,
    /// REST API `REQUEST` authorizer.
    RestRequest,
    /// HTTP API `REQUEST` authorizer, payload format 1.0 (the REST `REQUEST` shape).
    HttpApiV1,
    /// HTTP API `REQUEST` authorizer, payload format 2.0.
    HttpApiV2,
}

impl EventFlavour {
    /// A short stable name for logs.
    pub fn as_str(self) -> &'static str {
        match self {
            EventFlavour::RestToken => "rest_token",
            EventFlavour::RestRequest => "rest_request",
            EventFlavour::HttpApiV1 => "http_api_v1",
            EventFlavour::HttpApiV2 => "http_api_v2",
        }
    }

    /// The event field holding the ARN of the method or route being called.
    fn arn_field(self) -> &'static str {
        match self {
            EventFlavour::HttpApiV2 => "routeArn",
            _ => "methodArn",
        }
    }
}

/// What the authorizer needs from an event, borrowed from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthorizerEvent<'e> {
    /// Who sent it, which decides the answer's shape.
    pub flavour: EventFlavour,
    /// The token without any `Bearer ` scheme, trimmed; `None` when absent or empty.
    pub token: Option<&'e str>,
    /// `methodArn` or `routeArn`, when present.
    pub resource_arn: Option<&'e str>,
}

/// Recognises the flavour; an event of none of them is malformed (the message says why).
pub fn detect_flavour(event: &Value) -> Result<EventFlavour, &'static str> {
    let object = event.as_object().ok_or("the event is not a JSON object")?;
    let text = |key: &str| object.get(key).and_then(Value::as_str);
    match (text("version"), text("type")) {
        (Some("2.0"), _) => Ok(EventFlavour::HttpApiV2),
        (Some("1.0"), Some("REQUEST")) => Ok(EventFlavour::HttpApiV1),
        (None, Some("REQUEST")) => Ok(EventFlavour::RestRequest),
        (None, Some("TOKEN")) => Ok(EventFlavour::RestToken),
        (Some(_), _) => Err("unsupported authorizer payload version"),
        (None, _) => Err("the event is not a TOKEN or REQUEST authorizer event"),
    }
}

/// Reads an event: flavour, token and ARN. Only an unrecognised event is an error;
/// a missing token or ARN is left for the caller to decide on.
///
/// ```
/// use authorizer::event::{EventFlavour, read_event};
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
pub fn read_event(event: &Value) -> Result<AuthorizerEvent<'_>, &'static str> {
    let flavour = detect_flavour(event)?;
    let raw_token = match flavour {
        EventFlavour::RestToken => event.get("authorizationToken").and_then(Value::as_str),
        EventFlavour::RestRequest => header(event, "authorization"),
        EventFlavour::HttpApiV1 => event
            .get("identitySource")
            .and_then(Value::as_str)
            .and_then(|sources| sources.split(',').next())
            .filter(|first| !first.trim().is_empty())
            .or_else(|| header(event, "authorization")),
        EventFlavour::HttpApiV2 => event
            .get("identitySource")
            .and_then(Value::as_array)
            .and_then(|sources| sources.first())
            .and_then(Value::as_str)
            .filter(|first| !first.trim().is_empty())
            .or_else(|| header(event, "authorization")),
    };
    Ok(AuthorizerEvent {
        flavour,
        token: raw_token.and_then(bearer_token),
        resource_arn: event.get(flavour.arn_field()).and_then(Value::as_str),
    })
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

/// The token in an `Authorization` value: `Bearer <token>` (scheme in any case) or the
/// bare token, surrounding whitespace trimmed. `None` when nothing is left.
///
/// ```
/// use authorizer::event::bearer_token;
///
/// assert_eq!(bearer_token("Bearer eyJ.a.b"), Some("eyJ.a.b"));
/// assert_eq!(bearer_token(" bearer  eyJ.a.b "), Some("eyJ.a.b"));
/// assert_eq!(bearer_token("eyJ.a.b"), Some("eyJ.a.b"));
/// assert_eq!(bearer_token("Bearer "), None);
/// ```
pub fn bearer_token(raw: &str) -> Option<&str> {
    const SCHEME: &str = "bearer";
    let value = raw.trim();
    let token = match value.get(..SCHEME.len()) {
        Some(scheme)
            if scheme.eq_ignore_ascii_case(SCHEME)
                && value[SCHEME.len()..].starts_with(|c: char| c.is_ascii_whitespace()) =>
        {
            value[SCHEME.len()..].trim_start()
        }
        _ if value.eq_ignore_ascii_case(SCHEME) => "",
        _ => value,
    };
    (!token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn detects_every_flavour() {
        let cases = [
            (json!({"type": "TOKEN", "authorizationToken": "t", "methodArn": "a"}), EventFlavour::RestToken),
            (json!({"type": "REQUEST", "methodArn": "a", "headers": {}}), EventFlavour::RestRequest),
            (json!({"version": "1.0", "type": "REQUEST", "methodArn": "a"}), EventFlavour::HttpApiV1),
            (json!({"version": "2.0", "type": "REQUEST", "routeArn": "a"}), EventFlavour::HttpApiV2),
        ];
        for (event, flavour) in cases {
            assert_eq!(detect_flavour(&event), Ok(flavour), "{event}");
        }
    }

    #[test]
    fn refuses_events_of_no_known_flavour() {
        for event in [
            json!(null),
            json!("TOKEN"),
            json!([]),
            json!({}),
            json!({"type": "COGNITO_USER_POOLS"}),
            json!({"type": 1}),
            json!({"version": "3.0", "type": "REQUEST"}),
            json!({"version": "1.0", "type": "TOKEN"}),
            json!({"httpMethod": "GET", "path": "/"}),
        ] {
            assert!(detect_flavour(&event).is_err(), "{event}");
        }
    }

    #[test]
    fn bearer_scheme_is_optional_and_case_insensitive() {
        assert_eq!(bearer_token("Bearer abc.def.ghi"), Some("abc.def.ghi"));
        assert_eq!(bearer_token("bearer abc"), Some("abc"));
        assert_eq!(bearer_token("BEARER\tabc"), Some("abc"));
        assert_eq!(bearer_token("  Bearer   abc  "), Some("abc"));
        assert_eq!(bearer_token("abc.def.ghi"), Some("abc.def.ghi"));
        assert_eq!(bearer_token("  abc \n"), Some("abc"));
        assert_eq!(bearer_token("Bearerabc"), Some("Bearerabc"), "no separator: not a scheme");
    }

    #[test]
    fn no_token_is_none() {
        for raw in ["", "   ", "Bearer", "bearer ", " BEARER   ", "\t"] {
            assert_eq!(bearer_token(raw), None, "{raw:?}");
        }
    }

    #[test]
    fn non_ascii_values_do_not_panic() {
        assert_eq!(bearer_token("bé"), Some("bé"));
        assert_eq!(bearer_token("béarer x"), Some("béarer x"));
        assert_eq!(bearer_token("ééééééé x"), Some("ééééééé x"));
    }

    #[test]
    fn token_authorizer_reads_authorization_token() {
        let event = json!({"type": "TOKEN", "authorizationToken": "Bearer t.o.k", "methodArn": "arn"});
        let read = read_event(&event).unwrap();
        assert_eq!(read.token, Some("t.o.k"));
        assert_eq!(read.resource_arn, Some("arn"));
        let event = json!({"type": "TOKEN", "methodArn": "arn"});
        assert_eq!(read_event(&event).unwrap().token, None);
        let event = json!({"type": "TOKEN", "authorizationToken": 7, "methodArn": "arn"});
        assert_eq!(read_event(&event).unwrap().token, None);
    }

    #[test]
    fn request_authorizer_reads_the_authorization_header_in_any_case() {
        for name in ["Authorization", "authorization", "AUTHORIZATION", "aUtHoRiZaTiOn"] {
            let event = json!({"type": "REQUEST", "methodArn": "arn", "headers": {"Accept": "*/*", name: "Bearer t"}});
            assert_eq!(read_event(&event).unwrap().token, Some("t"), "{name}");
        }
        for event in [
            json!({"type": "REQUEST", "methodArn": "arn"}),
            json!({"type": "REQUEST", "methodArn": "arn", "headers": null}),
            json!({"type": "REQUEST", "methodArn": "arn", "headers": {"X-Authorization": "t"}}),
            json!({"type": "REQUEST", "methodArn": "arn", "headers": {"Authorization": ""}}),
        ] {
            assert_eq!(read_event(&event).unwrap().token, None, "{event}");
        }
    }

    #[test]
    fn http_api_v1_prefers_its_identity_source() {
        let event = json!({
            "version": "1.0", "type": "REQUEST", "methodArn": "arn",
            "identitySource": "Bearer from-source", "headers": {"Authorization": "Bearer from-header"}
        });
        assert_eq!(read_event(&event).unwrap().token, Some("from-source"));
        let event = json!({"version": "1.0", "type": "REQUEST", "methodArn": "arn", "headers": {"authorization": "h"}});
        assert_eq!(read_event(&event).unwrap().token, Some("h"));
    }

    #[test]
    fn http_api_v2_prefers_its_identity_source_then_the_header() {
        let event = json!({
            "version": "2.0", "type": "REQUEST", "routeArn": "route",
            "identitySource": ["Bearer from-source"], "headers": {"authorization": "Bearer from-header"}
        });
        let read = read_event(&event).unwrap();
        assert_eq!(read.token, Some("from-source"));
        assert_eq!(read.resource_arn, Some("route"));
        for sources in [json!(null), json!([]), json!([""])] {
            let event = json!({
                "version": "2.0", "routeArn": "route", "identitySource": sources,
                "headers": {"authorization": "Bearer from-header"}
            });
            assert_eq!(read_event(&event).unwrap().token, Some("from-header"));
        }
        let event = json!({"version": "2.0", "routeArn": "route"});
        assert_eq!(read_event(&event).unwrap().token, None);
    }
}
