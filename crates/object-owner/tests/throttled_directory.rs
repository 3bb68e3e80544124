//! A throttled directory (what the emulator cannot produce: aws-smithy-mocks in place of
//! DynamoDB's connection) fails only the records that met it; S3 is the emulator's.

use std::time::Duration;

use aws_lambda_events::event::sqs::SqsEvent;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::get_item::GetItemOutput;
use aws_sdk_dynamodb::operation::update_item::UpdateItemOutput;
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::retry::RetryConfig;
use directory::{IdentityDirectory, IdentityId, NewLink, UserPoolId, schema};
use object_owner::batch::handle_batch;
use object_owner::{FolderJobs, ObjectOwner};
use test_support::local_cognito::{LocalCognito, unique_name};

const THROTTLED: &str = "us-east-1:0a000000-0000-4000-8000-000000000000";
const FINE: &str = "us-east-1:0b000000-0000-4000-8000-000000000000";

fn throttled() -> HttpResponse {
    let body =
        serde_json::json!({"__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException", "message": "injected"});
    HttpResponse::new(StatusCode::try_from(400).unwrap(), SdkBody::from(body.to_string()))
}

fn message(id: &str, bucket: &str, key: &str) -> serde_json::Value {
    let body = serde_json::json!({"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
        "eventTime": "2026-12-01T10:00:00.000Z", "eventName": "ObjectCreated:Put",
        "userIdentity": {}, "requestParameters": {},
        "s3": {"bucket": {"name": bucket}, "object": {"key": key, "size": 1, "sequencer": "0A"}},
    }]});
    serde_json::json!({"messageId": id, "receiptHandle": "r", "body": body.to_string(), "eventSource": "aws:sqs"})
}

#[tokio::test]
async fn only_the_record_that_met_the_throttled_directory_fails() {
    let cognito = LocalCognito::from_env().await;
    let s3 = aws_sdk_s3::Client::new(cognito.sdk_config());
    let bucket = unique_name("throttled").to_lowercase();
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    for id in [THROTTLED, FINE] {
        s3.put_object()
            .bucket(&bucket)
            .key(format!("private/{id}/f.txt"))
            .body(b"x".to_vec().into())
            .send()
            .await
            .unwrap();
    }
    let link = NewLink {
        identity_id: IdentityId::parse(FINE).unwrap(),
        user_pool_id: UserPoolId::parse("us-east-1_Throttled1").unwrap(),
        sub: "sub-fine".into(),
        username: "fine".into(),
        linked_at: 1,
    };
    let throttled_key = schema::identity_key(&IdentityId::parse(THROTTLED).unwrap());
    let get_throttled = mock!(Client::get_item)
        .match_requests(move |req| {
            req.key().and_then(|k| k.get(schema::PARTITION_KEY)).and_then(|v| v.as_s().ok()) == Some(&throttled_key)
        })
        .then_http_response(throttled);
    // The fine object's key has no usage state yet.
    let get_object = mock!(Client::get_item)
        .match_requests(|req| {
            req.key()
                .and_then(|k| k.get(schema::PARTITION_KEY))
                .and_then(|v| v.as_s().ok())
                .is_some_and(|key| key.starts_with("object#"))
        })
        .then_output(|| GetItemOutput::builder().build());
    let get_fine = mock!(Client::get_item)
        .then_output(move || GetItemOutput::builder().set_item(Some(schema::identity_item(&link))).build());
    let update = mock!(Client::update_item).then_output(|| UpdateItemOutput::builder().build());
    let retries = RetryConfig::standard().with_max_attempts(2).with_initial_backoff(Duration::from_millis(1));
    let dynamodb: Client =
        mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, [&get_throttled, &get_object, &get_fine, &update], |c| c
            .retry_config(retries.clone()));
    let owner = ObjectOwner::new(s3.clone(), IdentityDirectory::new(dynamodb, "directory"));

    let event: SqsEvent = serde_json::from_value(serde_json::json!({"Records": [
        message("m-throttled", &bucket, &format!("private/{THROTTLED}/f.txt")),
        message("m-fine", &bucket, &format!("private/{FINE}/f.txt")),
    ]}))
    .unwrap();
    // No folder job in this batch: the queue client is never called.
    let jobs =
        FolderJobs::new(owner.clone(), aws_sdk_sqs::Client::new(cognito.sdk_config()), "http://127.0.0.1:9/q", "b", 1);
    let response = handle_batch(&owner, &jobs, event, 1).await.unwrap();
    let failed: Vec<_> = response.batch_item_failures.iter().map(|f| f.item_identifier.as_str()).collect();
    assert_eq!(failed, ["m-throttled"]);
    let fine_tags = s3.get_object_tagging().bucket(&bucket).key(format!("private/{FINE}/f.txt")).send().await.unwrap();
    assert_eq!(fine_tags.tag_set().len(), 2, "the other record was tagged");
    let throttled_tags =
        s3.get_object_tagging().bucket(&bucket).key(format!("private/{THROTTLED}/f.txt")).send().await.unwrap();
    assert!(throttled_tags.tag_set().is_empty(), "nothing done for the throttled one; SQS brings it back");
    // The fine one was counted with single-item updates only: commit, settle, clear, unmark.
    assert_eq!(update.num_calls(), 4);
}
