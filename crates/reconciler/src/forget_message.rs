//! The reconciler's message to the forget queue (the contract with the forget function):
//! `{"source":"cognito-bridge.reconciler","detail-type":"Cognito user not found",
//! "detail":{"userPoolId":…,"sub":…}}`, sent ten to a `SendMessageBatch`.

use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use lambda_foundation::UserPoolId;
use lambda_foundation::aws_failure::AwsFailure;
use serde_json::json;

/// `source` of a reconciler message.
pub const SOURCE: &str = "cognito-bridge.reconciler";
/// `detail-type` of a reconciler message.
pub const DETAIL_TYPE: &str = "Cognito user not found";
/// The most messages one `SendMessageBatch` carries.
pub const MAX_BATCH: usize = 10;

/// The body of the message for the user `sub` of `pool`.
pub fn forget_message(pool: &UserPoolId, sub: &str) -> String {
    json!({"source": SOURCE, "detail-type": DETAIL_TYPE, "detail": {"userPoolId": pool.as_str(), "sub": sub}})
        .to_string()
}

/// Why messages could not all be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The call itself failed.
    #[error(transparent)]
    Call(#[from] AwsFailure),
    /// SQS refused some entries, twice.
    #[error("the forget queue refused {0} messages")]
    Refused(usize),
}

/// Sends one message per `sub` (at most [`MAX_BATCH`]): one `SendMessageBatch`, and one
/// more for the entries SQS refused, if any. Returns the calls made.
pub async fn send_batch(sqs: &Client, queue_url: &str, pool: &UserPoolId, subs: &[String]) -> Result<u32, SendError> {
    assert!(subs.len() <= MAX_BATCH, "a batch holds at most {MAX_BATCH} messages");
    let mut pending: Vec<usize> = (0..subs.len()).collect();
    let mut calls = 0;
    for _attempt in 0..2 {
        if pending.is_empty() {
            break;
        }
        let entries = pending
            .iter()
            .map(|&i| {
                SendMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .message_body(forget_message(pool, &subs[i]))
                    .build()
                    .expect("id and body are set")
            })
            .collect::<Vec<_>>();
        calls += 1;
        let output = sqs
            .send_message_batch()
            .queue_url(queue_url)
            .set_entries(Some(entries))
            .send()
            .await
            .map_err(|error| AwsFailure::from_sdk_error("SendMessageBatch", &error))?;
        pending = output.failed().iter().filter_map(|failed| failed.id().parse::<usize>().ok()).collect();
    }
    if pending.is_empty() { Ok(calls) } else { Err(SendError::Refused(pending.len())) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_is_the_contract() {
        let pool = UserPoolId::parse("us-east-1_Pool1").unwrap();
        let body: serde_json::Value = serde_json::from_str(&forget_message(&pool, "s-1")).unwrap();
        assert_eq!(
            body,
            json!({"source": "cognito-bridge.reconciler", "detail-type": "Cognito user not found",
                   "detail": {"userPoolId": "us-east-1_Pool1", "sub": "s-1"}})
        );
    }
}
