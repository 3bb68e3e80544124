//! Properties of the authorizer's decision path over hostile input, in-process.
//!
//! Whatever the event and whatever the token, `authorize`:
//! - never panics;
//! - allows (REST: an `Allow` policy; HTTP API: `isAuthorized: true`) only a caller whose
//!   token, read from the event's identity source, is the one valid token in play;
//! - never calls Cognito Identity: every token that could reach `GetId` here is either
//!   invalid or linked (`custom:identity_id`), so the mock's call count stays 0.
//!
//! The valid token is *linked*, and it is also planted as a decoy in places the
//! authorizer must not read (other headers, `multiValueHeaders`, query strings, other
//! flavours' fields). Mutated tokens derive from an *unlinked* valid token of the same
//! key: if one were ever accepted, it would cost a `GetId` call and fail the count.
//!
//! Also: the event as the Lambda runtime deserializes it ([`AuthorizerRequest`], streamed
//! from the JSON text) reads and answers exactly as the same event parsed as a `Value`.

mod common;

use authorizer::{AuthorizerError, AuthorizerRequest, AuthorizerResponse, read_event};
use common::{Fixture, POOL, fixture, linked_claims, now, unlinked_claims};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Map, Value, json};
use test_support::sample_events::{TOKEN_PLACEHOLDER, sample_event_text};
use test_support::token_forge::b64;

/// Cases per property: the file runs in well under 30 s in a debug build.
const CASES: u32 = 1024;

struct World {
    fixture: Fixture,
    /// Linked, valid: the only token that may be allowed.
    valid: String,
    /// Unlinked, valid, never presented as is: the parent of every mutated token.
    unlinked: String,
    runtime: tokio::runtime::Runtime,
    now: u64,
}

/// One world per test thread: each property counts its own `GetId` calls, unaffected by
/// the others running in parallel.
fn world() -> &'static World {
    thread_local! {
        static WORLD: &'static World = Box::leak(Box::new(new_world()));
    }
    WORLD.with(|world| *world)
}

fn new_world() -> World {
    {
        let fixture = fixture();
        let valid = fixture.key.sign(&linked_claims());
        let unlinked = fixture.key.sign(&unlinked_claims());
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        let world = World { fixture, valid, unlinked, runtime, now: now() };
        // Control: the valid token is allowed, so a refusal below means something.
        let event = rest_event(&world.valid);
        let answer = world.runtime.block_on(world.fixture.authorizer.authorize(&event, world.now));
        assert!(allowed(&answer), "control: the valid token must be allowed: {answer:?}");
        world
    }
}

fn rest_event(token: &str) -> Value {
    json!({"type": "TOKEN", "authorizationToken": format!("Bearer {token}"),
           "methodArn": "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/whoami"})
}

/// True for an `Allow` policy or `isAuthorized: true`.
fn allowed(answer: &Result<AuthorizerResponse, AuthorizerError>) -> bool {
    let Ok(answer) = answer else { return false };
    let value = answer.to_value();
    value["isAuthorized"] == json!(true) || value["policyDocument"]["Statement"][0]["Effect"] == json!("Allow")
}

/// Runs `event` through both entry points and checks the properties common to all.
fn check(event: &Value) -> Result<(), TestCaseError> {
    let w = world();
    let calls_before = w.fixture.get_id.num_calls();
    let answer = w.runtime.block_on(w.fixture.authorizer.authorize(event, w.now));
    // The runtime's path: the JSON text streamed into an `AuthorizerRequest`.
    let text = event.to_string();
    let request: AuthorizerRequest = serde_json::from_str(&text).expect("any JSON deserializes");
    prop_assert_eq!(request.read(), read_event(event), "streamed and parsed readings differ");
    let streamed = w.runtime.block_on(w.fixture.authorizer.authorize_request(&request, w.now));
    prop_assert_eq!(&streamed, &answer, "streamed and parsed answers differ");

    let read_token = read_event(event).ok().and_then(|read| read.token);
    if allowed(&answer) {
        let token = read_token.map(str::trim);
        prop_assert!(
            token == Some(w.valid.as_str()) || token == Some(w.unlinked.as_str()),
            "allowed a token that is not one of the two valid ones"
        );
    }
    if let Err(err) = &answer {
        prop_assert!(!err.to_string().contains(&w.valid) && !err.to_string().contains(&w.unlinked));
    }
    // Only the valid unlinked token may (and then must) be resolved with GetId.
    if read_token.map(str::trim) != Some(w.unlinked.as_str()) {
        prop_assert_eq!(w.fixture.get_id.num_calls(), calls_before, "a hostile input reached Cognito");
    }
    Ok(())
}

