//! Reading an authorizer event: which API Gateway flavour sent it, where its token is,
//! and which ARN a policy must cover. Pure. The Lambda runtime deserializes each event
//! straight into an [`AuthorizerRequest`], which keeps only the fields read here (see its
//! documentation for why).
//!
//! | flavour | recognised by | token from | ARN |
//! |---|---|---|---|
//! | REST `TOKEN` | `type: "TOKEN"` | `authorizationToken` | `methodArn` |
//! | REST `REQUEST` | `type: "REQUEST"`, no `version` | header `Authorization` (any case) | `methodArn` |
//! | HTTP API 1.0 | `type: "REQUEST"`, `version: "1.0"` | `identitySource`, else header `Authorization` | `methodArn` |
//! | HTTP API 2.0 | `version: "2.0"` | `identitySource[0]`, else header `authorization` | `routeArn` |
//!
//! The route called, for route rules (see [`crate::route_rules`]): REST `REQUEST` and HTTP
//! API 1.0 name its resource path in `resource`, HTTP API 2.0 in `routeKey`; a `TOKEN`
//! event names only its concrete path, in `methodArn`.
//!
//! When the event lists its identity sources, the token is read from them: with
//! authorizer caching on, API Gateway keys the cached answer by exactly those values,
//! so the answer must depend on nothing else. REST `REQUEST` authorizers must therefore
//! be deployed with `method.request.header.Authorization` as their identity source.
//!
//! The rules above are written once, over [`EventFields`], and read by two routes:
//!
//! - `wire`: the hand-written serde visitors that stream an event's JSON into an
//!   [`AuthorizerRequest`] (the runtime's route, and the only one in production);
//! - `oracle`: the test oracle, `read_event`, which takes the same fields from an event
//!   already parsed as a [`Value`]; the property tests, the fuzz target
//!   and the corpus tests check that both readings agree. It exists only with the crate's
//!   `event-oracle` feature (which the crate's own tests and `fuzz/` enable), so the
//!   production API carries no test-only code.

#[cfg(any(test, feature = "event-oracle"))]
pub mod oracle;
mod wire;

use std::fmt;

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
}

/// What the authorizer needs from an event, borrowed from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventParts<'e> {
    /// Who sent it, which decides the answer's shape.
    pub flavour: EventFlavour,
    /// The token without any `Bearer ` scheme, trimmed; `None` when absent or empty.
    pub token: Option<&'e str>,
    /// `methodArn` or `routeArn`, when present.
    pub resource_arn: Option<&'e str>,
    /// The called route's resource path template (`/orders/{id}`): REST `REQUEST` and
    /// HTTP API 1.0 `resource`, the path of an HTTP API 2.0 `routeKey`; `None` for `TOKEN`
    /// events and the `$default` route.
    pub resource_path: Option<&'e str>,
}

/// An event's `identitySource`: a comma-separated string (HTTP API 1.0) or a list whose
/// first entry is read (HTTP API 2.0).
///
/// Only the first entry is kept. The others are request values (any header a caller
/// sets may be one), so nothing is decided from them: whether API Gateway caches answers
/// per route is the deployment's configuration, not something a request can prove (see
/// `AUTHORIZER_RESPONSE` in [`crate::config`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum IdentitySource<S> {
    /// Absent, or neither a string nor a list.
    #[default]
    Absent,
    /// A string.
    Text(S),
    /// A list; its first entry when that is a string.
    List { first: Option<S> },
}

/// Where one kept value lies in an [`AuthorizerRequest`]'s text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    start: usize,
    end: usize,
}

/// Every field that decides how an event is read, wherever the event lives (an
/// [`AuthorizerRequest`], or a parsed event in the oracle): one reading for both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct EventFields<'a> {
    is_object: bool,
    version: Option<&'a str>,
    kind: Option<&'a str>,
    authorization_token: Option<&'a str>,
    method_arn: Option<&'a str>,
    route_arn: Option<&'a str>,
    resource: Option<&'a str>,
    route_key: Option<&'a str>,
    identity_source: IdentitySource<&'a str>,
    /// The first header named `Authorization` in any case, when its value is a string.
    authorization_header: Option<&'a str>,
}

