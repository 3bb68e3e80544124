//! A browser on the app's origin can read link's answers, errors included: the built
//! binary adds `Access-Control-Allow-Origin` from `ALLOWED_ORIGIN`, and exposes
//! `Retry-After` to the page.

use serde_json::json;
use test_support::lambda_process::LambdaProcess;
use test_support::local_cognito::{LocalCognito, unique_name};
use test_support::sample_events::sample_event;

#[tokio::test]
async fn success_and_errors_name_the_allowed_origin() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("link-cors")).await;
    let user = stack.create_user("cora").await;
    let tokens = stack.sign_in(&user).await;
    let identity_id = stack.get_id(&tokens.id_token).await.unwrap();
    let mut env = stack.function_env_with_directory("link-cors").await;
    env.push(("ALLOWED_ORIGIN".into(), "http://localhost:5173".into()));
    let mut process = LambdaProcess::start(env!("CARGO_BIN_EXE_link"), &env).await;
    let values = stack.event_values(&user, &tokens, &identity_id);
    let linked = process.invoke(&sample_event("link-http-api-iam.json", &values)).await.response();
    let mut malformed = sample_event("link-http-api-iam.json", &values);
    malformed["body"] = json!("not json");
    let malformed = process.invoke(&malformed).await.response();
    for (response, status) in [(linked, 200), (malformed, 400)] {
        assert_eq!(response["statusCode"], json!(status), "{response}");
        assert_eq!(response["headers"]["access-control-allow-origin"], json!("http://localhost:5173"), "{response}");
        // The Retry-After of a 429 or 503 is readable by the page (not a CORS-safelisted header).
        assert_eq!(response["headers"]["access-control-expose-headers"], json!("Retry-After"), "{response}");
    }
}
