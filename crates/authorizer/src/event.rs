//! Reading an authorizer event: which API Gateway flavour sent it, where its token is,
//! and which ARN a policy must cover. Pure. The Lambda runtime deserializes each event
//! straight into an [`AuthorizerRequest`], which keeps only the fields read here (see its
//! documentation for why).
//!
//! The test oracle, `read_event` (and `detect_flavour`), reads an event already parsed
//! as a [`Value`] by a second, independent route; the property tests, the fuzz target and
//! the corpus tests check that both readings agree. It exists only with the crate's
//! `event-oracle` feature (which the crate's own tests and `fuzz/` enable), so the
//! production API carries no test-only code.
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
    /// HTTP API 2.0: the `routeKey` is one of the identity sources, so API Gateway caches
    /// answers per route (what simple answers with route rules need).
    pub route_key_listed: bool,
}

/// Recognises the flavour; an event of none of them is malformed (the message says why).
/// Test oracle (`event-oracle`).
#[cfg(any(test, feature = "event-oracle"))]
pub fn detect_flavour(event: &Value) -> Result<EventFlavour, &'static str> {
    EventFields::of_value(event).flavour()
}

/// Reads an event: flavour, token and ARN. Only an unrecognised event is an error;
/// a missing token or ARN is left for the caller to decide on. The test oracle of
/// [`AuthorizerRequest::read`] (`event-oracle`).
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
#[cfg(any(test, feature = "event-oracle"))]
pub fn read_event(event: &Value) -> Result<EventParts<'_>, &'static str> {
    EventFields::of_value(event).read()
}

/// The value of header `name` (ASCII case-insensitive) in the event's `headers` object.
#[cfg(any(test, feature = "event-oracle"))]
fn header<'e>(event: &'e Value, name: &str) -> Option<&'e str> {
    event
        .get("headers")?
        .as_object()?
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .and_then(|(_, value)| value.as_str())
}

/// An event's `identitySource`: a comma-separated string (HTTP API 1.0) or a list whose
/// first entry is read (HTTP API 2.0).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum IdentitySource<S, R> {
    /// Absent, or neither a string nor a list.
    #[default]
    Absent,
    /// A string.
    Text(S),
    /// A list; its first entry when that is a string, and the entries after it.
    List { first: Option<S>, rest: R },
}

/// The entries of an `identitySource` list after the first, wherever the event lives.
#[derive(Debug, Clone, Copy)]
enum LaterSources<'a> {
    /// Read by the streaming reader: the string entries only.
    Streamed(&'a [String]),
    /// In a parsed event.
    #[cfg(any(test, feature = "event-oracle"))]
    Parsed(&'a [Value]),
}

impl LaterSources<'_> {
    fn contains(self, wanted: &str) -> bool {
        match self {
            LaterSources::Streamed(sources) => sources.iter().any(|source| source == wanted),
            #[cfg(any(test, feature = "event-oracle"))]
            LaterSources::Parsed(sources) => sources.iter().any(|source| source.as_str() == Some(wanted)),
        }
    }
}

/// Every field that decides how an event is read, wherever the event lives (a parsed
/// [`Value`] or an [`AuthorizerRequest`]): one reading for both.
#[derive(Debug, Clone, Copy, Default)]
struct EventFields<'a> {
    is_object: bool,
    version: Option<&'a str>,
    kind: Option<&'a str>,
    authorization_token: Option<&'a str>,
    method_arn: Option<&'a str>,
    route_arn: Option<&'a str>,
    resource: Option<&'a str>,
    route_key: Option<&'a str>,
    identity_source: IdentitySource<&'a str, LaterSources<'a>>,
    /// The first header named `Authorization` in any case, when its value is a string.
    authorization_header: Option<&'a str>,
}

