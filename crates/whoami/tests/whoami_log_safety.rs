//! The built `whoami` binary, run with the most verbose logging a debugging operator
//! would turn on, never writes the caller's token: the Lambda runtime logs every event
//! whole at `trace`, and these events carry the id token in `Authorization`.

use serde_json::json;
use test_support::lambda_process::LambdaProcess;
use test_support::sample_events::{EventValues, sample_event};

/// A token-shaped secret: what must never appear in a log line.
const TOKEN: &str =
    "eyJraWQiOiJsb2ctc2FmZXR5In0.eyJzdWIiOiJzZWNyZXQtcGF5bG9hZCJ9.c2VjcmV0LXNpZ25hdHVyZS1vZi10aGUtdG9rZW4";

#[tokio::test]
async fn no_rust_log_setting_writes_the_token() {
    for rust_log in ["trace", "lambda_runtime=trace,lambda_http=trace,hyper=trace,debug"] {
        let env = vec![("RUST_LOG".to_string(), rust_log.to_string())];
        let mut process = LambdaProcess::start(env!("CARGO_BIN_EXE_whoami"), &env).await.expect("the function starts");
        for file in ["whoami-rest-cognito-authorizer.json", "whoami-http-api-lambda-authorizer.json"] {
            let values = EventValues { id_token: Some(TOKEN.into()), ..Default::default() };
            let response = process.invoke(&sample_event(file, &values)).await.response();
            assert_eq!(response["statusCode"], json!(200), "{file}: {response}");
        }
        let logs = process.logs();
        for part in TOKEN.split('.') {
            assert!(!logs.contains(part), "RUST_LOG={rust_log}: a token part reached the logs:\n{logs}");
        }
    }
}
