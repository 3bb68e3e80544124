//! One deadline per request (`AUTHORIZER_DEADLINE_MS`), checked on the built binary
//! against the local Cognito, with one dependency at a time behind a loopback proxy that
//! hangs: the identity directory (DynamoDB), Cognito Identity (`GetId`), the user pool's
//! JWKS, and the directory's write alone. Every answer leaves within the budget (plus a
//! margin for the process and the runtime API), and none is an Allow that API Gateway
//! would cache without an IdentityId: an outage is an error (API Gateway answers 500 and
//! caches nothing), or an Allow that carries Cognito's IdentityId.
//!
//! These check a deadline, they do not measure speed: each prints its slowest answer.

use std::time::Duration;

use authorizer::AuthorizerConfig;
use directory::{IdentityDirectory, UserPoolId};
use serde_json::{Value, json};
use test_support::hanging_proxy::{HangingProxy, ProxyMode};
use test_support::lambda_process::{InvokeOutcome, LambdaProcess};
use test_support::local_cognito::{LocalCognito, TestStack, env_var_in, unique_name};
use test_support::sample_events::{EventValues, sample_event};
use test_support::token_forge::id_token_claims;

const BINARY: &str = env!("CARGO_BIN_EXE_authorizer");
/// The budget the processes run with: short, so that a hung dependency costs the suite
/// little time; the shares of it are the same as with the default.
const BUDGET_MS: u64 = 1_500;
/// What the runtime client's own work (reading the event, posting the answer) and a loaded
/// host's scheduling may add to the budget.
const MARGIN: Duration = Duration::from_millis(500);

struct Harness {
    stack: TestStack,
    table: String,
    directory: IdentityDirectory,
}

async fn harness(name: &str) -> Harness {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name(name)).await;
    let table = stack.cognito.create_directory_table(&unique_name("deadline-directory")).await;
    let directory = IdentityDirectory::new(stack.cognito.dynamodb(), table.clone());
    Harness { stack, table, directory }
}

impl Harness {
    /// The function's environment on the test's directory, with `AUTHORIZER_DEADLINE_MS`
    /// set to [`BUDGET_MS`], `TOKEN_USE=any`, and `extra` (endpoints moved to a proxy).
    fn env(&self, extra: &[(&str, String)]) -> Vec<(String, String)> {
        let mut env = self.stack.function_env();
        env.push(("DIRECTORY_TABLE".into(), self.table.clone()));
        env.push(("AUTHORIZER_DEADLINE_MS".into(), BUDGET_MS.to_string()));
        env.push(("TOKEN_USE".into(), "any".into()));
        env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.clone())));
        env
    }

    /// A token of a new user `n` that predates any link, signed with the pool's key:
    /// an id token, or an access token (`access`).
    async fn token(&self, n: usize, access: bool) -> (String, String) {
        let sub = format!("{n:08x}-0000-4000-8000-00000000dead");
        let mut claims = id_token_claims("us-east-1", &self.stack.pool_id, &self.stack.client_id, &sub);
        claims["cognito:username"] = json!(format!("user-{n}"));
        if access {
            let claims = claims.as_object_mut().unwrap();
            claims.remove("aud");
            claims.insert("token_use".into(), json!("access"));
            claims.insert("client_id".into(), json!(self.stack.client_id));
            claims.insert("username".into(), json!(format!("user-{n}")));
            claims.insert("scope".into(), json!("aws.cognito.signin.user.admin"));
        }
        (sub, self.stack.cognito.sign_with_pool_key(&claims).await)
    }

    async fn get_id_calls(&self) -> usize {
        let calls = self.stack.cognito.calls_for(&self.stack.identity_pool_id).await;
        calls.iter().filter(|c| c.operation == "GetId").count()
    }

    fn pool(&self) -> UserPoolId {
        UserPoolId::parse(&self.stack.pool_id).unwrap()
    }
}

fn event(file: &str, token: &str) -> Value {
    sample_event(file, &EventValues { id_token: Some(token.to_owned()), ..Default::default() })
}

