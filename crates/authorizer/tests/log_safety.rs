//! The built `authorizer` binary never writes a token, even when `RUST_LOG` names the
//! crates that log bodies one by one at `trace` (a plain `RUST_LOG=trace` is covered in
//! `authorizer_process.rs`).

use serde_json::json;
use test_support::lambda_process::LambdaProcess;
use test_support::local_cognito::{LocalCognito, unique_name};
use test_support::sample_events::{EventValues, sample_event};

#[tokio::test]
async fn naming_the_body_logging_crates_still_writes_no_token() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("authz-log-safety")).await;
    let user = stack.create_user("trent").await;
    let tokens = stack.sign_in(&user).await;
    let mut env = stack.function_env();
    env.push((
        "RUST_LOG".into(),
        "lambda_runtime=trace,lambda_runtime_api_client=trace,aws_smithy_runtime=trace,aws_smithy_http_client=trace,hyper=trace,hyper_util=trace,trace".into(),
    ));
    let mut process = LambdaProcess::start(env!("CARGO_BIN_EXE_authorizer"), &env).await.expect("the function starts");
    let values = EventValues { id_token: Some(tokens.id_token.clone()), ..Default::default() };
    // An unlinked token: the authorizer calls GetId with the token in `Logins`.
    let answer = process.invoke(&sample_event("authorizer-rest-request.json", &values)).await.response();
    assert_eq!(answer["principalId"], json!(user.sub), "{answer}");

    let logs = process.logs();
    assert!(logs.lines().count() > 1, "logging is on:\n{logs}");
    let (_, signature) = tokens.id_token.rsplit_once('.').unwrap();
    let payload = tokens.id_token.split('.').nth(1).unwrap();
    assert!(!logs.contains(signature) && !logs.contains(payload), "a token reached the logs:\n{logs}");
}