/// Checks that `token`, placed where each sample event carries its token, is refused.
fn check_refused_everywhere(token: &str) -> Result<(), TestCaseError> {
    let w = world();
    for file in ["authorizer-rest-token.json", "authorizer-rest-request.json", "authorizer-http-api-v2.json"] {
        let text = sample_event_text(file).replace(TOKEN_PLACEHOLDER, &json_string_body(token));
        let event: Value = serde_json::from_str(&text).expect("sample event stays JSON");
        check(&event)?;
        let answer = w.runtime.block_on(w.fixture.authorizer.authorize(&event, w.now));
        prop_assert!(!allowed(&answer), "{file}: allowed {token:?}");
    }
    Ok(())
}

/// `value` escaped for the inside of a JSON string literal.
fn json_string_body(value: &str) -> String {
    let quoted = Value::String(value.to_owned()).to_string();
    quoted[1..quoted.len() - 1].to_owned()
}

// ---- strategies -------------------------------------------------------------------------

/// Small arbitrary JSON values.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(("[a-zA-Z]{0,8}", inner), 0..4)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

/// Tokens that are not the valid one: arbitrary bytes, and mutations of a real token.
#[derive(Debug, Clone)]
enum Hostile {
    /// Arbitrary bytes, as text (lossy UTF-8) the way a header could carry them.
    Bytes(Vec<u8>),
    /// One byte of the unlinked token XORed with a non-zero mask.
    Flip(Index, u8),
    /// The unlinked token cut short.
    Truncate(Index),
    /// The unlinked token's three segments in another order, or repeated.
    Segments([usize; 3]),
    /// The unlinked token with its header replaced (other `alg`/`kid`, extra fields).
    Header(Value),
    /// The unlinked token with its payload replaced, signature kept.
    Payload(Value),
    /// The unlinked token's header and payload with another token's signature.
    ForeignSignature,
    /// The unlinked token with appended bytes.
    Extend(String),
}

fn hostile() -> impl Strategy<Value = Hostile> {
    let alg = prop_oneof![
        Just(json!("none")),
        Just(json!("HS256")),
        Just(json!("RS512")),
        Just(json!("PS256")),
        Just(json!("rs256")),
        Just(json!("")),
        Just(Value::Null),
        Just(json!(["RS256"])),
    ];
    let kid = prop_oneof![
        Just(json!("key-1")),
        Just(json!("key-2")),
        Just(json!("")),
        Just(json!("key-1 ")),
        Just(json!("../key-1")),
        Just(json!(1)),
        Just(Value::Null),
    ];
    let header = (alg, kid, any::<bool>()).prop_map(|(alg, kid, extra)| {
        let mut header = json!({"alg": alg, "kid": kid});
        if extra {
            header["jku"] = json!("https://attacker.example/jwks.json");
            header["crit"] = json!(["exp"]);
        }
        header
    });
    let payload = prop_oneof![
        Just(json!({})),
        Just(json!([])),
        Just(json!("sub")),
        ("[a-z0-9-]{1,36}").prop_map(|sub| {
            let mut claims = unlinked_claims();
            claims["sub"] = json!(sub);
            claims
        }),
        Just({
            let mut claims = unlinked_claims();
            claims["custom:identity_id"] = json!("us-east-1:00000000-0000-4000-8000-000000000000");
            claims
        }),
        Just({
            let mut claims = unlinked_claims();
            claims["iss"] = json!(format!("https://cognito-idp.us-east-1.amazonaws.com/{POOL}x"));
            claims
        }),
    ];
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..1200).prop_map(Hostile::Bytes),
        (any::<Index>(), 1u8..=255).prop_map(|(at, mask)| Hostile::Flip(at, mask)),
        any::<Index>().prop_map(Hostile::Truncate),
        [0usize..3, 0usize..3, 0usize..3]
            .prop_filter("not the original order", |order| *order != [0, 1, 2])
            .prop_map(Hostile::Segments),
        header.prop_map(Hostile::Header),
        payload.prop_map(Hostile::Payload),
        Just(Hostile::ForeignSignature),
        "[A-Za-z0-9_.= -]{1,8}".prop_map(Hostile::Extend),
    ]
}

