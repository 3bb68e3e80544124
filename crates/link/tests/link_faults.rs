//! Cognito faults the emulator cannot produce, with `aws-smithy-mocks`: throttling on
//! each call (after the SDK's own retries), a failed write after `GetId`, and a retry
//! that then succeeds. Responses are real Cognito error bodies, parsed by the real SDK.

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_cognitoidentity as identity;
use aws_sdk_cognitoidentityprovider as idp;
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::retry::RetryConfig;
use lambda_foundation::{IdentityPoolId, UserPoolId};
use lambda_http::Body;
use link::cognito_calls::CognitoCalls;
use link::{LinkService, handle_link};
use serde_json::{Value, json};
use test_support::static_jwks::StaticJwks;
use test_support::token_forge::{TestKey, id_token_claims, jwks_json};
use token_verifier::{CognitoJwtVerifier, VerifierConfig};

const POOL: &str = "us-east-1_FaultPool";
const CLIENT: &str = "fault-client";
const IDENTITY_POOL: &str = "us-east-1:5e5e5e5e-0000-4000-8000-000000000000";
const IDENTITY_ID: &str = "us-east-1:77777777-0000-4000-8000-000000000000";

fn cognito_error(status: u16, code: &str) -> HttpResponse {
    let body = json!({"__type": code, "message": "injected"}).to_string();
    HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::from(body))
}

fn get_id_ok() -> identity::operation::get_id::GetIdOutput {
    identity::operation::get_id::GetIdOutput::builder().identity_id(IDENTITY_ID).build()
}

fn write_ok() -> idp::operation::admin_update_user_attributes::AdminUpdateUserAttributesOutput {
    idp::operation::admin_update_user_attributes::AdminUpdateUserAttributesOutput::builder().build()
}

fn fast_retries() -> RetryConfig {
    RetryConfig::standard().with_max_attempts(3).with_initial_backoff(Duration::from_millis(1))
}

struct Fixture {
    key: TestKey,
    service: LinkService,
}

fn fixture(get_id_rules: &[&Rule], write_rules: &[&Rule]) -> Fixture {
    let key = TestKey::generate("fault-key");
    let config = VerifierConfig::new(POOL, vec![CLIENT.into()]).unwrap();
    let verifier = CognitoJwtVerifier::with_fetcher(config.clone(), Arc::new(StaticJwks::new(jwks_json(&[&key]))));
    let identity_client =
        mock_client!(identity, RuleMode::Sequential, get_id_rules, |c| c.retry_config(fast_retries()));
    let idp_client = mock_client!(idp, RuleMode::Sequential, write_rules, |c| c.retry_config(fast_retries()));
    let identity_pool = IdentityPoolId::parse(IDENTITY_POOL).unwrap();
    let cognito =
        CognitoCalls::new(identity_client, idp_client, identity_pool.clone(), UserPoolId::parse(POOL).unwrap());
    Fixture { key, service: LinkService { verifier, cognito, identity_pool_id: identity_pool } }
}

async fn link(f: &Fixture) -> (u16, Option<String>, Value) {
    let mut claims = id_token_claims("us-east-1", POOL, CLIENT, "1a2b3c4d-0000-4000-8000-000000000000");
    claims["cognito:username"] = json!("alice");
    let event = json!({
        "httpMethod": "POST", "path": "/link", "resource": "/link", "headers": {"content-type": "application/json"},
        "requestContext": {"httpMethod": "POST", "stage": "prod", "requestId": "r-1", "identity": {}},
        "body": json!({"idToken": f.key.sign(&claims)}).to_string(), "isBase64Encoded": false
    });
    let request = lambda_http::request::from_str(&event.to_string()).unwrap();
    let response = handle_link(&f.service, request).await;
    let retry_after = response.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
    let body = match response.body() {
        Body::Text(t) => serde_json::from_str(t).unwrap(),
        other => panic!("{other:?}"),
    };
    (response.status().as_u16(), retry_after, body)
}

#[tokio::test]
async fn throttled_get_id_is_retried_then_429_with_retry_after() {
    let get_id = mock!(identity::Client::get_id)
        .sequence()
        .http_response(|| cognito_error(400, "TooManyRequestsException"))
        .times(3)
        .build();
    let write = mock!(idp::Client::admin_update_user_attributes).then_output(write_ok);
    let f = fixture(&[&get_id], &[&write]);
    let (status, retry_after, body) = link(&f).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(retry_after.as_deref(), Some("1"));
    assert_eq!(body["error"], json!("throttled"));
    assert_eq!(get_id.num_calls(), 3, "the SDK retried with backoff before giving up");
    assert_eq!(write.num_calls(), 0, "no write without an IdentityId");
}

