//! Fixtures shared by the authorizer's in-process tests: an authorizer over keys
//! generated in the test (JWKS served from memory) and a mocked Cognito Identity
//! whose `GetId` calls are counted.

// Each test file uses its own part of these helpers.
#![allow(dead_code)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use authorizer::{Authorizer, AuthorizerConfig, HttpApiResponseFormat};
use aws_sdk_cognitoidentity::config::retry::RetryConfig;
use aws_sdk_cognitoidentity::operation::get_id::GetIdOutput;
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use serde_json::{Value, json};
use test_support::sample_events::{EventValues, sample_event};
use test_support::static_jwks::StaticJwks;
use test_support::token_forge::{TestKey, id_token_claims, jwks_json};
use token_verifier::{CognitoJwtVerifier, VerifierConfig};

/// The user pool of the generated keys.
pub const POOL: &str = "us-east-1_TestPool1";
/// The accepted app client.
pub const CLIENT: &str = "client-id-1";
/// The identity pool the authorizer resolves IdentityIds in.
pub const IDENTITY_POOL: &str = "us-east-1:0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
/// The `Logins` key of [`POOL`].
pub const LOGIN_PROVIDER: &str = "cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool1";
/// The user of the tokens.
pub const SUB: &str = "5f6e7d8c-1111-4222-8333-444455556666";
/// What the mocked `GetId` answers.
pub const RESOLVED_IDENTITY_ID: &str = "us-east-1:9a8b7c6d-0000-4000-8000-00000000abcd";
/// The IdentityId carried by linked tokens.
pub const LINKED_IDENTITY_ID: &str = "us-east-1:1f0c7e2a-3b4c-4d5e-8f60-718293a4b5c6";
/// The stage-wide resource of every sample event's REST method ARN.
pub const REST_STAGE_RESOURCE: &str = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/*/*";

/// An authorizer with its key, its JWKS source and its `GetId` mock.
pub struct Fixture {
    /// The user pool's signing key.
    pub key: TestKey,
    /// The JWKS the verifier fetches (fetches counted; can be changed or failed).
    pub jwks: Arc<StaticJwks>,
    /// The mocked `GetId`; `get_id.num_calls()` counts Cognito calls.
    pub get_id: Rule,
    /// The authorizer under test.
    pub authorizer: Authorizer,
}

/// The configuration of the fixture; `adjust` changes what a test needs.
pub fn config(adjust: impl FnOnce(&mut AuthorizerConfig)) -> AuthorizerConfig {
    let mut verifier = VerifierConfig::new(POOL, vec![CLIENT.into()]).unwrap();
    verifier.min_refetch_interval = std::time::Duration::ZERO;
    let mut config = AuthorizerConfig {
        verifier,
        identity_pool_id: lambda_foundation::IdentityPoolId::parse(IDENTITY_POOL).unwrap(),
        require_linked: false,
        trust_token_identity_id: true,
        http_api_response: HttpApiResponseFormat::Simple,
        verified_token_cache_ttl_secs: 300,
        identity_cache_ttl_secs: 600,
        route_rules: Default::default(),
        directory_table: None,
        deadline: authorizer::DEFAULT_DEADLINE,
    };
    adjust(&mut config);
    config
}

/// `GetId` answering [`RESOLVED_IDENTITY_ID`], only when asked with the user pool login.
pub fn get_id_answers() -> Rule {
    mock!(aws_sdk_cognitoidentity::Client::get_id)
        .match_requests(|input| {
            input.identity_pool_id() == Some(IDENTITY_POOL)
                && input.logins().is_some_and(|logins| logins.contains_key(LOGIN_PROVIDER))
        })
        .then_output(|| GetIdOutput::builder().identity_id(RESOLVED_IDENTITY_ID).build())
}

/// `GetId` failing every time with the error `code`, as Cognito Identity sends it
/// (status 400 or 500 and a JSON `__type`), so the SDK parses it as it would in production.
pub fn get_id_fails(code: &'static str) -> Rule {
    mock!(aws_sdk_cognitoidentity::Client::get_id).then_http_response(move || cognito_identity_error(code))
}

/// Cognito Identity's wire answer for the error `code`.
pub fn cognito_identity_error(code: &str) -> aws_smithy_runtime_api::http::Response {
    let status = if code.starts_with("Internal") { 500 } else { 400 };
    let body = serde_json::json!({"__type": code, "message": "injected"}).to_string();
    aws_smithy_runtime_api::http::Response::new(
        aws_smithy_runtime_api::http::StatusCode::try_from(status).unwrap(),
        aws_smithy_types::body::SdkBody::from(body),
    )
}

/// A Cognito Identity client answering only from `rule`, without retries.
pub fn identity_client(rule: &Rule) -> aws_sdk_cognitoidentity::Client {
    mock_client!(aws_sdk_cognitoidentity, RuleMode::MatchAny, [rule], |conf| conf.retry_config(RetryConfig::disabled()))
}

/// The fixture with `GetId` answering and the default configuration.
pub fn fixture() -> Fixture {
    fixture_with(get_id_answers(), |_| {})
}

/// The fixture with this `GetId` behaviour and configuration.
pub fn fixture_with(get_id: Rule, adjust: impl FnOnce(&mut AuthorizerConfig)) -> Fixture {
    let key = TestKey::generate("key-1");
    let jwks = Arc::new(StaticJwks::new(jwks_json(&[&key])));
    let config = config(adjust);
    let verifier = CognitoJwtVerifier::with_fetcher(config.verifier.clone(), jwks.clone());
    let authorizer = Authorizer::new(config, verifier, identity_client(&get_id));
    Fixture { key, jwks, get_id, authorizer }
}

/// The claims of an id token of [`SUB`] issued before linking.
pub fn unlinked_claims() -> Value {
    id_token_claims("us-east-1", POOL, CLIENT, SUB)
}

/// The claims of an id token of [`SUB`] carrying [`LINKED_IDENTITY_ID`] and two groups.
pub fn linked_claims() -> Value {
    let mut claims = unlinked_claims();
    claims["custom:identity_id"] = json!(LINKED_IDENTITY_ID);
    claims["cognito:groups"] = json!(["admins", "readers"]);
    claims
}

/// `events/<file>` with `token` in place of the placeholder.
pub fn event(file: &str, token: &str) -> Value {
    sample_event(file, &EventValues { id_token: Some(token.to_owned()), ..Default::default() })
}

/// The REST `TOKEN` sample event carrying `token`.
pub fn rest_token_event(token: &str) -> Value {
    event("authorizer-rest-token.json", token)
}

/// The HTTP API payload 2.0 sample event carrying `token`.
pub fn http_api_event(token: &str) -> Value {
    event("authorizer-http-api-v2.json", token)
}

/// Seconds since the epoch.
pub fn now() -> u64 {
    test_support::token_forge::now()
}

/// Log lines written by the current thread while a [`LogCapture`] is installed.
///
/// One JSON subscriber (as the binary's) is installed globally for the whole test
/// binary and writes each line into the buffer of the thread that logged it: thread
/// scoped subscribers race with the callsite cache when tests run in parallel. Use
/// with a current-thread runtime (the `#[tokio::test]` default), which polls
/// everything on the test's thread.
#[derive(Clone, Default)]
pub struct LogCapture(Arc<Mutex<Vec<u8>>>);

thread_local! {
    static THREAD_LOGS: std::cell::RefCell<Option<LogCapture>> = const { std::cell::RefCell::new(None) };
}

impl LogCapture {
    /// Starts capturing this thread's log lines.
    pub fn install() -> LogCapture {
        static GLOBAL: std::sync::Once = std::sync::Once::new();
        GLOBAL.call_once(|| {
            let subscriber = tracing_subscriber::fmt()
                .json()
                .with_max_level(tracing::Level::TRACE)
                .with_writer(|| ThreadLogWriter)
                .without_time()
                .finish();
            tracing::subscriber::set_global_default(subscriber).expect("no other global subscriber");
        });
        let capture = LogCapture::default();
        THREAD_LOGS.with(|slot| *slot.borrow_mut() = Some(capture.clone()));
        capture
    }

    /// Everything logged so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    /// The `fields` of every "authorizer decision" line, in order.
    pub fn decisions(&self) -> Vec<Value> {
        self.text()
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .filter(|line| line["fields"]["message"] == "authorizer decision")
            .map(|line| line["fields"].clone())
            .collect()
    }
}

/// Appends to the logging thread's capture, if it has one.
struct ThreadLogWriter;

impl Write for ThreadLogWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        THREAD_LOGS.with(|slot| {
            if let Some(capture) = slot.borrow().as_ref() {
                capture.0.lock().unwrap().extend_from_slice(bytes);
            }
        });
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