impl<'a> EventFields<'a> {
    /// The oracle's route: the fields of a parsed [`Value`].
    #[cfg(any(test, feature = "event-oracle"))]
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
                Some(Value::Array(sources)) => IdentitySource::List {
                    first: sources.first().and_then(Value::as_str),
                    rest: LaterSources::Parsed(sources.get(1..).unwrap_or_default()),
                },
                _ => IdentitySource::Absent,
            },
            authorization_header: header(event, "authorization"),
        }
    }

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
        let (resource_path, route_key_listed) = match flavour {
            EventFlavour::RestToken => (None, false),
            EventFlavour::RestRequest | EventFlavour::HttpApiV1 => (self.resource, false),
            EventFlavour::HttpApiV2 => {
                let listed = match (self.route_key, self.identity_source) {
                    (Some(key), IdentitySource::List { first, rest }) => first == Some(key) || rest.contains(key),
                    _ => false,
                };
                (self.route_key.and_then(|key| key.split_once(' ')).map(|(_, path)| path), listed)
            }
        };
        Ok(EventParts {
            flavour,
            token: raw_token.and_then(bearer_token),
            resource_arn,
            resource_path,
            route_key_listed,
        })
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
/// Any JSON value deserializes (a non-object reads as "not a JSON object"), and the
/// reading is exactly the oracle's (`read_event`) on the same JSON parsed as a [`Value`]: a field
/// that is not of the expected type counts as absent, a repeated key's last value counts,
/// and among headers named `Authorization` in any case the first one counts.
///
/// ```
/// use authorizer::event::{AuthorizerRequest, EventFlavour};
///
/// let request: AuthorizerRequest = serde_json::from_str(
///     r#"{"type": "REQUEST", "methodArn": "arn:…", "headers": {"Authorization": "Bearer eyJ.a.b"}}"#,
/// )
/// .unwrap();
/// let read = request.read().unwrap();
/// assert_eq!(read.flavour, EventFlavour::RestRequest);
/// assert_eq!(read.token, Some("eyJ.a.b"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthorizerRequest {
    is_object: bool,
    version: Option<String>,
    kind: Option<String>,
    authorization_token: Option<String>,
    method_arn: Option<String>,
    route_arn: Option<String>,
    resource: Option<String>,
    route_key: Option<String>,
    identity_source: IdentitySource<String, Vec<String>>,
    authorization_header: Option<String>,
}

impl AuthorizerRequest {
    /// The request of an event already parsed as a [`Value`].
    pub fn from_value(event: &Value) -> Self {
        // Every JSON value deserializes: the error arm is never taken.
        serde::Deserialize::deserialize(event).unwrap_or_default()
    }

    /// Reads the request: flavour, token and ARN, exactly as the oracle `read_event` reads
    /// the same event.
    pub fn read(&self) -> Result<EventParts<'_>, &'static str> {
        self.fields().read()
    }

    fn fields(&self) -> EventFields<'_> {
        EventFields {
            is_object: self.is_object,
            version: self.version.as_deref(),
            kind: self.kind.as_deref(),
            authorization_token: self.authorization_token.as_deref(),
            method_arn: self.method_arn.as_deref(),
            route_arn: self.route_arn.as_deref(),
            resource: self.resource.as_deref(),
            route_key: self.route_key.as_deref(),
            identity_source: match &self.identity_source {
                IdentitySource::Absent => IdentitySource::Absent,
                IdentitySource::Text(sources) => IdentitySource::Text(sources.as_str()),
                IdentitySource::List { first, rest } => {
                    IdentitySource::List { first: first.as_deref(), rest: LaterSources::Streamed(rest) }
                }
            },
            authorization_header: self.authorization_header.as_deref(),
        }
    }
}

