//! What the emulator cannot produce: DynamoDB throttled, down, or colliding, with
//! `aws-smithy-mocks` in place of the HTTP connection.

use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::get_item::GetItemOutput;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsOutput;
use aws_sdk_dynamodb::operation::update_item::UpdateItemOutput;
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::retry::RetryConfig;
use directory::{DirectoryError, IdentityDirectory, IdentityId, LinkRecorded, NewLink, UserPoolId};

fn dynamodb_error(status: u16, body: serde_json::Value) -> HttpResponse {
    HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::from(body.to_string()))
}

fn error_code(status: u16, code: &str) -> HttpResponse {
    dynamodb_error(
        status,
        serde_json::json!({"__type": format!("com.amazonaws.dynamodb.v20120810#{code}"), "message": "injected"}),
    )
}

fn cancelled(reasons: &[&str]) -> HttpResponse {
    let reasons: Vec<_> = reasons.iter().map(|code| serde_json::json!({"Code": code})).collect();
    dynamodb_error(
        400,
        serde_json::json!({
            "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
            "Message": "Transaction cancelled",
            "CancellationReasons": reasons,
        }),
    )
}

fn directory(rules: &[&Rule]) -> IdentityDirectory {
    let retries = RetryConfig::standard().with_max_attempts(2).with_initial_backoff(Duration::from_millis(1));
    let client: Client =
        mock_client!(aws_sdk_dynamodb, RuleMode::Sequential, rules, |c| c.retry_config(retries.clone()));
    IdentityDirectory::new(client, "directory")
}

fn identity_id() -> IdentityId {
    IdentityId::parse("us-east-1:0f0c7e2a-1111-4222-8333-444455556666").unwrap()
}

fn link() -> NewLink {
    NewLink {
        identity_id: identity_id(),
        user_pool_id: UserPoolId::parse("us-east-1_Faults1").unwrap(),
        sub: "sub-ada".into(),
        username: "ada".into(),
        linked_at: 1,
    }
}

#[tokio::test]
async fn throttled_reads_are_retryable_with_a_retry_after() {
    for code in ["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"] {
        let rule = mock!(Client::get_item).sequence().http_response(move || error_code(400, code)).times(2).build();
        let error = directory(&[&rule]).get_by_identity_id(&identity_id()).await.unwrap_err();
        assert!(matches!(&error, DirectoryError::Throttled { code: c } if c == code), "{error:?}");
        assert!(error.is_retryable());
        assert_eq!(error.retry_after(), Some(Duration::from_secs(1)));
    }
}

#[tokio::test]
async fn an_unavailable_directory_is_retryable() {
    for (status, code) in [(500, "InternalServerError"), (503, "ServiceUnavailable"), (502, "SomethingNew")] {
        let rule = mock!(Client::get_item).sequence().http_response(move || error_code(status, code)).times(2).build();
        let error = directory(&[&rule]).get_by_user(&link().user_pool_id, "sub-ada").await.unwrap_err();
        assert!(matches!(&error, DirectoryError::Unavailable { code: c } if c == code), "{error:?}");
        assert!(error.is_retryable());
        assert_eq!(error.retry_after(), Some(Duration::from_secs(5)));
    }
}

#[tokio::test]
async fn access_denied_is_a_deployment_fault() {
    let rule = mock!(Client::get_item).then_http_response(|| error_code(400, "AccessDeniedException"));
    let error = directory(&[&rule]).get_by_identity_id(&identity_id()).await.unwrap_err();
    assert!(matches!(&error, DirectoryError::Failed { code } if code == "AccessDeniedException"), "{error:?}");
    assert!(!error.is_retryable() && error.retry_after().is_none());
}

