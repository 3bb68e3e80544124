//! Cognito and DynamoDB faults the emulator cannot produce, with `aws-smithy-mocks`:
//! throttling on each call (after the SDK's own retries), outages, a failed write after
//! `GetId`, and a retry that then succeeds. Responses are real Cognito and DynamoDB error
//! bodies, parsed by the real SDK. The directory here misses every read (mocks keep no
//! state), so each link is a first link.

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_cognitoidentity as identity;
use aws_sdk_cognitoidentityprovider as idp;
use aws_sdk_dynamodb as dynamodb;
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::retry::RetryConfig;
use directory::IdentityDirectory;
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

fn dynamodb_error(status: u16, code: &str) -> HttpResponse {
    let body = json!({"__type": format!("com.amazonaws.dynamodb.v20120810#{code}"), "message": "injected"});
    HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::from(body.to_string()))
}

/// A directory that misses every read and accepts every write.
fn healthy_directory() -> [Rule; 3] {
    [
        mock!(dynamodb::Client::get_item)
            .sequence()
            .output(|| dynamodb::operation::get_item::GetItemOutput::builder().build())
            .repeatedly()
            .build(),
        transact_ok(),
        mock!(dynamodb::Client::update_item)
            .sequence()
            .output(|| dynamodb::operation::update_item::UpdateItemOutput::builder().build())
            .repeatedly()
            .build(),
    ]
}

fn transact_ok() -> Rule {
    mock!(dynamodb::Client::transact_write_items)
        .sequence()
        .output(|| dynamodb::operation::transact_write_items::TransactWriteItemsOutput::builder().build())
        .repeatedly()
        .build()
}

struct Fixture {
    key: TestKey,
    service: LinkService,
}

fn fixture(get_id_rules: &[&Rule], write_rules: &[&Rule]) -> Fixture {
    let directory = healthy_directory();
    fixture_with_directory(get_id_rules, write_rules, &directory.iter().collect::<Vec<_>>())
}

