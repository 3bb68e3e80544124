//! A browser on one of the app's origins can read whoami's answers: the built binary adds
//! `Access-Control-Allow-Origin` naming the request's `Origin` when `ALLOWED_ORIGIN` lists
//! it (with `Vary: Origin`), to success and error alike, nothing for another origin, and
//! refuses to start with a list the template would refuse.

use serde_json::json;
use test_support::lambda_process::LambdaProcess;
use test_support::sample_events::{EventValues, sample_event};

fn allow_origin(response: &serde_json::Value) -> Option<&str> {
    response["headers"]["access-control-allow-origin"]
        .as_str()
        .or_else(|| response["multiValueHeaders"]["access-control-allow-origin"][0].as_str())
}

fn header<'a>(response: &'a serde_json::Value, name: &str) -> Option<&'a str> {
    response["headers"][name].as_str().or_else(|| response["multiValueHeaders"][name][0].as_str())
}

/// `event` as a browser on `origin` sends it.
fn from_origin(mut event: serde_json::Value, origin: &str) -> serde_json::Value {
    event["headers"]["origin"] = json!(origin);
    if event["multiValueHeaders"].is_object() {
        event["multiValueHeaders"]["origin"] = json!([origin]);
    }
    event
}

#[tokio::test]
async fn every_answer_names_the_requests_origin_when_listed() {
    let env = vec![("ALLOWED_ORIGIN".to_string(), "https://app.example.com,https://admin.example.com".to_string())];
    let mut process = LambdaProcess::start(env!("CARGO_BIN_EXE_whoami"), &env).await.expect("the function starts");
    let event = sample_event("whoami-http-api-lambda-authorizer.json", &EventValues::default());
    for origin in ["https://app.example.com", "https://admin.example.com"] {
        let ok = process.invoke(&from_origin(event.clone(), origin)).await.response();
        assert_eq!(ok["statusCode"], json!(200), "{ok}");
        assert_eq!(allow_origin(&ok), Some(origin), "{ok}");
        assert_eq!(header(&ok, "vary"), Some("Origin"), "{ok}");
    }
    let other = process.invoke(&from_origin(event.clone(), "https://evil.example.net")).await.response();
    assert_eq!(other["statusCode"], json!(200), "{other}");
    assert_eq!(allow_origin(&other), None, "an unlisted origin cannot read it: {other}");
    assert_eq!(header(&other, "vary"), Some("Origin"), "{other}");

    let mut unprotected = sample_event("whoami-rest-iam.json", &EventValues::default());
    unprotected["requestContext"]["identity"] = json!({"sourceIp": "203.0.113.10"});
    let refused = process.invoke(&from_origin(unprotected, "https://admin.example.com")).await.response();
    assert_eq!(refused["statusCode"], json!(401), "{refused}");
    assert_eq!(allow_origin(&refused), Some("https://admin.example.com"), "{refused}");
}

#[tokio::test]
async fn without_an_allowed_origin_no_header_is_added() {
    let mut process = LambdaProcess::start(env!("CARGO_BIN_EXE_whoami"), &[]).await.expect("the function starts");
    let ok = process.invoke(&sample_event("whoami-http-api-lambda-authorizer.json", &EventValues::default())).await;
    assert_eq!(allow_origin(&ok.response()), None);
}

#[tokio::test]
async fn an_origin_the_template_refuses_stops_start_up() {
    let env = vec![("ALLOWED_ORIGIN".to_string(), "https://app.example.com,*".to_string())];
    let mut process = LambdaProcess::start(env!("CARGO_BIN_EXE_whoami"), &env).await.expect("the function starts");
    assert_eq!(process.wait_for_exit(std::time::Duration::from_secs(10)).await, Some(1));
    assert!(process.logs().starts_with("configuration error: ALLOWED_ORIGIN is invalid"), "{}", process.logs());
}