/// One invocation, timed from the function taking the event to its answer: the time its
/// deadline governs. The process's start-up and the wait for its first poll are left out,
/// since a loaded host stretches them and the deadline does not cover them (on Lambda,
/// init is not part of an invocation either).
async fn timed(process: &mut LambdaProcess, event: &Value) -> (InvokeOutcome, Duration) {
    process.invoke_timed(event).await
}

/// Asserts `took` is within the budget plus the margin, and prints it.
fn within_budget(case: &str, took: Duration) -> Duration {
    println!("deadline: {case}: answered in {} ms (budget {BUDGET_MS} ms)", took.as_millis());
    assert!(took < Duration::from_millis(BUDGET_MS) + MARGIN, "{case}: {took:?} is past the budget");
    took
}

/// The error API Gateway turns into a 500 (any error but `Unauthorized`), which it never caches.
fn assert_dependency_failure(outcome: &InvokeOutcome, message: &str) {
    match outcome {
        InvokeOutcome::Error { error_type, error_message } => {
            assert_eq!(error_type, "AuthorizerDependencyFailure", "{outcome:?}");
            assert_eq!(error_message, message, "{outcome:?}");
        }
        InvokeOutcome::Response(answer) => panic!("expected an error (500), got an answer: {answer}"),
    }
}

fn allowed_context(outcome: InvokeOutcome) -> Value {
    let answer = outcome.response();
    assert_eq!(answer["policyDocument"]["Statement"][0]["Effect"], json!("Allow"), "{answer}");
    answer["context"].clone()
}

