//! One SQS batch: each message read, each of its records planned and attributed, and
//! the answer SQS wants (`batchItemFailures`: the messages to deliver again). Messages are
//! processed concurrently; a failure fails its own message only.

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};

use crate::error::UnidentifiedFailure;
use crate::notification::{Notification, read_notification};
use crate::object_owner::ObjectOwner;
use crate::record_log::{log_attributed, log_failed, log_skipped, log_skipped_record};
use crate::record_plan::{RecordPlan, plan_record};

/// What became of one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageOutcome {
    /// Done or skipped for good: SQS may delete it.
    Done,
    /// At least one of its records failed: SQS must deliver it again.
    Failed,
}

/// Processes one message: every record is tried, even after one failed (what succeeded is
/// not redone on redelivery: tags merge to the same set and counts are kept per event).
pub async fn process_message(owner: &ObjectOwner, message: &SqsMessage, now: u64) -> MessageOutcome {
    let message_id = message.message_id.as_deref();
    let records = match read_notification(message.body.as_deref()) {
        Notification::TestEvent => {
            log_skipped(message_id, &"s3:TestEvent");
            return MessageOutcome::Done;
        }
        Notification::Unreadable(reason) => {
            log_skipped(message_id, &reason);
            return MessageOutcome::Done;
        }
        Notification::Records(records) => records,
    };
    let mut outcome = MessageOutcome::Done;
    for record in &records {
        let object = match plan_record(record) {
            RecordPlan::Skip(reason) => {
                log_skipped_record(message_id, reason);
                continue;
            }
            RecordPlan::Attribute(object) => object,
        };
        match owner.attribute(&object, now).await {
            Ok(attributed) => log_attributed(&object, &attributed),
            Err(error) => {
                log_failed(message_id, &object, &error);
                outcome = MessageOutcome::Failed;
            }
        }
    }
    outcome
}

/// The batch answer from each message's id and outcome, in any order.
pub fn batch_response(
    outcomes: impl IntoIterator<Item = (Option<String>, MessageOutcome)>,
) -> Result<SqsBatchResponse, UnidentifiedFailure> {
    let mut response = SqsBatchResponse::default();
    for (message_id, outcome) in outcomes {
        if outcome == MessageOutcome::Failed {
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = message_id.ok_or(UnidentifiedFailure)?;
            response.batch_item_failures.push(failure);
        }
    }
    Ok(response)
}

/// Processes `event`, its messages concurrently, at `now` (Unix seconds).
pub async fn handle_batch(
    owner: &ObjectOwner,
    event: SqsEvent,
    now: u64,
) -> Result<SqsBatchResponse, UnidentifiedFailure> {
    let mut tasks = tokio::task::JoinSet::new();
    let mut ids = Vec::with_capacity(event.records.len());
    for (index, message) in event.records.into_iter().enumerate() {
        ids.push(message.message_id.clone());
        let owner = owner.clone();
        tasks.spawn(async move { (index, process_message(&owner, &message, now).await) });
    }
    // A message whose task did not report (it panicked) is failed, so it comes back.
    let mut outcomes = vec![MessageOutcome::Failed; ids.len()];
    while let Some(joined) = tasks.join_next().await {
        if let Ok((index, outcome)) = joined {
            outcomes[index] = outcome;
        }
    }
    batch_response(ids.into_iter().zip(outcomes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_failed_messages_are_reported() {
        let response = batch_response([
            (Some("m1".into()), MessageOutcome::Done),
            (Some("m2".into()), MessageOutcome::Failed),
            (None, MessageOutcome::Done),
            (Some("m4".into()), MessageOutcome::Failed),
        ])
        .unwrap();
        let failed: Vec<_> = response.batch_item_failures.iter().map(|f| f.item_identifier.as_str()).collect();
        assert_eq!(failed, ["m2", "m4"]);
        let json = serde_json::to_value(&response).unwrap();
        assert_eq!(json["batchItemFailures"][0]["itemIdentifier"], "m2");
    }

    #[test]
    fn a_failed_message_without_an_id_fails_the_batch() {
        assert_eq!(batch_response([(None, MessageOutcome::Failed)]).unwrap_err(), UnidentifiedFailure);
        assert!(batch_response([]).unwrap().batch_item_failures.is_empty());
    }
}
