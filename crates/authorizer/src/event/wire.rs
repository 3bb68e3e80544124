//! Streaming deserialization of [`AuthorizerRequest`]: every value the authorizer does not
//! read is skipped without being built, and every value of an unexpected type reads as absent.
//!
//! Why these visitors are written by hand and not derived:
//!
//! - what a derive gives cannot keep the contract: `#[derive(Deserialize)]` on the event
//!   refuses a non-object, a repeated key and a field of another type, where this reader
//!   answers them as the oracle does (absent, last value wins; the runtime would turn a
//!   refusal into a function error, not a 401), and it cannot match `Authorization` in
//!   any case;
//! - it costs more where it could be used: `headers` derived as a struct with
//!   `Authorization`/`authorization` as names costs some 30 % more instructions per
//!   event read than this reader, and a derived top level with plain `Option<String>`
//!   fields (reading less than this reader does) costs as much or more.
//!
//! The figures behind the second point (callgrind, one run, with its date) are in the
//! instruction bench's documentation (`benches/authorizer_instructions/main.rs`); the
//! bench prints this reader's current count as `event/read_<flavour>_event`.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::{AuthorizerRequest, IdentitySource, Span};

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

/// What the request's text reserves when its first value is kept: room for two copies
/// of a large Cognito token (an HTTP API event names it twice) and the ARN, so that the
/// text is allocated once per event, not grown value by value.
const TEXT_CAPACITY: usize = 4096;

/// Appends `value` to `text` and returns where it lies.
fn keep(text: &mut String, value: &str) -> Span {
    if text.capacity() == 0 {
        text.reserve(TEXT_CAPACITY.max(value.len()));
    }
    let start = text.len();
    text.push_str(value);
    Span { start, end: text.len() }
}

/// A value kept only when it is a string, appended to the request's text.
struct TextInto<'t>(&'t mut String);

impl<'de> DeserializeSeed<'de> for TextInto<'_> {
    type Value = Option<Span>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        struct TextVisitor<'t>(&'t mut String);
        impl<'de> Visitor<'de> for TextVisitor<'_> {
            type Value = Option<Span>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            scalars_read_as!(None);
            fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
                Ok(Some(keep(self.0, value)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                skip_seq(seq).map(|()| None)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                skip_map(map).map(|()| None)
            }
        }
        deserializer.deserialize_any(TextVisitor(self.0))
    }
}

/// `identitySource`: a string, or a list: its first entry, appended to the request's
/// text; the entries after it are skipped unread (see [`IdentitySource`]).
struct SourcesInto<'t>(&'t mut String);

impl<'de> DeserializeSeed<'de> for SourcesInto<'_> {
    type Value = IdentitySource<Span>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        struct SourcesVisitor<'t>(&'t mut String);
        impl<'de> Visitor<'de> for SourcesVisitor<'_> {
            type Value = IdentitySource<Span>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            scalars_read_as!(IdentitySource::Absent);
            fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
                Ok(IdentitySource::Text(keep(self.0, value)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let first = seq.next_element_seed(TextInto(self.0))?.flatten();
                skip_seq(seq).map(|()| IdentitySource::List { first })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                skip_map(map).map(|()| IdentitySource::Absent)
            }
        }
        deserializer.deserialize_any(SourcesVisitor(self.0))
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
/// case (a later repeat of that exact name replaces its value, as in a parsed map),
/// appended to the request's text.
struct AuthorizationHeaderInto<'t>(&'t mut String);

impl<'de> DeserializeSeed<'de> for AuthorizationHeaderInto<'_> {
    type Value = Option<Span>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        struct HeadersVisitor<'t>(&'t mut String);
        impl<'de> Visitor<'de> for HeadersVisitor<'_> {
            type Value = Option<Span>;
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
                let text = self.0;
                let mut found: Option<Cow<'de, [u8]>> = None;
                let mut value = None;
                while let Some(Key(name)) = map.next_key()? {
                    let wanted = match &found {
                        None => name.eq_ignore_ascii_case(b"authorization"),
                        Some(found) => *found == name,
                    };
                    if wanted {
                        value = map.next_value_seed(TextInto(text))?;
                        found.get_or_insert(name);
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(value)
            }
        }
        deserializer.deserialize_any(HeadersVisitor(self.0))
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
                let text = &mut request.text;
                while let Some(Key(key)) = map.next_key()? {
                    match Field::of_key(&key) {
                        Field::Version => request.version = map.next_value_seed(TextInto(text))?,
                        Field::Type => request.kind = map.next_value_seed(TextInto(text))?,
                        Field::AuthorizationToken => {
                            request.authorization_token = map.next_value_seed(TextInto(text))?
                        }
                        Field::MethodArn => request.method_arn = map.next_value_seed(TextInto(text))?,
                        Field::RouteArn => request.route_arn = map.next_value_seed(TextInto(text))?,
                        Field::Resource => request.resource = map.next_value_seed(TextInto(text))?,
                        Field::RouteKey => request.route_key = map.next_value_seed(TextInto(text))?,
                        Field::IdentitySource => request.identity_source = map.next_value_seed(SourcesInto(text))?,
                        Field::Headers => {
                            request.authorization_header = map.next_value_seed(AuthorizationHeaderInto(text))?
                        }
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

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use crate::event::AuthorizerRequest;
    use crate::event::oracle::read_event;

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