/// Streaming deserialization of [`AuthorizerRequest`]: every value the authorizer does not
/// read is skipped without being built, and every value of an unexpected type reads as absent.
///
/// Why these visitors are written by hand and not derived, measured in instructions per
/// event read as the Lambda runtime reads it (`serde_path_to_error` over `serde_json`,
/// callgrind, the sample events with a 1.1 KB token; the floor, one RS256 verify, is
/// about 300 000):
///
/// - what a derive gives cannot keep the contract: `#[derive(Deserialize)]` on the event
///   refuses a non-object, a repeated key and a field of another type, where this reader
///   answers them as the oracle does (absent, last value wins; the runtime would turn a
///   refusal into a function error, not a 401), and it cannot match `Authorization` in
///   any case;
/// - `headers` derived as a struct with `Authorization`/`authorization` as names costs
///   50 700 instructions on the REST `REQUEST` event against 38 800 here (+31 %,
///   0.04× the floor, 40 % of the repeat budget), and 33 100 against 26 200 on the
///   HTTP API event (+27 %);
/// - the top level derived with plain `Option<String>` fields, `identitySource` and
///   `headers` skipped unread (so reading less than this reader does), costs 8 150 on
///   the `TOKEN` event against 6 900 here (+18 %), and the same as here (38 100, 25 600)
///   on the larger events: deriving it would buy nothing and lose the contract.
///
/// For scale, the runtime's own read of the same events, every value skipped, is 3 900
/// (`TOKEN`), 28 700 (`REQUEST`) and 16 200 (HTTP API) instructions.
/// `scripts/instructions.sh` prints the current figures (`event/read_<flavour>_event`).
mod wire {
    use std::borrow::Cow;
    use std::fmt;

    use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

    use super::{AuthorizerRequest, IdentitySource};

