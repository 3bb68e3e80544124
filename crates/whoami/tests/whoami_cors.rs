//! A browser on the app's origin can read whoami's answers: the built binary adds
//! `Access-Control-Allow-Origin` (from `ALLOWED_ORIGIN`) to success and error alike, and
//! refuses to start with an origin the template would refuse.

use serde_json::json;
use test_support::lambda_process::LambdaProcess;
use test_support::sample_events::{EventValues, sample_event};

fn allow_origin(response: &serde_json::Value) -> Option<&str> {
    response["headers"]["access-control-allow-origin"]
        .as_str()
        .or_else(|| response["multiValueHeaders"]["access-control-allow-origin"][0].as_str())
}

#[tokio::test]
async fn every_answer_names_the_allowed_origin() {
    let env = vec![("ALLOWED_ORIGIN".to_string(), "https://app.example.com".to_string())];
    let mut process = LambdaProcess::start(env!("CARGO_BIN_EXE_whoami"), &env).await;
    let ok = process.invoke(&sample_event("whoami-http-api-lambda-authorizer.json", &EventValues::default())).await;
    let ok = ok.response();
    assert_eq!(ok["statusCode"], json!(200), "{ok}");
    assert_eq!(allow_origin(&ok), Some("https://app.example.com"), "{ok}");

    let mut unprotected = sample_event("whoami-rest-iam.json", &EventValues::default());
    unprotected["requestContext"]["identity"] = json!({"sourceIp": "203.0.113.10"});
    let refused = process.invoke(&unprotected).await.response();
    assert_eq!(refused["statusCode"], json!(401), "{refused}");
    assert_eq!(allow_origin(&refused), Some("https://app.example.com"), "{refused}");
}

#[tokio::test]
async fn without_an_allowed_origin_no_header_is_added() {
    let mut process = LambdaProcess::start(env!("CARGO_BIN_EXE_whoami"), &[]).await;
    let ok = process.invoke(&sample_event("whoami-http-api-lambda-authorizer.json", &EventValues::default())).await;
    assert_eq!(allow_origin(&ok.response()), None);
}

#[tokio::test]
async fn an_origin_the_template_refuses_stops_start_up() {
    let env = vec![("ALLOWED_ORIGIN".to_string(), "app.example.com".to_string())];
    let mut process = LambdaProcess::start(env!("CARGO_BIN_EXE_whoami"), &env).await;
    assert_eq!(process.wait_for_exit(std::time::Duration::from_secs(10)).await, Some(1));
    assert!(process.logs().starts_with("configuration error: ALLOWED_ORIGIN is invalid"), "{}", process.logs());
}
