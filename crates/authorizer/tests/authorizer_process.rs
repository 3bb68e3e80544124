//! The built `authorizer` binary as a real process under a local Lambda runtime API,
//! answering the sample events of `events/` against the local Cognito: what API
//! Gateway receives for a valid and an invalid token in every flavour.

use serde_json::{Value, json};
use test_support::lambda_process::{InvokeOutcome, LambdaProcess};
use test_support::local_cognito::{LocalCognito, unique_name};
use test_support::sample_events::{EventValues, sample_event};

const BINARY: &str = env!("CARGO_BIN_EXE_authorizer");

fn event(file: &str, id_token: &str) -> Value {
    sample_event(file, &EventValues { id_token: Some(id_token.to_owned()), ..Default::default() })
}

fn unauthorized() -> InvokeOutcome {
    InvokeOutcome::Error { error_type: "Unauthorized".into(), error_message: "Unauthorized".into() }
}

#[tokio::test]
async fn the_binary_answers_every_flavour() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("authz-process")).await;
    let user = stack.create_user("paula").await;
    let tokens = stack.sign_in(&user).await;
    let forged = {
        let (signed, signature) = tokens.id_token.rsplit_once('.').unwrap();
        let flipped = if signature.starts_with('A') { 'B' } else { 'A' };
        format!("{signed}.{flipped}{}", &signature[1..])
    };
    let mut process = LambdaProcess::start(BINARY, &stack.function_env()).await;

    // REST TOKEN and REQUEST: an Allow policy over the stage, or the 401 error.
    for file in ["authorizer-rest-token.json", "authorizer-rest-request.json"] {
        let answer = process.invoke(&event(file, &tokens.id_token)).await.response();
        assert_eq!(answer["principalId"], json!(user.sub), "{file}: {answer}");
        let statement = &answer["policyDocument"]["Statement"][0];
        assert_eq!(statement["Effect"], json!("Allow"));
        assert_eq!(statement["Resource"], json!("arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/*/*"));
        assert_eq!(answer["context"]["username"], json!("paula"));
        assert_eq!(answer["context"]["linked"], json!("false"));
        assert!(answer["context"]["identityId"].as_str().is_some_and(|id| id.starts_with("us-east-1:")));

        assert_eq!(process.invoke(&event(file, &forged)).await, unauthorized(), "{file}");
    }

    // HTTP API payload 2.0: the simple answer.
    let answer = process.invoke(&event("authorizer-http-api-v2.json", &tokens.id_token)).await.response();
    assert_eq!(answer["isAuthorized"], json!(true), "{answer}");
    assert_eq!(answer["context"]["sub"], json!(user.sub));
    let refused = process.invoke(&event("authorizer-http-api-v2.json", &forged)).await.response();
    assert_eq!(refused, json!({"isAuthorized": false}));

    // Not an authorizer event at all.
    assert_eq!(process.invoke(&json!({"hello": "world"})).await, unauthorized());

    let logs = process.logs();
    let decisions: Vec<Value> = logs
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line["fields"]["message"] == json!("authorizer decision"))
        .collect();
    assert_eq!(decisions.len(), 7, "one JSON line per invocation:\n{logs}");
    assert_eq!(decisions[0]["fields"]["outcome"], json!("allow"));
    assert_eq!(decisions[0]["fields"]["sub"], json!(user.sub));
    assert_eq!(decisions[0]["span"]["requestId"], json!("req-0000"));
    assert_eq!(decisions[1]["fields"]["outcome"], json!("unauthorized"));
    assert_eq!(decisions[1]["fields"]["reason"], json!("bad_signature"));
    for token in [&tokens.id_token, &forged] {
        let (_, signature) = token.rsplit_once('.').unwrap();
        let payload = token.split('.').nth(1).unwrap();
        assert!(!logs.contains(signature) && !logs.contains(payload), "a token reached the logs:\n{logs}");
    }
}

#[tokio::test]
async fn http_api_iam_answers_and_require_linked_as_configured() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("authz-process-iam")).await;
    let user = stack.create_user("ivan").await;
    let tokens = stack.sign_in(&user).await;
    let mut env = stack.function_env();
    env.push(("AUTHORIZER_RESPONSE".into(), "iam".into()));
    env.push(("REQUIRE_LINKED".into(), "true".into()));
    let mut process = LambdaProcess::start(BINARY, &env).await;

    // Unlinked under REQUIRE_LINKED: an explicit Deny (403), with no Cognito Identity call.
    let answer = process.invoke(&event("authorizer-http-api-v2.json", &tokens.id_token)).await.response();
    assert_eq!(answer["principalId"], json!(user.sub), "{answer}");
    let statement = &answer["policyDocument"]["Statement"][0];
    assert_eq!(statement["Effect"], json!("Deny"));
    assert_eq!(statement["Resource"], json!("arn:aws:execute-api:us-east-1:123456789012:abcdef1234/$default/*/*"));
    assert_eq!(process.invoke(&event("authorizer-http-api-v2.json", "garbage")).await, unauthorized());
    let identity_calls = stack.cognito.calls_for(&stack.identity_pool_id).await;
    assert!(identity_calls.iter().all(|c| c.service != "cognito-identity"), "{identity_calls:?}");
    assert!(!process.logs().contains(tokens.id_token.rsplit('.').next().unwrap()));
}

#[tokio::test]
async fn even_the_most_verbose_logging_never_writes_the_token() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("authz-process-trace")).await;
    let user = stack.create_user("tracy").await;
    let tokens = stack.sign_in(&user).await;
    let mut env = stack.function_env();
    env.push(("RUST_LOG".into(), "trace".into()));
    let mut process = LambdaProcess::start(BINARY, &env).await;

    let answer = process.invoke(&event("authorizer-rest-token.json", &tokens.id_token)).await.response();
    assert_eq!(answer["principalId"], json!(user.sub));
    let answer = process.invoke(&event("authorizer-http-api-v2.json", &tokens.id_token)).await.response();
    assert_eq!(answer["isAuthorized"], json!(true));

    let logs = process.logs();
    assert!(logs.lines().count() > 2, "trace logging is on:\n{logs}");
    let (_, signature) = tokens.id_token.rsplit_once('.').unwrap();
    let payload = tokens.id_token.split('.').nth(1).unwrap();
    assert!(!logs.contains(signature) && !logs.contains(payload), "a token reached the logs:\n{logs}");
}

#[tokio::test]
async fn bad_configuration_stops_start_up_with_one_line() {
    let env = vec![
        ("USER_POOL_ID".to_string(), "us-east-1_AbC".to_string()),
        ("USER_POOL_CLIENT_IDS".to_string(), "client".to_string()),
        ("IDENTITY_POOL_ID".to_string(), "us-east-1:0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d".to_string()),
        ("AUTHORIZER_RESPONSE".to_string(), "json".to_string()),
    ];
    let mut process = LambdaProcess::start(BINARY, &env).await;
    let code = process.wait_for_exit(std::time::Duration::from_secs(10)).await;
    assert_eq!(code, Some(1));
    let logs = process.logs();
    assert_eq!(logs.trim(), "configuration error: AUTHORIZER_RESPONSE is invalid: expected simple or iam", "{logs}");
}