    /// The visitor methods for JSON scalars that carry nothing the visitor wants.
    macro_rules! scalars_read_as {
        ($absent:expr) => {
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok($absent)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok($absent)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok($absent)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok($absent)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok($absent)
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok($absent)
            }
        };
    }

    fn skip_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }

    fn skip_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(())
    }

    /// A value kept only when it is a string.
    struct Text(Option<String>);

    impl<'de> Deserialize<'de> for Text {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct TextVisitor;
            impl<'de> Visitor<'de> for TextVisitor {
                type Value = Option<String>;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("any JSON value")
                }
                scalars_read_as!(None);
                fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
                    Ok(Some(value.to_owned()))
                }
                fn visit_string<E: de::Error>(self, value: String) -> Result<Self::Value, E> {
                    Ok(Some(value))
                }
                fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                    skip_seq(seq).map(|()| None)
                }
                fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                    skip_map(map).map(|()| None)
                }
            }
            deserializer.deserialize_any(TextVisitor).map(Text)
        }
    }

    /// `identitySource`: a string, or a list: its first entry, and the string entries after
    /// it (no allocation for the usual single source).
    struct Sources(IdentitySource<String, Vec<String>>);

    impl<'de> Deserialize<'de> for Sources {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct SourcesVisitor;
            impl<'de> Visitor<'de> for SourcesVisitor {
                type Value = IdentitySource<String, Vec<String>>;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("any JSON value")
                }
                scalars_read_as!(IdentitySource::Absent);
                fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
                    Ok(IdentitySource::Text(value.to_owned()))
                }
                fn visit_string<E: de::Error>(self, value: String) -> Result<Self::Value, E> {
                    Ok(IdentitySource::Text(value))
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                    let first = seq.next_element::<Text>()?.and_then(|first| first.0);
                    let mut rest = Vec::new();
                    while let Some(Text(source)) = seq.next_element::<Text>()? {
                        rest.extend(source);
                    }
                    Ok(IdentitySource::List { first, rest })
                }
                fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                    skip_map(map).map(|()| IdentitySource::Absent)
                }
            }
            deserializer.deserialize_any(SourcesVisitor).map(Sources)
        }
    }

    /// A map key as bytes, borrowed from the input when it has no escapes.
    ///
    /// Keys are asked for as bytes, not as strings, for the sake of the Lambda runtime:
    /// it reads events through `serde_path_to_error`, which copies every key that is
    /// deserialized as a string into a new `String` (to name it in an error), and a
    /// REST `REQUEST` event has some forty. Byte keys are not copied. The bytes are the
    /// key with its escapes resolved, so matching them is matching the string.
    struct Key<'de>(Cow<'de, [u8]>);

    impl<'de> Deserialize<'de> for Key<'de> {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct KeyVisitor;
            impl<'de> Visitor<'de> for KeyVisitor {
                type Value = Cow<'de, [u8]>;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("a key")
                }
                fn visit_borrowed_bytes<E: de::Error>(self, value: &'de [u8]) -> Result<Self::Value, E> {
                    Ok(Cow::Borrowed(value))
                }
                fn visit_bytes<E: de::Error>(self, value: &[u8]) -> Result<Self::Value, E> {
                    Ok(Cow::Owned(value.to_vec()))
                }
                fn visit_byte_buf<E: de::Error>(self, value: Vec<u8>) -> Result<Self::Value, E> {
                    Ok(Cow::Owned(value))
                }
                // A `serde_json::Value`'s keys come as strings.
                fn visit_borrowed_str<E: de::Error>(self, value: &'de str) -> Result<Self::Value, E> {
                    Ok(Cow::Borrowed(value.as_bytes()))
                }
                fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
                    Ok(Cow::Owned(value.as_bytes().to_vec()))
                }
                fn visit_string<E: de::Error>(self, value: String) -> Result<Self::Value, E> {
                    Ok(Cow::Owned(value.into_bytes()))
                }
            }
            deserializer.deserialize_bytes(KeyVisitor).map(Key)
        }
    }

    /// `headers`, reduced to the value of the first header named `Authorization` in any
    /// case (a later repeat of that exact name replaces its value, as in a parsed map).
    struct AuthorizationHeader(Option<String>);

    impl<'de> Deserialize<'de> for AuthorizationHeader {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct HeadersVisitor;
            impl<'de> Visitor<'de> for HeadersVisitor {
                type Value = Option<String>;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("any JSON value")
                }
                scalars_read_as!(None);
                fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
                    Ok(None)
                }
                fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                    skip_seq(seq).map(|()| None)
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                    let mut found: Option<Cow<'de, [u8]>> = None;
                    let mut value = None;
                    while let Some(Key(name)) = map.next_key()? {
                        let wanted = match &found {
                            None => name.eq_ignore_ascii_case(b"authorization"),
                            Some(found) => *found == name,
                        };
                        if wanted {
                            value = map.next_value::<Text>()?.0;
                            found.get_or_insert(name);
                        } else {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                    Ok(value)
                }
            }
            deserializer.deserialize_any(HeadersVisitor).map(AuthorizationHeader)
        }
    }

    /// The top-level keys the authorizer reads.
    enum Field {
        Version,
        Type,
        AuthorizationToken,
        MethodArn,
        RouteArn,
        Resource,
        RouteKey,
        IdentitySource,
        Headers,
        Other,
    }

    impl Field {
        fn of_key(key: &[u8]) -> Field {
            match key {
                b"version" => Field::Version,
                b"type" => Field::Type,
                b"authorizationToken" => Field::AuthorizationToken,
                b"methodArn" => Field::MethodArn,
                b"routeArn" => Field::RouteArn,
                b"resource" => Field::Resource,
                b"routeKey" => Field::RouteKey,
                b"identitySource" => Field::IdentitySource,
                b"headers" => Field::Headers,
                _ => Field::Other,
            }
        }
    }

    impl<'de> Deserialize<'de> for AuthorizerRequest {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct RequestVisitor;
            impl<'de> Visitor<'de> for RequestVisitor {
                type Value = AuthorizerRequest;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("any JSON value")
                }
                scalars_read_as!(AuthorizerRequest::default());
                fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
                    Ok(AuthorizerRequest::default())
                }
                fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                    skip_seq(seq).map(|()| AuthorizerRequest::default())
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                    let mut request = AuthorizerRequest { is_object: true, ..AuthorizerRequest::default() };
                    while let Some(Key(key)) = map.next_key()? {
                        match Field::of_key(&key) {
                            Field::Version => request.version = map.next_value::<Text>()?.0,
                            Field::Type => request.kind = map.next_value::<Text>()?.0,
                            Field::AuthorizationToken => request.authorization_token = map.next_value::<Text>()?.0,
                            Field::MethodArn => request.method_arn = map.next_value::<Text>()?.0,
                            Field::RouteArn => request.route_arn = map.next_value::<Text>()?.0,
                            Field::Resource => request.resource = map.next_value::<Text>()?.0,
                            Field::RouteKey => request.route_key = map.next_value::<Text>()?.0,
                            Field::IdentitySource => request.identity_source = map.next_value::<Sources>()?.0,
                            Field::Headers => request.authorization_header = map.next_value::<AuthorizationHeader>()?.0,
                            Field::Other => {
                                map.next_value::<IgnoredAny>()?;
                            }
                        }
                    }
                    Ok(request)
                }
            }
            deserializer.deserialize_any(RequestVisitor)
        }
    }
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

    #[test]
    fn the_called_route_is_read_where_each_flavour_names_it() {
        let read = |event: Value| {
            let parts = read_event(&event).unwrap();
            (parts.resource_path.map(str::to_owned), parts.route_key_listed)
        };
        let rest = json!({"type": "REQUEST", "methodArn": "arn", "resource": "/orders/{id}", "routeKey": "GET /x"});
        assert_eq!(read(rest), (Some("/orders/{id}".into()), false));
        let v1 = json!({"version": "1.0", "type": "REQUEST", "methodArn": "arn", "resource": "/orders"});
        assert_eq!(read(v1), (Some("/orders".into()), false));
        let token = json!({"type": "TOKEN", "methodArn": "arn", "resource": "/orders"});
        assert_eq!(read(token), (None, false), "a TOKEN event names only its ARN");
        let v2 = |sources: Value, key: Value| json!({"version": "2.0", "identitySource": sources, "routeKey": key});
        assert_eq!(
            read(v2(json!(["t", "GET /orders/{id}"]), json!("GET /orders/{id}"))),
            (Some("/orders/{id}".into()), true)
        );
        assert_eq!(read(v2(json!(["t"]), json!("GET /orders/{id}"))), (Some("/orders/{id}".into()), false));
        assert_eq!(read(v2(json!(["t", "GET /other"]), json!("GET /o"))), (Some("/o".into()), false));
        assert_eq!(read(v2(json!("t,GET /o"), json!("GET /o"))), (Some("/o".into()), false), "2.0 lists sources");
        assert_eq!(read(v2(json!(["t", "$default"]), json!("$default"))), (None, true));
    }

    /// The streaming reading of `text` must be `read_event`'s reading of it parsed, also
    /// when read the way the Lambda runtime reads events (through `serde_path_to_error`).
    fn assert_same_reading(text: &str) {
        let value: Value = serde_json::from_str(text).unwrap();
        let streamed: AuthorizerRequest = serde_json::from_str(text).unwrap();
        assert_eq!(streamed.read(), read_event(&value), "{text}");
        assert_eq!(AuthorizerRequest::from_value(&value), streamed, "{text}");
        let mut reader = serde_json::Deserializer::from_slice(text.as_bytes());
        let as_runtime: AuthorizerRequest = serde_path_to_error::deserialize(&mut reader).unwrap();
        assert_eq!(as_runtime, streamed, "{text}");
    }

    #[test]
    fn the_streamed_request_reads_as_the_parsed_event() {
        for text in [
            r#"null"#,
            r#"[{"type": "TOKEN"}]"#,
            r#""TOKEN""#,
            r#"7"#,
            r#"{}"#,
            r#"{"type": "TOKEN", "authorizationToken": "Bearer t.o.k", "methodArn": "arn", "extra": {"a": [1, {"b": null}]}}"#,
            r#"{"type": "TOKEN", "authorizationToken": ["t"], "methodArn": 7}"#,
            r#"{"type": "TOKEN", "type": "REQUEST", "methodArn": "arn", "headers": {"Authorization": "h"}}"#,
            r#"{"type": "REQUEST", "type": 1, "methodArn": "arn"}"#,
            r#"{"t\u0079pe": "TOKEN", "authorizationToken": "Bearer \u0074.o.k", "methodArn": "a\/rn"}"#,
            r#"{"type": "REQUEST", "methodArn": "arn", "headers": {"Accept": "*/*", "AUTHORIZATION": "one", "authorization": "two"}}"#,
            r#"{"type": "REQUEST", "methodArn": "arn", "headers": {"authorization": "a", "Authorization": "b", "authorization": "c"}}"#,
            r#"{"type": "REQUEST", "methodArn": "arn", "headers": {"authorization": 1, "Authorization": "b"}}"#,
            r#"{"type": "REQUEST", "methodArn": "arn", "headers": {"Authoriz\u0061tion": "escaped"}}"#,
            r#"{"type": "REQUEST", "methodArn": "arn", "headers": {"\u00c4uthorization": "no", "Authorization": "h"}}"#,
            r#"{"type": "REQUEST", "\u006dethodArn": "arn", "head\u0065rs": {"authorization": "h"}}"#,
            r#"{"type": "REQUEST", "methodArn": "arn", "headers": {"Authorization": "h"}, "headers": null}"#,
            r#"{"type": "REQUEST", "methodArn": "arn", "headers": ["Authorization", "h"]}"#,
            r#"{"version": "1.0", "type": "REQUEST", "methodArn": "arn", "identitySource": " , x", "headers": {"authorization": "h"}}"#,
            r#"{"version": "1.0", "type": "REQUEST", "methodArn": "arn", "identitySource": ["s"], "headers": {"authorization": "h"}}"#,
            r#"{"version": "2.0", "routeArn": "route", "identitySource": [7, "s"], "headers": {"authorization": "h"}}"#,
            r#"{"version": "2.0", "routeArn": "route", "identitySource": [[], "s"], "headers": {"authorization": "h"}}"#,
            r#"{"version": "2.0", "routeArn": "route", "identitySource": ["Bearer s", "t"], "methodArn": "m"}"#,
            r#"{"version": "2.0", "routeArn": "route", "identitySource": "Bearer s", "headers": {}}"#,
            r#"{"version": "3.0", "type": "REQUEST"}"#,
            r#"{"type": "REQUEST", "methodArn": "arn", "resource": "/orders/{id}", "headers": {"authorization": "h"}}"#,
            r#"{"type": "TOKEN", "methodArn": "arn", "resource": "/orders/{id}", "routeKey": "GET /x"}"#,
            r#"{"version": "1.0", "type": "REQUEST", "resource": 7, "routeKey": "GET /x"}"#,
            r#"{"version": "2.0", "routeKey": "GET /orders/{id}", "identitySource": ["Bearer s", "GET /orders/{id}"]}"#,
            r#"{"version": "2.0", "identitySource": ["GET /o", 1, "Bearer s"], "routeKey": "GET /o"}"#,
            r#"{"version": "2.0", "identitySource": ["Bearer s", 1, "GET /o"], "routeKey": "GET /o"}"#,
            r#"{"version": "2.0", "identitySource": ["Bearer s", "GET /other"], "routeKey": "GET /o"}"#,
            r#"{"version": "2.0", "identitySource": "GET /o", "routeKey": "GET /o"}"#,
            r#"{"version": "2.0", "identitySource": ["Bearer s"], "routeKey": "$default"}"#,
            r#"{"version": "2.0", "identitySource": ["Bearer s", "GET /o"], "routeKey": ["GET /o"]}"#,
            r#"{"version": 2.0, "type": "REQUEST", "methodArn": "arn", "headers": {"authorization": "h"}}"#,
        ] {
            assert_same_reading(text);
        }
    }

    #[test]
    fn the_sample_events_read_the_same_streamed() {
        for file in ["authorizer-rest-token.json", "authorizer-rest-request.json", "authorizer-http-api-v2.json"] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../events").join(file);
            let text = std::fs::read_to_string(&path).unwrap().replace("REPLACE_WITH_ID_TOKEN", "eyJ.a.b");
            assert_same_reading(&text);
            let request: AuthorizerRequest = serde_json::from_str(&text).unwrap();
            assert_eq!(request.read().unwrap().token, Some("eyJ.a.b"), "{file}");
        }
    }
}
