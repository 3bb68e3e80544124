//! The built `whoami` binary as a process, answering the six context shapes of `events/`.

use serde_json::{Value, json};
use test_support::lambda_process::LambdaProcess;
use test_support::sample_events::{EXAMPLE_IDENTITY_ID, EXAMPLE_SUB, EventValues, sample_event};

#[tokio::test]
async fn whoami_answers_both_ids_for_every_context_shape() {
    let mut process = LambdaProcess::start(env!("CARGO_BIN_EXE_whoami"), &[]).await;
    for (file, source) in [
        ("whoami-rest-lambda-authorizer.json", "lambdaAuthorizer"),
        ("whoami-http-api-lambda-authorizer.json", "lambdaAuthorizer"),
        ("whoami-rest-iam.json", "iam"),
        ("whoami-http-api-iam.json", "iam"),
        ("whoami-rest-cognito-authorizer.json", "cognitoUserPoolAuthorizer"),
        ("whoami-http-api-jwt-authorizer.json", "jwtAuthorizer"),
    ] {
        let response = process.invoke(&sample_event(file, &EventValues::default())).await.response();
        assert_eq!(response["statusCode"], json!(200), "{file}: {response}");
        let body: Value = serde_json::from_str(response["body"].as_str().unwrap()).unwrap();
        assert_eq!(body["sub"], json!(EXAMPLE_SUB), "{file}");
        assert_eq!(body["identityId"], json!(EXAMPLE_IDENTITY_ID), "{file}");
        assert_eq!(body["source"], json!(source), "{file}");
    }

    let mut unprotected = sample_event("whoami-rest-iam.json", &EventValues::default());
    unprotected["requestContext"]["identity"] = json!({"sourceIp": "203.0.113.10"});
    let response = process.invoke(&unprotected).await.response();
    assert_eq!(response["statusCode"], json!(401), "{response}");
}