impl<'a> EventFields<'a> {
    /// Recognises the flavour; an event of none of them is malformed (the message says why).
    fn flavour(&self) -> Result<EventFlavour, &'static str> {
        if !self.is_object {
            return Err("the event is not a JSON object");
        }
        match (self.version, self.kind) {
            (Some("2.0"), _) => Ok(EventFlavour::HttpApiV2),
            (Some("1.0"), Some("REQUEST")) => Ok(EventFlavour::HttpApiV1),
            (None, Some("REQUEST")) => Ok(EventFlavour::RestRequest),
            (None, Some("TOKEN")) => Ok(EventFlavour::RestToken),
            (Some(_), _) => Err("unsupported authorizer payload version"),
            (None, _) => Err("the event is not a TOKEN or REQUEST authorizer event"),
        }
    }

    /// Flavour, token and ARN. Only an unrecognised event is an error; a missing token or
    /// ARN is left for the caller to decide on.
    fn read(self) -> Result<EventParts<'a>, &'static str> {
        let flavour = self.flavour()?;
        let raw_token = match flavour {
            EventFlavour::RestToken => self.authorization_token,
            EventFlavour::RestRequest => self.authorization_header,
            EventFlavour::HttpApiV1 => match self.identity_source {
                IdentitySource::Text(sources) => sources.split(',').next(),
                _ => None,
            }
            .filter(|first| !first.trim().is_empty())
            .or(self.authorization_header),
            EventFlavour::HttpApiV2 => match self.identity_source {
                IdentitySource::List { first, .. } => first,
                _ => None,
            }
            .filter(|first| !first.trim().is_empty())
            .or(self.authorization_header),
        };
        let resource_arn = match flavour {
            EventFlavour::HttpApiV2 => self.route_arn,
            _ => self.method_arn,
        };
        let resource_path = match flavour {
            EventFlavour::RestToken => None,
            EventFlavour::RestRequest | EventFlavour::HttpApiV1 => self.resource,
            EventFlavour::HttpApiV2 => self.route_key.and_then(|key| key.split_once(' ')).map(|(_, path)| path),
        };
        Ok(EventParts { flavour, token: raw_token.and_then(bearer_token), resource_arn, resource_path })
    }
}

/// An authorizer event reduced, while it is parsed, to the few fields the authorizer
/// reads: what the Lambda runtime deserializes each event into.
///
/// Parsing an API Gateway event into a [`Value`] builds a map for every object and a
/// string for every header, twice over for REST `REQUEST` events (`headers` and
/// `multiValueHeaders`), and then frees them all: for a 5 KB event that costs several
/// times what answering a repeat caller does. This type keeps only `version`, `type`,
/// `authorizationToken`, `methodArn`, `routeArn`, `resource`, `routeKey`, `identitySource`
/// and the `Authorization` header, and skips everything else unparsed.
///
/// The values it keeps are copied, one after the other, into one string: one allocation
/// per event, where a string per value cost four to six (the token twice over in an HTTP
/// API event, which names it in `identitySource` and in its headers).
///
/// Any JSON value deserializes (a non-object reads as "not a JSON object"), and the
/// reading is exactly the oracle's (`read_event`) on the same JSON parsed as a [`Value`]: a field
/// that is not of the expected type counts as absent, a repeated key's last value counts,
/// and among headers named `Authorization` in any case the first one counts.
///
/// ```
/// use authorizer::{AuthorizerRequest, EventFlavour};
///
/// let request: AuthorizerRequest = serde_json::from_str(
///     r#"{"type": "REQUEST", "methodArn": "arn:…", "headers": {"Authorization": "Bearer eyJ.a.b"}}"#,
/// )
/// .unwrap();
/// let read = request.read().unwrap();
/// assert_eq!(read.flavour, EventFlavour::RestRequest);
/// assert_eq!(read.token, Some("eyJ.a.b"));
/// ```
#[derive(Clone, Default)]
pub struct AuthorizerRequest {
    is_object: bool,
    /// The text of every value kept, each field's span of it below.
    text: String,
    version: Option<Span>,
    kind: Option<Span>,
    authorization_token: Option<Span>,
    method_arn: Option<Span>,
    route_arn: Option<Span>,
    resource: Option<Span>,
    route_key: Option<Span>,
    identity_source: IdentitySource<Span>,
    authorization_header: Option<Span>,
}

