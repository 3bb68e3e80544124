//! The built `whoami` binary as a process, answering the six context shapes of `events/`
//! and an access token's context from our authorizer.

use caller_identity::context_keys;
use serde_json::{Value, json};
use test_support::lambda_process::LambdaProcess;
use test_support::sample_events::{EXAMPLE_IDENTITY_ID, EXAMPLE_SUB, EXAMPLE_USER_POOL_ID, EventValues, sample_event};

#[tokio::test]
async fn whoami_answers_both_ids_for_every_context_shape() {
    let mut process = LambdaProcess::start(env!("CARGO_BIN_EXE_whoami"), &[]).await.expect("the function starts");
    // (file, source, the token use and user pool the shape itself carries: none under
    // IAM auth, the id token's under the built-in authorizers; `None`: not checked here)
    let no_token = Some((Value::Null, Value::Null));
    let id_token = Some((json!("id"), json!(EXAMPLE_USER_POOL_ID)));
    for (file, source, token) in [
        ("whoami-rest-lambda-authorizer.json", "lambdaAuthorizer", None),
        ("whoami-http-api-lambda-authorizer.json", "lambdaAuthorizer", None),
        ("whoami-rest-iam.json", "iam", no_token.clone()),
        ("whoami-http-api-iam.json", "iam", no_token),
        ("whoami-rest-cognito-authorizer.json", "cognitoUserPoolAuthorizer", id_token.clone()),
        ("whoami-http-api-jwt-authorizer.json", "jwtAuthorizer", id_token),
    ] {
        let response = process.invoke(&sample_event(file, &EventValues::default())).await.response();
        assert_eq!(response["statusCode"], json!(200), "{file}: {response}");
        let body: Value = serde_json::from_str(response["body"].as_str().unwrap()).unwrap();
        assert_eq!(body["sub"], json!(EXAMPLE_SUB), "{file}");
        assert_eq!(body["identityId"], json!(EXAMPLE_IDENTITY_ID), "{file}");
        assert_eq!(body["source"], json!(source), "{file}");
        let client_id = if source == "iam" { Value::Null } else { json!("4p1l7kq2v0example9clientid") };
        assert_eq!(body["clientId"], client_id, "{file}: the app client, none under IAM auth");
        if let Some((token_use, user_pool_id)) = token {
            assert_eq!((&body["tokenUse"], &body["userPoolId"]), (&token_use, &user_pool_id), "{file}: {body}");
            assert_eq!(body["scopes"], json!([]), "{file}: id tokens and IAM auth carry no scopes");
        }
    }

    // An access token behind our authorizer: the context keys it adds reach the answer.
    let mut event = sample_event("whoami-http-api-lambda-authorizer.json", &EventValues::default());
    let context = event["requestContext"]["authorizer"]["lambda"].as_object_mut().unwrap();
    context.insert(context_keys::TOKEN_USE.into(), json!("access"));
    context.insert(context_keys::SCOPES.into(), json!("openid orders/write"));
    context.insert(context_keys::USER_POOL_ID.into(), json!(EXAMPLE_USER_POOL_ID));
    let response = process.invoke(&event).await.response();
    assert_eq!(response["statusCode"], json!(200), "{response}");
    let body: Value = serde_json::from_str(response["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["tokenUse"], json!("access"), "{body}");
    assert_eq!(body["scopes"], json!(["openid", "orders/write"]), "{body}");
    assert_eq!(body["groups"], json!(["admins", "readers"]), "{body}");
    assert_eq!(body["userPoolId"], json!(EXAMPLE_USER_POOL_ID), "{body}");
    assert_eq!(body["identityId"], json!(EXAMPLE_IDENTITY_ID), "{body}");

    let mut unprotected = sample_event("whoami-rest-iam.json", &EventValues::default());
    unprotected["requestContext"]["identity"] = json!({"sourceIp": "203.0.113.10"});
    let response = process.invoke(&unprotected).await.response();
    assert_eq!(response["statusCode"], json!(401), "{response}");
}