impl Hostile {
    fn token(&self) -> String {
        let w = world();
        let original = &w.unlinked;
        let parts: Vec<&str> = original.split('.').collect();
        match self {
            Hostile::Bytes(bytes) => String::from_utf8_lossy(bytes).into_owned(),
            Hostile::Flip(at, mask) => {
                let mut bytes = original.clone().into_bytes();
                let i = at.index(bytes.len());
                bytes[i] ^= mask;
                String::from_utf8_lossy(&bytes).into_owned()
            }
            Hostile::Truncate(at) => original[..at.index(original.len())].to_owned(),
            Hostile::Segments(order) => order.map(|i| parts[i]).join("."),
            Hostile::Header(header) => format!("{}.{}.{}", b64(header.to_string()), parts[1], parts[2]),
            Hostile::Payload(payload) => format!("{}.{}.{}", parts[0], b64(payload.to_string()), parts[2]),
            Hostile::ForeignSignature => {
                let foreign = w.valid.rsplit('.').next().unwrap();
                format!("{}.{}.{foreign}", parts[0], parts[1])
            }
            Hostile::Extend(tail) => format!("{original}{tail}"),
        }
    }
}

/// What an event carries where a token may be read: a hostile token, the valid one, or junk.
#[derive(Debug, Clone)]
enum Carried {
    Hostile(Hostile),
    Valid,
    Json(Value),
}

fn carried() -> impl Strategy<Value = Carried> {
    prop_oneof![
        4 => hostile().prop_map(Carried::Hostile),
        1 => Just(Carried::Valid),
        1 => any_json().prop_map(Carried::Json),
    ]
}

impl Carried {
    /// As a JSON value, with a random `Bearer` scheme for strings.
    fn to_json(&self, bearer: bool) -> Value {
        let token = match self {
            Carried::Hostile(hostile) => hostile.token(),
            Carried::Valid => world().valid.clone(),
            Carried::Json(value) => return value.clone(),
        };
        Value::String(if bearer { format!("Bearer {token}") } else { token })
    }
}

/// Random authorizer-ish events: every field the authorizer reads, with random types and
/// values, random header names (the `Authorization` header in random case, duplicates),
/// and the valid token planted as a decoy in places nobody should read.
fn event() -> impl Strategy<Value = Value> {
    let kind =
        prop_oneof![Just(Some(json!("TOKEN"))), Just(Some(json!("REQUEST"))), Just(None), any_json().prop_map(Some)];
    let version = prop_oneof![
        2 => Just(None),
        2 => Just(Some(json!("1.0"))),
        2 => Just(Some(json!("2.0"))),
        1 => any_json().prop_map(Some),
    ];
    let arn = prop_oneof![
        Just(Some(json!("arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/whoami"))),
        Just(Some(json!("arn:aws:execute-api:us-east-1:123456789012:abcdef1234/$default/POST/link"))),
        ".{0,40}".prop_map(|s| Some(json!(s))),
        Just(None),
        any_json().prop_map(Some),
    ];
    let header_name = prop_oneof![
        Just("Authorization".to_owned()),
        Just("authorization".to_owned()),
        Just("AUTHORIZATION".to_owned()),
        Just("aUtHoRiZaTiOn".to_owned()),
        Just("X-Authorization".to_owned()),
        Just("Authorization ".to_owned()),
        "[A-Za-z-]{1,12}",
    ];
    let headers = prop_oneof![
        3 => prop::collection::vec((header_name, carried(), any::<bool>()), 0..5).prop_map(|entries| {
            let mut headers = Map::new();
            for (name, value, bearer) in entries {
                headers.insert(name, value.to_json(bearer));
            }
            Value::Object(headers)
        }),
        1 => any_json(),
    ];
    let identity_source = prop_oneof![
        (carried(), any::<bool>()).prop_map(|(c, bearer)| c.to_json(bearer)),
        prop::collection::vec((carried(), any::<bool>()), 0..3)
            .prop_map(|items| Value::Array(items.iter().map(|(c, bearer)| c.to_json(*bearer)).collect())),
        any_json(),
    ];
    (
        kind,
        version,
        (arn.clone(), arn),
        (prop::option::of((carried(), any::<bool>())), prop::option::of(headers), prop::option::of(identity_source)),
        any::<u8>(),
        prop::collection::vec(("[a-zA-Z]{1,10}", any_json()), 0..3),
    )
        .prop_map(|(kind, version, (method_arn, route_arn), (token, headers, sources), decoys, extra)| {
            let mut event = Map::new();
            for (key, value) in extra {
                event.insert(key, value);
            }
            let mut set = |key: &str, value: Option<Value>| {
                if let Some(value) = value {
                    event.insert(key.to_owned(), value);
                }
            };
            set("type", kind);
            set("version", version);
            set("methodArn", method_arn);
            set("routeArn", route_arn);
            set("authorizationToken", token.map(|(c, bearer)| c.to_json(bearer)));
            set("headers", headers);
            set("identitySource", sources);
            // Decoys: the valid token where no flavour reads it.
            let valid = json!(format!("Bearer {}", world().valid));
            if decoys & 1 != 0 {
                event.insert("multiValueHeaders".into(), json!({"Authorization": [valid.clone()]}));
            }
            if decoys & 2 != 0 {
                event.insert("queryStringParameters".into(), json!({"authorization": valid.clone()}));
            }
            if decoys & 4 != 0 {
                event.insert("requestContext".into(), json!({"authorizer": {"token": valid.clone()}}));
            }
            if decoys & 8 != 0 {
                event.insert("Headers".into(), json!({"Authorization": valid}));
            }
            Value::Object(event)
        })
}

