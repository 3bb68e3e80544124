//! The built `link` binary, run with the most verbose logging a debugging operator would
//! turn on, never writes the id token: the Lambda runtime logs every event whole at
//! `trace` (the body carries the token), and the SDK logs its requests (`GetId` carries
//! the token in `Logins`).

use serde_json::json;
use test_support::lambda_process::LambdaProcess;
use test_support::local_cognito::{LocalCognito, unique_name};
use test_support::sample_events::sample_event;

#[tokio::test]
async fn no_rust_log_setting_writes_the_token() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("link-log-safety")).await;
    for (n, rust_log) in ["trace", "lambda_runtime=trace,aws_smithy_runtime=trace,hyper=trace,debug"].iter().enumerate()
    {
        let user = stack.create_user(&format!("tracy{n}")).await;
        let tokens = stack.sign_in(&user).await;
        let identity_id = stack.get_id(&tokens.id_token).await.unwrap();
        let values = stack.event_values(&user, &tokens, &identity_id);
        let mut env = stack.function_env_with_directory("link-log").await;
        env.push(("RUST_LOG".into(), rust_log.to_string()));
        let mut process = LambdaProcess::start(env!("CARGO_BIN_EXE_link"), &env).await.expect("the function starts");
        let response = process.invoke(&sample_event("link-rest-iam.json", &values)).await.response();
        assert_eq!(response["statusCode"], json!(200), "{response}");

        let logs = process.logs();
        assert!(logs.lines().count() > 1, "logging is on ({rust_log}):\n{logs}");
        let (_, signature) = tokens.id_token.rsplit_once('.').unwrap();
        let payload = tokens.id_token.split('.').nth(1).unwrap();
        assert!(
            !logs.contains(signature) && !logs.contains(payload),
            "RUST_LOG={rust_log}: a token reached the logs:\n{logs}"
        );
    }
}