#[tokio::test]
async fn a_throttled_transaction_is_throttled_and_a_retry_completes_the_link() {
    let throttled = mock!(Client::transact_write_items)
        .sequence()
        .http_response(|| error_code(400, "ThrottlingException"))
        .times(2)
        .build();
    let error = directory(&[&throttled]).record_link(&link()).await.unwrap_err();
    assert!(matches!(error, DirectoryError::Throttled { .. }), "{error:?}");

    // Throttling reported as a cancellation reason (DynamoDB's own vocabulary).
    let reason = mock!(Client::transact_write_items).then_http_response(|| cancelled(&["ThrottlingError", "None"]));
    let error = directory(&[&reason]).record_link(&link()).await.unwrap_err();
    assert!(matches!(&error, DirectoryError::Throttled { code } if code == "ThrottlingError"), "{error:?}");

    let ok = mock!(Client::transact_write_items).then_output(|| TransactWriteItemsOutput::builder().build());
    assert_eq!(directory(&[&ok]).record_link(&link()).await.unwrap(), LinkRecorded::Created);
}

#[tokio::test]
async fn transaction_conflicts_are_retried_then_reported_as_unavailable() {
    let conflict = mock!(Client::transact_write_items)
        .sequence()
        .http_response(|| cancelled(&["TransactionConflict", "None"]))
        .times(2)
        .output(|| TransactWriteItemsOutput::builder().build())
        .build();
    assert_eq!(directory(&[&conflict]).record_link(&link()).await.unwrap(), LinkRecorded::Created);

    let always = mock!(Client::transact_write_items)
        .sequence()
        .http_response(|| cancelled(&["TransactionConflict", "TransactionConflict"]))
        .times(4)
        .build();
    let error = directory(&[&always]).record_link(&link()).await.unwrap_err();
    assert!(matches!(&error, DirectoryError::Unavailable { code } if code == "TransactionConflict"), "{error:?}");
    assert!(error.is_retryable());
}

#[tokio::test]
async fn a_timeout_is_unavailable() {
    let rule = mock!(Client::get_item).sequence().http_response(|| error_code(504, "GatewayTimeout")).times(2).build();
    let error = directory(&[&rule]).get_by_identity_id(&identity_id()).await.unwrap_err();
    assert!(error.is_retryable(), "{error:?}");
    let ok = mock!(Client::get_item).then_output(|| GetItemOutput::builder().build());
    assert_eq!(directory(&[&ok]).get_by_identity_id(&identity_id()).await.unwrap(), None);
}

#[tokio::test]
async fn a_throttled_usage_write_is_retryable_and_a_collision_with_a_transaction_is_retried() {
    let event = directory::ObjectEvent { bucket: "b".into(), key: "k".into(), sequencer: "01".into(), size: 1 };
    let unseen = mock!(Client::get_item).then_output(|| GetItemOutput::builder().build());
    let throttled =
        mock!(Client::update_item).sequence().http_response(|| error_code(400, "ThrottlingException")).times(2).build();
    let error = directory(&[&unseen, &throttled])
        .add_usage(&identity_id(), directory::UsageAccount::Linked, &event, 1)
        .await
        .unwrap_err();
    assert!(matches!(error, DirectoryError::Throttled { .. }) && error.is_retryable(), "{error:?}");

    // A plain write that meets a transaction on its item (a link being written) is
    // refused with TransactionConflictException: tried again after a jittered pause.
    let collided = mock!(Client::update_item)
        .sequence()
        .http_response(|| error_code(400, "TransactionConflictException"))
        .output(|| UpdateItemOutput::builder().build())
        .times(4)
        .build();
    let unseen = mock!(Client::get_item).then_output(|| GetItemOutput::builder().build());
    let recorded = directory(&[&unseen, &collided])
        .add_usage(&identity_id(), directory::UsageAccount::Linked, &event, 1)
        .await
        .unwrap();
    assert_eq!(recorded, directory::UsageRecorded::Counted);
    // Commit, settle, clear and unmark, plus the one refused: no transaction at all.
    assert_eq!(collided.num_calls(), 5);
}