/// JSON object text that may repeat keys (a parsed `Value` cannot), with the keys the
/// authorizer reads, escaped spellings and `Authorization` headers in several cases.
fn object_text_with_repeats() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("type"),
        Just("version"),
        Just("authorizationToken"),
        Just("methodArn"),
        Just("routeArn"),
        Just("identitySource"),
        Just("headers"),
        Just("t\\u0079pe"),
        Just("other"),
    ];
    let scalar = prop_oneof![
        Just("\"TOKEN\"".to_owned()),
        Just("\"REQUEST\"".to_owned()),
        Just("\"1.0\"".to_owned()),
        Just("\"2.0\"".to_owned()),
        Just("\"Bearer a.b.c\"".to_owned()),
        Just("\"arn:aws:execute-api:us-east-1:1:api/prod/GET/x\"".to_owned()),
        Just("[\"Bearer s.o.urce\", 7]".to_owned()),
        Just("[]".to_owned()),
        Just("null".to_owned()),
        Just("1e3".to_owned()),
        Just("{\"a\": [true, {\"b\": \"\\\"\"}]}".to_owned()),
    ];
    let header_key = prop_oneof![
        Just("Authorization"),
        Just("authorization"),
        Just("AUTHORIZATION"),
        Just("Authoriz\\u0061tion"),
        Just("Accept"),
    ];
    let header_value = prop_oneof![Just("\"Bearer h.e.ader\""), Just("\"x\""), Just("null"), Just("[\"y\"]")];
    let headers = prop::collection::vec((header_key, header_value), 0..5).prop_map(|entries| {
        let body: Vec<String> = entries.iter().map(|(k, v)| format!("\"{k}\": {v}")).collect();
        format!("{{{}}}", body.join(", "))
    });
    prop::collection::vec((key, prop_oneof![scalar, headers]), 0..8).prop_map(|entries| {
        let body: Vec<String> = entries.iter().map(|(k, v)| format!("\"{k}\": {v}")).collect();
        format!("{{{}}}", body.join(", "))
    })
}

// ---- properties -------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, ..ProptestConfig::default() })]

    /// Random events with random tokens anywhere: no panic, no Allow but for the valid
    /// token read from the flavour's identity source, no `GetId`, same answer streamed.
    #[test]
    fn arbitrary_events_never_allow_an_invalid_token(event in event()) {
        check(&event)?;
    }

    /// Arbitrary bytes where each flavour reads its token.
    #[test]
    fn arbitrary_bytes_as_the_token_are_refused(bytes in prop::collection::vec(any::<u8>(), 0..1500)) {
        check_refused_everywhere(&String::from_utf8_lossy(&bytes))?;
    }

    /// Flips, truncations, swapped segments, other headers, payloads or signatures of a
    /// real token: refused in every flavour.
    #[test]
    fn mutated_real_tokens_are_refused(mutation in hostile()) {
        let token = mutation.token();
        prop_assume!(token.trim() != world().unlinked);
        check_refused_everywhere(&token)?;
    }

    /// Arbitrary bytes as the whole event: the runtime's deserialization either fails
    /// (not JSON: the runtime reports it) or reads like the parsed event.
    #[test]
    fn arbitrary_bytes_as_the_event_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let streamed = serde_json::from_slice::<AuthorizerRequest>(&bytes);
        if let Ok(value) = serde_json::from_slice::<Value>(&bytes) {
            let streamed = streamed.expect("JSON a Value accepts, the request accepts");
            prop_assert_eq!(streamed.read(), read_event(&value));
            check(&value)?;
        }
    }

    /// Repeated keys and escaped key spellings read the same streamed as parsed.
    #[test]
    fn repeated_and_escaped_keys_read_the_same_streamed(text in object_text_with_repeats()) {
        let value: Value = serde_json::from_str(&text).expect("generated JSON");
        let streamed: AuthorizerRequest = serde_json::from_str(&text).expect("generated JSON");
        prop_assert_eq!(streamed.read(), read_event(&value), "{}", text);
    }
}
