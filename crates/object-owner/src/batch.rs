//! One SQS batch: each message read, each of its records planned, all of them attributed
//! together (one owner read per IdentityId, one usage update per counter item), and the
//! answer SQS wants (`batchItemFailures`: the messages to deliver again). A failure fails
//! its own message only.

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};

use crate::error::UnidentifiedFailure;
use crate::notification::{Notification, read_notification};
use crate::object_owner::{ObjectDelivery, ObjectOwner};
use crate::record_log::{log_attributed, log_failed, log_skipped, log_skipped_record};
use crate::record_plan::{ObjectToAttribute, RecordPlan, plan_record};

/// What became of one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageOutcome {
    /// Done or skipped for good: SQS may delete it.
    Done,
    /// At least one of its records failed: SQS must deliver it again.
    Failed,
}

/// The objects one message's records name; the records skipped for good are logged.
pub fn objects_of(message: &SqsMessage) -> Vec<ObjectToAttribute> {
    let message_id = message.message_id.as_deref();
    let records = match read_notification(message.body.as_deref()) {
        Notification::TestEvent => {
            log_skipped(message_id, &"s3:TestEvent");
            return Vec::new();
        }
        Notification::Unreadable(reason) => {
            log_skipped(message_id, &reason);
            return Vec::new();
        }
        Notification::Records(records) => records,
    };
    records
        .iter()
        .filter_map(|record| match plan_record(record) {
            RecordPlan::Skip(reason) => {
                log_skipped_record(message_id, reason);
                None
            }
            RecordPlan::Attribute(object) => Some(object),
        })
        .collect()
}

/// Whether SQS delivered `message` before (`ApproximateReceiveCount` above 1).
pub fn is_redelivery(message: &SqsMessage) -> bool {
    message.attributes.get("ApproximateReceiveCount").and_then(|count| count.parse::<u32>().ok()).is_some_and(|n| n > 1)
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

/// Processes `event` at `now` (Unix seconds): every record of every message is tried,
/// even after one failed (what succeeded is not redone on redelivery: tags merge to the
/// same set and usage is kept per key and event).
pub async fn handle_batch(
    owner: &ObjectOwner,
    event: SqsEvent,
    now: u64,
) -> Result<SqsBatchResponse, UnidentifiedFailure> {
    let mut deliveries = Vec::new();
    let mut from_message = Vec::new();
    for (index, message) in event.records.iter().enumerate() {
        let redelivered = is_redelivery(message);
        for object in objects_of(message) {
            deliveries.push(ObjectDelivery { object, redelivered });
            from_message.push(index);
        }
    }
    let mut outcomes = vec![MessageOutcome::Done; event.records.len()];
    // Boxed: the whole batch's future is deep, and the runtime's loop holds it.
    let results = Box::pin(owner.attribute_all(&deliveries, now)).await;
    for ((delivery, index), result) in deliveries.iter().zip(from_message).zip(results) {
        match result {
            Ok(attributed) => log_attributed(&delivery.object, &attributed),
            Err(error) => {
                log_failed(event.records[index].message_id.as_deref(), &delivery.object, &error);
                outcomes[index] = MessageOutcome::Failed;
            }
        }
    }
    batch_response(event.records.into_iter().map(|message| message.message_id).zip(outcomes))
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
