//! The SQS event source mapping, locally: polls a queue, invokes a Lambda process with
//! the batch (the event SQS → Lambda sends), deletes the messages the function did not
//! report in `batchItemFailures`, and leaves the failed ones to come back after their
//! visibility timeout (and reach the dead-letter queue after the redrive policy's
//! `maxReceiveCount`, which moto's SQS honours). Every loop is bounded.

use std::time::Duration;

use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, Message, MessageSystemAttributeName};
use serde_json::{Value, json};

use crate::lambda_process::{InvokeOutcome, LambdaProcess};
use crate::local_cognito::REGION;

/// What one poll did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PollReport {
    /// Messages received (the batch size of the invocation; 0: no invocation).
    pub received: usize,
    /// Messages the function reported failed (all of them when the invocation failed).
    pub failed: usize,
    /// Messages deleted from the queue.
    pub deleted: usize,
}

/// One queue feeding one function, as Lambda's event source mapping does.
#[derive(Debug, Clone)]
pub struct SqsEventSource {
    sqs: Client,
    queue_url: String,
    queue_arn: String,
    batch_size: i32,
    wait: Duration,
}

impl SqsEventSource {
    /// Reads `queue_url` (whose ARN is `queue_arn`) in batches of up to 10, waiting up to
    /// 1 s per receive.
    pub fn new(sqs: Client, queue_url: impl Into<String>, queue_arn: impl Into<String>) -> Self {
        SqsEventSource {
            sqs,
            queue_url: queue_url.into(),
            queue_arn: queue_arn.into(),
            batch_size: 10,
            wait: Duration::from_secs(1),
        }
    }

    /// Batches of up to `batch_size` (1 to 10) messages, as the mapping's `BatchSize`.
    pub fn with_batch_size(mut self, batch_size: i32) -> Self {
        self.batch_size = batch_size.clamp(1, 10);
        self
    }

    /// Receives one batch and, if it is not empty, invokes `function` with it and deletes
    /// what succeeded.
    pub async fn poll_once(&self, function: &mut LambdaProcess) -> PollReport {
        let received = self
            .sqs
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(self.batch_size)
            .wait_time_seconds(self.wait.as_secs() as i32)
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .send()
            .await
            .expect("ReceiveMessage");
        let messages = received.messages.unwrap_or_default();
        if messages.is_empty() {
            return PollReport::default();
        }
        let event = sqs_event(&messages, &self.queue_arn);
        let failed: Vec<String> = match function.invoke(&event).await {
            InvokeOutcome::Response(response) => response["batchItemFailures"]
                .as_array()
                .map(|failures| {
                    failures.iter().filter_map(|f| f["itemIdentifier"].as_str().map(str::to_owned)).collect()
                })
                .unwrap_or_default(),
            // A failed invocation fails the whole batch.
            InvokeOutcome::Error { .. } => messages.iter().filter_map(|m| m.message_id.clone()).collect(),
        };
        let entries: Vec<DeleteMessageBatchRequestEntry> = messages
            .iter()
            .filter(|m| m.message_id.as_ref().is_some_and(|id| !failed.contains(id)))
            .enumerate()
            .map(|(n, m)| {
                DeleteMessageBatchRequestEntry::builder()
                    .id(format!("m{n}"))
                    .receipt_handle(m.receipt_handle.clone().unwrap_or_default())
                    .build()
                    .expect("delete entry")
            })
            .collect();
        let deleted = entries.len();
        if deleted > 0 {
            let result = self
                .sqs
                .delete_message_batch()
                .queue_url(&self.queue_url)
                .set_entries(Some(entries))
                .send()
                .await
                .expect("DeleteMessageBatch");
            assert!(result.failed().is_empty(), "DeleteMessageBatch failed for {:?}", result.failed());
        }
        PollReport { received: messages.len(), failed: failed.len(), deleted }
    }

    /// Polls until `idle_polls` receives in a row came back empty, or `max_polls` polls
    /// were made, and returns every non-empty poll's report.
    pub async fn run_until_idle(
        &self,
        function: &mut LambdaProcess,
        max_polls: usize,
        idle_polls: usize,
    ) -> Vec<PollReport> {
        let mut reports = Vec::new();
        let mut idle = 0;
        for _ in 0..max_polls {
            let report = self.poll_once(function).await;
            if report.received == 0 {
                idle += 1;
                if idle >= idle_polls {
                    break;
                }
            } else {
                idle = 0;
                reports.push(report);
            }
        }
        reports
    }
}

/// The event Lambda's SQS event source sends for `messages` of the queue `queue_arn`.
pub fn sqs_event(messages: &[Message], queue_arn: &str) -> Value {
    let records: Vec<Value> = messages
        .iter()
        .map(|m| {
            let attributes: serde_json::Map<String, Value> = m
                .attributes()
                .map(|attrs| attrs.iter().map(|(k, v)| (k.as_str().to_owned(), Value::String(v.clone()))).collect())
                .unwrap_or_default();
            json!({
                "messageId": m.message_id(),
                "receiptHandle": m.receipt_handle(),
                "body": m.body(),
                "attributes": attributes,
                "messageAttributes": {},
                "md5OfBody": m.md5_of_body(),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": REGION,
            })
        })
        .collect();
    json!({ "Records": records })
}
