//! Fuzzes the authorizer's decision path with (event JSON, token) pairs.
//!
//! Input layout: `event bytes` [`0x00` `mode` `token bytes`]. Every `@@TOKEN@@` in the
//! event text is replaced by the token (JSON-escaped), so the fuzzer can put it where
//! any flavour reads it, or anywhere else. The token is built from `mode`:
//!
//! - `0`: the token bytes themselves (lossy UTF-8);
//! - `1`: the valid token with the token bytes XORed onto it from the start;
//! - `2`: the valid token cut to `token bytes[0..2]` (big-endian) characters, then the
//!   rest of the token bytes appended;
//! - `3`: the token bytes (base64url-encoded) as the header of the valid token's payload
//!   and signature;
//! - `4`: the valid token's header and signature around the token bytes as payload;
//! - anything else: the valid token itself.
//!
//! Without a `0x00`, the whole input is the event and the token is the valid one.
//!
//! Checked on every input: no panic; the event streamed into an `AuthorizerRequest` (the
//! Lambda runtime's path) answers exactly as the same event parsed as a `Value`; an
//! Allow only for the valid token read from the flavour's identity source; never a call
//! to Cognito Identity (the valid token is linked; the mock fails and counts calls).
#![no_main]

use std::sync::{Arc, OnceLock};

use authorizer::read_event;
use authorizer::{Authorizer, AuthorizerConfig, AuthorizerError, AuthorizerRequest, AuthorizerResponse};
use aws_sdk_cognitoidentity::config::retry::RetryConfig;
use aws_sdk_cognitoidentity::operation::get_id::GetIdError;
use aws_sdk_cognitoidentity::types::error::InternalErrorException;
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};
use test_support::token_forge::{TestKey, b64, id_token_claims, jwks_json, now};
use test_support::static_jwks::StaticJwks;
use token_verifier::{CognitoJwtVerifier, VerifierConfig};

const POOL: &str = "us-east-1_FuzzPool1";
const CLIENT: &str = "fuzz-client-id";
const PLACEHOLDER: &str = "@@TOKEN@@";

struct World {
    authorizer: Authorizer,
    get_id: Rule,
    valid: String,
    runtime: tokio::runtime::Runtime,
    now: u64,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let key = TestKey::generate("fuzz-key");
        let mut verifier_config = VerifierConfig::new(POOL, vec![CLIENT.into()]).unwrap();
        verifier_config.min_refetch_interval = std::time::Duration::ZERO;
        let config = AuthorizerConfig {
            verifier: verifier_config.clone(),
            identity_pool_id: lambda_foundation::IdentityPoolId::parse("us-east-1:0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d").unwrap(),
            require_linked: false,
            trust_token_identity_id: true,
            http_api_response: Default::default(),
            verified_token_cache_ttl_secs: 300,
            identity_cache_ttl_secs: 600,
            route_rules: Default::default(),
            directory_table: None,
        };
        let verifier = CognitoJwtVerifier::with_fetcher(verifier_config, Arc::new(StaticJwks::new(jwks_json(&[&key]))));
        let get_id = mock!(aws_sdk_cognitoidentity::Client::get_id)
            .then_error(|| GetIdError::InternalErrorException(InternalErrorException::builder().build()));
        let client = mock_client!(aws_sdk_cognitoidentity, RuleMode::MatchAny, [&get_id], |conf| conf
            .retry_config(RetryConfig::disabled()));
        let mut claims = id_token_claims("us-east-1", POOL, CLIENT, "5f6e7d8c-1111-4222-8333-444455556666");
        claims["custom:identity_id"] = json!("us-east-1:1f0c7e2a-3b4c-4d5e-8f60-718293a4b5c6");
        let valid = key.sign(&claims);
        let runtime = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
        World { authorizer: Authorizer::new(config, verifier, client), get_id, valid, runtime, now: now() }
    })
}

fn token(mode: u8, bytes: &[u8], valid: &str) -> String {
    let parts: Vec<&str> = valid.split('.').collect();
    match mode {
        0 => String::from_utf8_lossy(bytes).into_owned(),
        1 => {
            let mut token = valid.as_bytes().to_vec();
            for (byte, mask) in token.iter_mut().zip(bytes) {
                *byte ^= mask;
            }
            String::from_utf8_lossy(&token).into_owned()
        }
        2 => {
            let cut = match bytes {
                [a, b, ..] => usize::from(u16::from_be_bytes([*a, *b])) % (valid.len() + 1),
                _ => valid.len(),
            };
            let tail = bytes.get(2..).unwrap_or_default();
            format!("{}{}", &valid[..cut], String::from_utf8_lossy(tail))
        }
        3 => format!("{}.{}.{}", b64(bytes), parts[1], parts[2]),
        4 => format!("{}.{}.{}", parts[0], b64(bytes), parts[2]),
        _ => valid.to_owned(),
    }
}

fn allowed(answer: &Result<AuthorizerResponse, AuthorizerError>) -> bool {
    let Ok(answer) = answer else { return false };
    let value = answer.to_value();
    value["isAuthorized"] == json!(true) || value["policyDocument"]["Statement"][0]["Effect"] == json!("Allow")
}

fuzz_target!(|data: &[u8]| {
    let w = world();
    let (event_bytes, token) = match data.iter().position(|b| *b == 0) {
        Some(at) => {
            let rest = &data[at + 1..];
            let (mode, bytes) = rest.split_first().map_or((255, &[][..]), |(m, b)| (*m, b));
            (&data[..at], token(mode, bytes, &w.valid))
        }
        None => (data, w.valid.clone()),
    };
    let Ok(event_text) = std::str::from_utf8(event_bytes) else {
        // Not text: the runtime's deserialization must simply fail or read something.
        let _ = serde_json::from_slice::<AuthorizerRequest>(event_bytes);
        return;
    };
    let escaped = Value::String(token).to_string();
    let event_text = event_text.replace(PLACEHOLDER, &escaped[1..escaped.len() - 1]);

    // The Lambda runtime's path: the event text streamed into an `AuthorizerRequest`.
    let streamed = serde_json::from_str::<AuthorizerRequest>(&event_text);
    let Ok(value) = serde_json::from_str::<Value>(&event_text) else {
        if let Ok(request) = streamed {
            let _ = w.runtime.block_on(w.authorizer.authorize_request(&request, w.now));
        }
        return;
    };
    let request = streamed.expect("JSON that parses as a Value deserializes as a request");
    assert_eq!(request.read(), read_event(&value), "streamed and parsed readings differ");

    let answer = w.runtime.block_on(w.authorizer.authorize(&value, w.now));
    let streamed_answer = w.runtime.block_on(w.authorizer.authorize_request(&request, w.now));
    assert_eq!(answer, streamed_answer, "streamed and parsed answers differ");
    if allowed(&answer) {
        let read_token = read_event(&value).ok().and_then(|read| read.token);
        assert_eq!(read_token, Some(w.valid.as_str()), "allowed a token that is not the valid one");
    }
    assert_eq!(w.get_id.num_calls(), 0, "a fuzzed input reached Cognito Identity");
});