#[tokio::test]
async fn throttling_that_clears_within_the_retries_succeeds() {
    let get_id = mock!(identity::Client::get_id)
        .sequence()
        .http_response(|| cognito_error(400, "TooManyRequestsException"))
        .times(2)
        .output(get_id_ok)
        .build();
    let write = mock!(idp::Client::admin_update_user_attributes).then_output(write_ok);
    let f = fixture(&[&get_id], &[&write]);
    let (status, _, body) = link(&f).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(get_id.num_calls(), 3);
    assert_eq!(write.num_calls(), 1);
}

#[tokio::test]
async fn throttled_write_is_429_and_a_later_retry_succeeds() {
    let get_id = mock!(identity::Client::get_id).sequence().output(get_id_ok).repeatedly().build();
    let write = mock!(idp::Client::admin_update_user_attributes)
        .sequence()
        .http_response(|| cognito_error(400, "TooManyRequestsException"))
        .times(3)
        .output(write_ok)
        .build();
    let f = fixture(&[&get_id], &[&write]);

    let (status, retry_after, body) = link(&f).await;
    assert_eq!((status, retry_after.as_deref()), (429, Some("1")), "{body}");
    assert_eq!(write.num_calls(), 3);

    let (status, _, body) = link(&f).await;
    assert_eq!(status, 200, "the client's retry links: {body}");
    assert_eq!(body["changed"], json!(true));
    assert_eq!(get_id.num_calls(), 2, "GetId runs again on the retry (it is the authority)");
    assert_eq!(write.num_calls(), 4);
}

#[tokio::test]
async fn a_failed_write_after_get_id_is_503_and_nothing_is_half_done() {
    let get_id = mock!(identity::Client::get_id).sequence().output(get_id_ok).repeatedly().build();
    let write = mock!(idp::Client::admin_update_user_attributes)
        .sequence()
        .http_response(|| cognito_error(500, "InternalErrorException"))
        .times(3)
        .output(write_ok)
        .build();
    let f = fixture(&[&get_id], &[&write]);

    let (status, retry_after, body) = link(&f).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(retry_after.as_deref(), Some("5"));
    assert_eq!(body["error"], json!("unavailable"));
    assert!(!body["message"].as_str().unwrap().contains("injected"), "no upstream detail leaks: {body}");

    let (status, _, body) = link(&f).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["identityId"], json!(IDENTITY_ID));
}

#[tokio::test]
async fn get_id_refusing_the_token_is_401() {
    let get_id = mock!(identity::Client::get_id).then_http_response(|| cognito_error(400, "NotAuthorizedException"));
    let write = mock!(idp::Client::admin_update_user_attributes).then_output(write_ok);
    let f = fixture(&[&get_id], &[&write]);
    let (status, _, body) = link(&f).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(get_id.num_calls(), 1, "a refusal is not retried");
    assert_eq!(write.num_calls(), 0);
}

#[tokio::test]
async fn other_upstream_failures_are_502() {
    let get_id = mock!(identity::Client::get_id).then_http_response(|| cognito_error(400, "ResourceNotFoundException"));
    let write = mock!(idp::Client::admin_update_user_attributes).then_output(write_ok);
    let f = fixture(&[&get_id], &[&write]);
    let (status, _, body) = link(&f).await;
    assert_eq!(status, 502, "{body}");
    assert_eq!(body["error"], json!("upstream_error"));
    assert_eq!(write.num_calls(), 0);
}

#[tokio::test]
async fn get_id_limit_exceeded_is_the_identity_quota_a_502_not_a_retry() {
    let get_id = mock!(identity::Client::get_id).then_http_response(|| cognito_error(400, "LimitExceededException"));
    let write = mock!(idp::Client::admin_update_user_attributes).then_output(write_ok);
    let f = fixture(&[&get_id], &[&write]);
    let (status, retry_after, body) = link(&f).await;
    assert_eq!(status, 502, "{body}");
    assert_eq!(retry_after, None, "retrying does not raise a quota of identities");
    assert_eq!(body["error"], json!("upstream_error"));
    assert!(!body["message"].as_str().unwrap().contains("LimitExceeded"), "no upstream code leaks: {body}");
}
