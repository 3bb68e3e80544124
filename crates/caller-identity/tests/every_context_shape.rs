//! One test per request context shape, read from the sample events in `events/`
//! through `lambda_http` exactly as a deployed function receives them.

use caller_identity::{CallerIdentity, CallerIdentityError, IdentitySource, RequestCallerExt};
use lambda_http::Request;
use serde_json::{Value, json};
use test_support::sample_events::{
    EXAMPLE_IDENTITY_ID, EXAMPLE_IDENTITY_POOL_ID, EXAMPLE_SUB, EventValues, sample_event, sample_event_text,
};

fn request(event: &Value) -> Request {
    lambda_http::request::from_str(&event.to_string()).expect("API Gateway event")
}

fn caller_of(file: &str) -> CallerIdentity {
    request(&sample_event(file, &EventValues::default())).caller_identity().unwrap()
}

fn groups() -> Vec<String> {
    vec!["admins".into(), "readers".into()]
}

#[test]
fn rest_lambda_authorizer_context() {
    let caller = caller_of("whoami-rest-lambda-authorizer.json");
    assert_eq!(
        caller,
        CallerIdentity {
            sub: EXAMPLE_SUB.into(),
            username: Some("alice".into()),
            identity_id: Some(EXAMPLE_IDENTITY_ID.into()),
            identity_pool_id: Some(EXAMPLE_IDENTITY_POOL_ID.into()),
            email: Some("alice@example.com".into()),
            groups: groups(),
            linked: Some(true),
            source: IdentitySource::LambdaAuthorizer,
        }
    );
}

#[test]
fn http_api_lambda_authorizer_context() {
    let caller = caller_of("whoami-http-api-lambda-authorizer.json");
    assert_eq!(caller.source, IdentitySource::LambdaAuthorizer);
    assert_eq!((caller.sub.as_str(), caller.identity_id.as_deref()), (EXAMPLE_SUB, Some(EXAMPLE_IDENTITY_ID)));
    assert_eq!(caller.identity_pool_id.as_deref(), Some(EXAMPLE_IDENTITY_POOL_ID));
    assert_eq!(caller.groups, groups());
}

#[test]
fn rest_iam_auth() {
    let caller = caller_of("whoami-rest-iam.json");
    assert_eq!(caller.source, IdentitySource::Iam);
    assert_eq!((caller.sub.as_str(), caller.identity_id.as_deref()), (EXAMPLE_SUB, Some(EXAMPLE_IDENTITY_ID)));
    assert_eq!(caller.identity_pool_id.as_deref(), Some(EXAMPLE_IDENTITY_POOL_ID));
    assert_eq!(caller.username, None, "IAM auth does not carry the user name");
}

#[test]
fn http_api_iam_auth() {
    let caller = caller_of("whoami-http-api-iam.json");
    assert_eq!(caller.source, IdentitySource::Iam);
    assert_eq!((caller.sub.as_str(), caller.identity_id.as_deref()), (EXAMPLE_SUB, Some(EXAMPLE_IDENTITY_ID)));
    assert_eq!(caller.identity_pool_id.as_deref(), Some(EXAMPLE_IDENTITY_POOL_ID));
}

#[test]
fn rest_cognito_user_pool_authorizer_claims() {
    let caller = caller_of("whoami-rest-cognito-authorizer.json");
    assert_eq!(caller.source, IdentitySource::CognitoUserPoolAuthorizer);
    assert_eq!((caller.sub.as_str(), caller.identity_id.as_deref()), (EXAMPLE_SUB, Some(EXAMPLE_IDENTITY_ID)));
    assert_eq!(caller.username.as_deref(), Some("alice"));
    assert_eq!(caller.groups, groups());
    assert_eq!(caller.linked, Some(true));
}

#[test]
fn http_api_jwt_authorizer_claims() {
    let caller = caller_of("whoami-http-api-jwt-authorizer.json");
    assert_eq!(caller.source, IdentitySource::JwtAuthorizer);
    assert_eq!((caller.sub.as_str(), caller.identity_id.as_deref()), (EXAMPLE_SUB, Some(EXAMPLE_IDENTITY_ID)));
    assert_eq!(caller.groups, groups(), "HTTP API renders arrays as [a b]");
    assert_eq!(caller.email.as_deref(), Some("alice@example.com"));
}

#[test]
fn claims_of_an_unlinked_user_have_no_identity_id() {
    let mut event = sample_event("whoami-rest-cognito-authorizer.json", &EventValues::default());
    event["requestContext"]["authorizer"]["claims"].as_object_mut().unwrap().remove("custom:identity_id");
    let caller = request(&event).caller_identity().unwrap();
    assert_eq!(caller.identity_id, None);
    assert_eq!(caller.linked, Some(false));
}

#[test]
fn no_identity_at_all_is_a_clear_error() {
    let mut event = sample_event("whoami-rest-iam.json", &EventValues::default());
    event["requestContext"]["identity"] = json!({"sourceIp": "203.0.113.10"});
    assert_eq!(request(&event).caller_identity().unwrap_err(), CallerIdentityError::NoIdentity);
    let mut event = sample_event("whoami-http-api-iam.json", &EventValues::default());
    event["requestContext"].as_object_mut().unwrap().remove("authorizer");
    assert_eq!(request(&event).caller_identity().unwrap_err(), CallerIdentityError::NoIdentity);
}

#[test]
fn iam_credentials_not_from_a_user_pool_sign_in_are_refused() {
    let text = sample_event_text("whoami-rest-iam.json");
    let mut event: Value = serde_json::from_str(&text).unwrap();
    event["requestContext"]["identity"]["cognitoAuthenticationType"] = json!("unauthenticated");
    event["requestContext"]["identity"]["cognitoAuthenticationProvider"] = json!(null);
    let err = request(&event).caller_identity().unwrap_err();
    assert_eq!(err, CallerIdentityError::NotAUserPoolLogin);
    assert_eq!(err.status(), 403);

    let mut event = sample_event("whoami-http-api-iam.json", &EventValues::default());
    event["requestContext"]["authorizer"]["iam"]["cognitoIdentity"]["amr"] = json!(["unauthenticated"]);
    assert_eq!(request(&event).caller_identity().unwrap_err(), CallerIdentityError::NotAUserPoolLogin);
    event["requestContext"]["authorizer"]["iam"].as_object_mut().unwrap().remove("cognitoIdentity");
    assert_eq!(request(&event).caller_identity().unwrap_err(), CallerIdentityError::NotAUserPoolLogin);
}

#[test]
fn raw_aws_lambda_events_types_work_too() {
    use aws_lambda_events::apigw::{ApiGatewayProxyRequest, ApiGatewayV2httpRequest};
    let rest: ApiGatewayProxyRequest =
        serde_json::from_value(sample_event("whoami-rest-lambda-authorizer.json", &EventValues::default())).unwrap();
    assert_eq!(rest.caller_identity().unwrap().sub, EXAMPLE_SUB);
    let http: ApiGatewayV2httpRequest =
        serde_json::from_value(sample_event("whoami-http-api-iam.json", &EventValues::default())).unwrap();
    assert_eq!(http.caller_identity().unwrap().identity_id.as_deref(), Some(EXAMPLE_IDENTITY_ID));
}