/// Two requests are equal when they read the same values, wherever their text lies.
impl PartialEq for AuthorizerRequest {
    fn eq(&self, other: &Self) -> bool {
        self.fields() == other.fields()
    }
}

impl Eq for AuthorizerRequest {}

impl fmt::Debug for AuthorizerRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("AuthorizerRequest").field(&self.fields()).finish()
    }
}

impl AuthorizerRequest {
    /// The request of an event already parsed as a [`Value`].
    pub(crate) fn from_value(event: &Value) -> Self {
        // Every JSON value deserializes: the error arm is never taken.
        serde::Deserialize::deserialize(event).unwrap_or_default()
    }

    /// Reads the request: flavour, token and ARN, exactly as the oracle `read_event` reads
    /// the same event.
    pub fn read(&self) -> Result<EventParts<'_>, &'static str> {
        self.fields().read()
    }

    fn fields(&self) -> EventFields<'_> {
        let text = |span: Option<Span>| span.map(|span| &self.text[span.start..span.end]);
        EventFields {
            is_object: self.is_object,
            version: text(self.version),
            kind: text(self.kind),
            authorization_token: text(self.authorization_token),
            method_arn: text(self.method_arn),
            route_arn: text(self.route_arn),
            resource: text(self.resource),
            route_key: text(self.route_key),
            identity_source: match &self.identity_source {
                IdentitySource::Absent => IdentitySource::Absent,
                IdentitySource::Text(sources) => IdentitySource::Text(text(Some(*sources)).unwrap_or_default()),
                IdentitySource::List { first } => IdentitySource::List { first: text(*first) },
            },
            authorization_header: text(self.authorization_header),
        }
    }
}

/// The token in an `Authorization` value: `Bearer <token>` (scheme in any case) or the
/// bare token, surrounding whitespace trimmed. `None` when nothing is left.
fn bearer_token(raw: &str) -> Option<&str> {
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
    use super::oracle::read_event;
    use super::*;
    use serde_json::json;

    fn detect_flavour(event: &Value) -> Result<EventFlavour, &'static str> {
        read_event(event).map(|read| read.flavour)
    }

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

    #[test]
    fn the_called_route_is_read_where_each_flavour_names_it() {
        let read = |event: Value| read_event(&event).unwrap().resource_path.map(str::to_owned);
        let rest = json!({"type": "REQUEST", "methodArn": "arn", "resource": "/orders/{id}", "routeKey": "GET /x"});
        assert_eq!(read(rest), Some("/orders/{id}".into()));
        let v1 = json!({"version": "1.0", "type": "REQUEST", "methodArn": "arn", "resource": "/orders"});
        assert_eq!(read(v1), Some("/orders".into()));
        let token = json!({"type": "TOKEN", "methodArn": "arn", "resource": "/orders"});
        assert_eq!(read(token), None, "a TOKEN event names only its ARN");
        let v2 = |sources: Value, key: Value| json!({"version": "2.0", "identitySource": sources, "routeKey": key});
        assert_eq!(read(v2(json!(["t", "GET /orders/{id}"]), json!("GET /orders/{id}"))), Some("/orders/{id}".into()));
        assert_eq!(read(v2(json!(["t"]), json!("GET /orders/{id}"))), Some("/orders/{id}".into()));
        assert_eq!(read(v2(json!(["t", "$default"]), json!("$default"))), None);
    }
}
