//! A browser on one of the app's origins can read link's answers, errors included: the
//! built binary adds `Access-Control-Allow-Origin` naming the request's `Origin` when
//! `ALLOWED_ORIGIN` lists it (with `Vary: Origin`), and exposes `Retry-After` to the page.

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
    env.push(("ALLOWED_ORIGIN".into(), "https://app.example.com,http://localhost:5173".into()));
    let mut process = LambdaProcess::start(env!("CARGO_BIN_EXE_link"), &env).await.expect("the function starts");
    let values = stack.event_values(&user, &tokens, &identity_id);
    let mut event = sample_event("link-http-api-iam.json", &values);
    event["headers"]["origin"] = json!("http://localhost:5173");
    let linked = process.invoke(&event).await.response();
    let mut malformed = event.clone();
    malformed["body"] = json!("not json");
    let malformed = process.invoke(&malformed).await.response();
    for (response, status) in [(linked, 200), (malformed, 400)] {
        assert_eq!(response["statusCode"], json!(status), "{response}");
        assert_eq!(response["headers"]["access-control-allow-origin"], json!("http://localhost:5173"), "{response}");
        assert_eq!(response["headers"]["vary"], json!("Origin"), "{response}");
        // The Retry-After of a 429 or 503 is readable by the page (not a CORS-safelisted header).
        assert_eq!(response["headers"]["access-control-expose-headers"], json!("Retry-After"), "{response}");
    }
    let mut unlisted = event.clone();
    unlisted["headers"]["origin"] = json!("https://evil.example.net");
    let unlisted = process.invoke(&unlisted).await.response();
    assert_eq!(unlisted["statusCode"], json!(200), "a repeat link: {unlisted}");
    assert_eq!(unlisted["headers"]["access-control-allow-origin"], json!(null), "{unlisted}");
    assert_eq!(unlisted["headers"]["vary"], json!("Origin"), "{unlisted}");
}