fn log_steps(logs: &str) -> Vec<String> {
    logs.lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line["fields"]["message"] == json!("a dependency did not answer within the request's deadline"))
        .map(|line| line["fields"]["step"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn a_hung_directory_degrades_to_get_id_and_is_a_500_for_access_tokens() {
    let h = harness("deadline-dir").await;
    let proxy = HangingProxy::start(&h.stack.cognito.endpoint, ProxyMode::Hang).await;
    let env = h.env(&[("AWS_ENDPOINT_URL_DYNAMODB", proxy.url())]);
    let mut process =
        LambdaProcess::start_named(BINARY, "authorizer-dir-hung", &env).await.expect("the function starts");
    let (_, id_token) = h.token(1, false).await;
    let (_, access_token) = h.token(2, true).await;
    let mut slowest = Duration::ZERO;

    // An id token: the directory read gets a third of the budget, then GetId answers.
    let (outcome, took) = timed(&mut process, &event("authorizer-rest-token.json", &id_token)).await;
    slowest = slowest.max(within_budget("id token, directory hung", took));
    let context = allowed_context(outcome);
    assert!(context["identityId"].as_str().is_some_and(|id| id.starts_with("us-east-1:")), "{context}");
    assert_eq!(context["linked"], json!("false"));

    // An access token: nothing but the directory can name its IdentityId. Not an Allow
    // without one (API Gateway would cache it for 300 s): an error, in every flavour.
    for file in ["authorizer-rest-token.json", "authorizer-rest-request.json", "authorizer-http-api-v2.json"] {
        let (outcome, took) = timed(&mut process, &event(file, &access_token)).await;
        slowest = slowest.max(within_budget(&format!("access token, directory hung, {file}"), took));
        assert_dependency_failure(&outcome, "the identity directory is unavailable");
    }
    assert!(proxy.connections() > 0, "the directory was reached through the proxy");
    let logs = process.logs();
    assert!(logs.contains("directory read failed; resolving with GetId"), "{logs}");
    assert!(logs.contains("directory read failed; cannot check the link"), "{logs}");
    println!("deadline: slowest answer with the directory hung: {} ms of {BUDGET_MS} ms", slowest.as_millis());
}

#[tokio::test]
async fn a_hung_get_id_is_a_500_within_the_budget_and_nothing_of_it_is_kept() {
    let h = harness("deadline-getid").await;
    let proxy = HangingProxy::start(&h.stack.cognito.endpoint, ProxyMode::Hang).await;
    let env = h.env(&[("AWS_ENDPOINT_URL_COGNITO_IDENTITY", proxy.url())]);
    let mut process =
        LambdaProcess::start_named(BINARY, "authorizer-getid-hung", &env).await.expect("the function starts");
    let (sub, id_token) = h.token(3, false).await;
    let mut slowest = Duration::ZERO;

    for file in ["authorizer-rest-token.json", "authorizer-http-api-v2.json"] {
        let (outcome, took) = timed(&mut process, &event(file, &id_token)).await;
        slowest = slowest.max(within_budget(&format!("GetId hung, {file}"), took));
        assert_dependency_failure(&outcome, "Cognito Identity is unavailable");
    }
    assert!(h.directory.get_by_user(&h.pool(), &sub).await.unwrap().is_none(), "nothing written");
    println!("deadline: slowest answer with GetId hung: {} ms of {BUDGET_MS} ms", slowest.as_millis());

    // Cognito answers again: the same instance resolves the user (no failure was kept).
    proxy.set_mode(ProxyMode::Forward);
    let (outcome, took) = timed(&mut process, &event("authorizer-rest-token.json", &id_token)).await;
    within_budget("GetId back", took);
    let context = allowed_context(outcome);
    let entry = h.directory.get_by_user(&h.pool(), &sub).await.unwrap().expect("recorded once GetId answered");
    assert_eq!(json!(entry.identity_id.as_str()), context["identityId"]);
    assert_eq!(context["linked"], json!("true"));
}

#[tokio::test]
async fn a_hung_jwks_endpoint_is_a_500_within_the_budget() {
    let h = harness("deadline-jwks").await;
    let proxy = HangingProxy::start(&h.stack.cognito.endpoint, ProxyMode::Hang).await;
    let jwks_url = format!("{}/{}/.well-known/jwks.json", proxy.url(), h.stack.pool_id);
    let env = h.env(&[("JWKS_URL", jwks_url)]);
    let mut process =
        LambdaProcess::start_named(BINARY, "authorizer-jwks-hung", &env).await.expect("the function starts");
    let (_, id_token) = h.token(4, false).await;
    let get_id_before = h.get_id_calls().await;
    let mut slowest = Duration::ZERO;

    for _ in 0..2 {
        let (outcome, took) = timed(&mut process, &event("authorizer-rest-token.json", &id_token)).await;
        slowest = slowest.max(within_budget("JWKS hung", took));
        assert_dependency_failure(&outcome, "the user pool's signing keys are unavailable");
    }
    assert_eq!(h.get_id_calls().await, get_id_before, "an unverified token costs no AWS call");
    assert!(proxy.connections() > 0);
    println!("deadline: slowest answer with the JWKS hung: {} ms of {BUDGET_MS} ms", slowest.as_millis());
}

#[tokio::test]
async fn a_hung_directory_write_does_not_hold_the_answer_and_the_next_request_writes_it() {
    let h = harness("deadline-write").await;
    // Reads answer; the link transaction hangs.
    let proxy = HangingProxy::start(
        &h.stack.cognito.endpoint,
        ProxyMode::HangRequestsContaining(b"TransactWriteItems".to_vec()),
    )
    .await;
    let env = h.env(&[("AWS_ENDPOINT_URL_DYNAMODB", proxy.url())]);
    let mut process =
        LambdaProcess::start_named(BINARY, "authorizer-write-hung", &env).await.expect("the function starts");
    let (sub, id_token) = h.token(5, false).await;
    let get_id_before = h.get_id_calls().await;

    let (outcome, took) = timed(&mut process, &event("authorizer-rest-token.json", &id_token)).await;
    let slowest = within_budget("first-seen user, directory write hung", took);
    let context = allowed_context(outcome);
    let identity_id = context["identityId"].clone();
    assert!(identity_id.as_str().is_some_and(|id| id.starts_with("us-east-1:")), "{context}");
    assert_eq!(context["linked"], json!("false"), "the write did not finish");
    assert!(h.directory.get_by_user(&h.pool(), &sub).await.unwrap().is_none());
    assert_eq!(log_steps(&process.logs()), ["directory_write"]);
    println!("deadline: slowest answer with the directory write hung: {} ms of {BUDGET_MS} ms", slowest.as_millis());

    // The directory writes again: the user's next request records the link, with no
    // second GetId, and says so.
    proxy.set_mode(ProxyMode::Forward);
    let (outcome, took) = timed(&mut process, &event("authorizer-rest-token.json", &id_token)).await;
    within_budget("next request, write again", took);
    let context = allowed_context(outcome);
    assert_eq!(context["identityId"], identity_id);
    assert_eq!(context["linked"], json!("true"), "{context}");
    let entry = h.directory.get_by_user(&h.pool(), &sub).await.unwrap().expect("written by the next request");
    assert_eq!(json!(entry.identity_id.as_str()), identity_id);
    assert_eq!(h.get_id_calls().await - get_id_before, 1, "one GetId for the user");
}

/// The template's pair: the budget it sets is valid, below the authorizer function's
/// `Timeout`, and below API Gateway's 10 s.
#[test]
fn the_templates_budget_is_below_the_functions_timeout() {
    let template = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../template.yaml")).unwrap();
    let function: Vec<&str> = template
        .lines()
        .skip_while(|line| *line != "  AuthorizerFunction:")
        .skip(1)
        .take_while(|line| line.is_empty() || line.starts_with("   "))
        .collect();
    let value_of = |key: &str| {
        function
            .iter()
            .find_map(|line| line.trim_start().strip_prefix(key))
            .map(|value| value.trim().trim_matches('"').to_owned())
            .unwrap_or_else(|| panic!("AuthorizerFunction has no {key}"))
    };
    let timeout = Duration::from_secs(value_of("Timeout:").parse().unwrap());
    let env = [
        ("USER_POOL_ID".to_owned(), "us-east-1_AbC".to_owned()),
        ("USER_POOL_CLIENT_IDS".to_owned(), "client".to_owned()),
        ("IDENTITY_POOL_ID".to_owned(), "us-east-1:0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d".to_owned()),
        ("AUTHORIZER_DEADLINE_MS".to_owned(), value_of("AUTHORIZER_DEADLINE_MS:")),
    ];
    let config = AuthorizerConfig::from_lookup(|name| env_var_in(&env, name)).expect("a valid budget");
    config.check_function_timeout(timeout).expect("below the function's timeout");
    assert!(config.deadline < Duration::from_secs(10));
    assert!(config.deadline <= timeout / 2, "the cold path (start-up, JWKS) fits beside it");
}

/// `POST /_emulator/dynamodb-faults` for `table`: DynamoDB's throttling and conflicts,
/// which the emulator injects as DynamoDB answers them (`tests/emulator/dynamodb_faults.py`).
async fn set_directory_faults(endpoint: &str, table: &str, mut settings: Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    settings["table"] = json!(table);
    let body = settings.to_string();
    let authority = endpoint.trim_start_matches("http://").trim_end_matches('/');
    let mut socket = tokio::net::TcpStream::connect(authority).await.expect("the emulator");
    let request = format!(
        "POST /_emulator/dynamodb-faults HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    socket.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    socket.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200") || answer.starts_with("HTTP/1.0 200"), "{answer}");
}

/// A directory that throttles every call (after the SDK's retries), rather than hanging:
/// the same answers, sooner. An access token is a 500, not an Allow without IdentityId.
#[tokio::test]
async fn a_throttled_directory_is_a_500_for_access_tokens_and_get_id_for_id_tokens() {
    let h = harness("deadline-throttled").await;
    set_directory_faults(&h.stack.cognito.endpoint, &h.table, json!({"throttleRate": 1.0, "seed": 7})).await;
    let mut process =
        LambdaProcess::start_named(BINARY, "authorizer-dir-throttled", &h.env(&[])).await.expect("the function starts");
    let (_, id_token) = h.token(6, false).await;
    let (_, access_token) = h.token(7, true).await;

    let (outcome, took) = timed(&mut process, &event("authorizer-http-api-v2.json", &access_token)).await;
    within_budget("access token, directory throttled", took);
    assert_dependency_failure(&outcome, "the identity directory is unavailable");

    let (outcome, took) = timed(&mut process, &event("authorizer-rest-token.json", &id_token)).await;
    within_budget("id token, directory throttled", took);
    let context = allowed_context(outcome);
    assert!(context["identityId"].as_str().is_some_and(|id| id.starts_with("us-east-1:")), "{context}");
    assert_eq!(context["linked"], json!("false"));
    set_directory_faults(&h.stack.cognito.endpoint, &h.table, json!({"throttleRate": 0.0})).await;
}