/// `directory_rules` are matched by operation (the first rule of an operation that is not
/// used up answers), so a fault rule listed before a healthy one answers first.
fn fixture_with_directory(get_id_rules: &[&Rule], write_rules: &[&Rule], directory_rules: &[&Rule]) -> Fixture {
    let key = TestKey::generate("fault-key");
    let config = VerifierConfig::new(POOL, vec![CLIENT.into()]).unwrap();
    let verifier = CognitoJwtVerifier::with_fetcher(config.clone(), Arc::new(StaticJwks::new(jwks_json(&[&key]))));
    let identity_client =
        mock_client!(identity, RuleMode::Sequential, get_id_rules, |c| c.retry_config(fast_retries()));
    let idp_client = mock_client!(idp, RuleMode::Sequential, write_rules, |c| c.retry_config(fast_retries()));
    let identity_pool = IdentityPoolId::parse(IDENTITY_POOL).unwrap();
    let dynamodb_client =
        mock_client!(dynamodb, RuleMode::MatchAny, directory_rules, |c| c.retry_config(fast_retries()));
    let user_pool_id = UserPoolId::parse(POOL).unwrap();
    let cognito = CognitoCalls::new(identity_client, idp_client, identity_pool.clone(), user_pool_id.clone());
    let directory = IdentityDirectory::new(dynamodb_client, "directory");
    Fixture {
        key,
        service: LinkService { verifier, cognito, directory, identity_pool_id: identity_pool, user_pool_id },
    }
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
    assert_eq!(get_id.num_calls(), 2, "GetId runs again on the retry (this directory never holds the entry)");
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

/// The DynamoDB calls a link makes, each failing with `code` as many times as the SDK
/// tries (3), then succeeding: a link fails with `status`, and the client's retry links.
async fn directory_fault_then_retry(operation: &str, status: u16, code: &'static str) -> (u16, Option<String>, Value) {
    let get_item_fault = mock!(dynamodb::Client::get_item)
        .sequence()
        .http_response(move || dynamodb_error(status, code))
        .times(3)
        .build();
    let transact_fault = mock!(dynamodb::Client::transact_write_items)
        .sequence()
        .http_response(move || dynamodb_error(status, code))
        .times(3)
        .build();
    let fault = if operation == "GetItem" { get_item_fault } else { transact_fault };
    let [get_item, transact, update] = healthy_directory();
    let get_id = mock!(identity::Client::get_id).sequence().output(get_id_ok).repeatedly().build();
    let write = mock!(idp::Client::admin_update_user_attributes).sequence().output(write_ok).repeatedly().build();
    let f = fixture_with_directory(&[&get_id], &[&write], &[&fault, &get_item, &transact, &update]);

    let failed = link(&f).await;
    assert_eq!(fault.num_calls(), 3, "{operation}: the SDK retried before giving up");
    assert_eq!(write.num_calls(), 0, "{operation}: no user pool write before the directory holds the link");

    let (status, _, body) = link(&f).await;
    assert_eq!(status, 200, "{operation}: the client's retry completes the link: {body}");
    assert_eq!((body["identityId"].clone(), body["changed"].clone()), (json!(IDENTITY_ID), json!(true)));
    assert_eq!(write.num_calls(), 1);
    assert_eq!(update.num_calls(), 1, "then marked as written");
    failed
}

#[tokio::test]
async fn a_throttled_directory_is_429_with_retry_after_and_a_retry_links() {
    for operation in ["GetItem", "TransactWriteItems"] {
        for code in ["ProvisionedThroughputExceededException", "ThrottlingException"] {
            let (status, retry_after, body) = directory_fault_then_retry(operation, 400, code).await;
            assert_eq!((status, retry_after.as_deref()), (429, Some("1")), "{operation} {code}: {body}");
            assert_eq!(body["error"], json!("throttled"));
            assert!(body["message"].as_str().unwrap().contains("directory"), "{body}");
            assert!(!body.to_string().contains(code), "no upstream code leaks: {body}");
        }
    }
}

#[tokio::test]
async fn an_unavailable_directory_is_503_with_retry_after_and_a_retry_links() {
    for operation in ["GetItem", "TransactWriteItems"] {
        let (status, retry_after, body) = directory_fault_then_retry(operation, 500, "InternalServerError").await;
        assert_eq!((status, retry_after.as_deref()), (503, Some("5")), "{operation}: {body}");
        assert_eq!(body["error"], json!("unavailable"));
    }
}

#[tokio::test]
async fn a_directory_deployment_fault_is_502_and_names_nothing_internal() {
    let denied = mock!(dynamodb::Client::get_item).then_http_response(|| dynamodb_error(400, "AccessDeniedException"));
    let get_id = mock!(identity::Client::get_id).then_output(get_id_ok);
    let write = mock!(idp::Client::admin_update_user_attributes).then_output(write_ok);
    let f = fixture_with_directory(&[&get_id], &[&write], &[&denied]);
    let (status, retry_after, body) = link(&f).await;
    assert_eq!((status, retry_after), (502, None), "{body}");
    assert_eq!(body["error"], json!("upstream_error"));
    assert!(!body.to_string().contains("AccessDenied") && !body.to_string().contains("injected"), "{body}");
    assert_eq!((get_id.num_calls(), write.num_calls()), (0, 0), "no Cognito call without the directory's answer");
}

#[tokio::test]
async fn a_failed_mark_after_the_attribute_write_still_links() {
    let [get_item, transact, _] = healthy_directory();
    let mark_down = mock!(dynamodb::Client::update_item)
        .sequence()
        .http_response(|| dynamodb_error(500, "InternalServerError"))
        .repeatedly()
        .build();
    let get_id = mock!(identity::Client::get_id).then_output(get_id_ok);
    let write = mock!(idp::Client::admin_update_user_attributes).then_output(write_ok);
    let f = fixture_with_directory(&[&get_id], &[&write], &[&get_item, &transact, &mark_down]);
    let (status, _, body) = link(&f).await;
    assert_eq!(status, 200, "the attribute is written; the next link repeats it and marks: {body}");
    assert_eq!(body["changed"], json!(true));
    assert_eq!(mark_down.num_calls(), 3);
}
