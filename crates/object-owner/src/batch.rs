//! One SQS batch: each message read, each of its records planned, all of them attributed
//! together (one owner read per IdentityId, one usage update per counter item), and the
//! answer SQS wants (`batchItemFailures`: the messages to deliver again). A failure fails
//! its own message only.

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};

use crate::error::UnidentifiedFailure;
use crate::folder_job::FolderJob;
use crate::folder_page::FolderJobs;
use crate::metrics::BatchTally;
use crate::notification::{Notification, read_notification};
use crate::object_owner::{ObjectDelivery, ObjectOutcome, ObjectOwner};
use crate::record_log::{
    log_attributed, log_failed, log_folder_page, log_forgotten, log_job_failed, log_skipped, log_skipped_record,
    log_sub_failed, log_sub_tagged,
};
use crate::record_plan::{ObjectToAttribute, RecordPlan, SkipReason, plan_bridge_event, plan_record};
use crate::sub_folder::{SubDelivery, SubObject, attribute_sub_objects};

/// What became of one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageOutcome {
    /// Done or skipped for good: SQS may delete it.
    Done,
    /// At least one of its records failed: SQS must deliver it again.
    Failed,
}

/// What one message asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageWork {
    /// Object events to attribute and count, and `users/<sub>/` objects to tag and count (none:
    /// skipped, and logged why).
    Objects(Vec<ObjectToAttribute>, Vec<SubObject>),
    /// Folder job pages to work: a continuation, or the first page of an attribution per
    /// recorded link.
    Jobs(Vec<FolderJob>),
}

/// What `message` asks for, given the bucket attribution jobs list; the records and
/// messages skipped for good are logged.
pub fn work_of(message: &SqsMessage, bucket: &str) -> MessageWork {
    let message_id = message.message_id.as_deref();
    let plans: Vec<RecordPlan> = match read_notification(message.body.as_deref()) {
        Notification::TestEvent => {
            log_skipped(message_id, &"s3:TestEvent");
            return MessageWork::Objects(Vec::new(), Vec::new());
        }
        Notification::Unreadable(reason) | Notification::NothingToDo(reason) => {
            log_skipped(message_id, &reason);
            return MessageWork::Objects(Vec::new(), Vec::new());
        }
        Notification::FolderJob(job) => return MessageWork::Jobs(vec![job]),
        Notification::LinksRecorded(ids) => {
            return MessageWork::Jobs(ids.iter().map(|id| FolderJob::attribution(bucket, id)).collect());
        }
        Notification::Records(records) => records.iter().map(plan_record).collect(),
        Notification::BridgeEvent(event) => vec![plan_bridge_event(&event)],
    };
    let (mut objects, mut sub_objects) = (Vec::new(), Vec::new());
    for plan in plans {
        match plan {
            RecordPlan::Skip(reason) => log_skipped_record(message_id, reason),
            RecordPlan::Attribute(object) => objects.push(object),
            RecordPlan::TagSub(object) => sub_objects.push(object),
        }
    }
    MessageWork::Objects(objects, sub_objects)
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
/// same set and usage is kept per key and event). Object events are attributed together;
/// folder job pages are worked after them, one at a time (a page is up to 1,000 objects),
/// and the same page twice in one batch is worked once.
pub async fn handle_batch(
    owner: &ObjectOwner,
    jobs: &FolderJobs,
    event: SqsEvent,
    now: u64,
) -> Result<SqsBatchResponse, UnidentifiedFailure> {
    let mut deliveries = Vec::new();
    let mut from_message = Vec::new();
    let mut pages: Vec<(usize, FolderJob)> = Vec::new();
    let mut sub_deliveries: Vec<(usize, SubDelivery)> = Vec::new();
    for (index, message) in event.records.iter().enumerate() {
        let redelivered = is_redelivery(message);
        match work_of(message, jobs.bucket()) {
            MessageWork::Objects(objects, sub_objects) => {
                for object in objects {
                    deliveries.push(ObjectDelivery { object, redelivered });
                    from_message.push(index);
                }
                for object in sub_objects {
                    if owner.folder_layout().has_sub_folders() {
                        sub_deliveries.push((index, SubDelivery { object, redelivered }));
                    } else {
                        log_skipped_record(message.message_id.as_deref(), SkipReason::SubFoldersOff);
                    }
                }
            }
            MessageWork::Jobs(found) => pages.extend(found.into_iter().map(|job| (index, job))),
        }
    }
    let mut outcomes = vec![MessageOutcome::Done; event.records.len()];
    let mut tally = BatchTally::default();
    let mut worked: Vec<&FolderJob> = Vec::new();
    for (index, job) in &pages {
        if worked.contains(&job) {
            continue;
        }
        worked.push(job);
        let message_id = event.records[*index].message_id.as_deref();
        match jobs.work(job, is_redelivery(&event.records[*index]), now).await {
            Ok(done) => log_folder_page(message_id, job, &done),
            Err(error) => {
                tally.add_failed_page();
                log_job_failed(message_id, job, &error);
                outcomes[*index] = MessageOutcome::Failed;
            }
        }
    }
    // Boxed: the whole batch's future is deep, and the runtime's loop holds it.
    let results = Box::pin(owner.attribute_all(&deliveries, now)).await;
    for ((delivery, index), result) in deliveries.iter().zip(from_message).zip(results) {
        tally.add(&result);
        match result {
            Ok(ObjectOutcome::Attributed(attributed)) => log_attributed(&delivery.object, &attributed),
            Ok(ObjectOutcome::Forgotten(event)) => log_forgotten(&delivery.object, event),
            Err(error) => {
                log_failed(event.records[index].message_id.as_deref(), &delivery.object, &error);
                outcomes[index] = MessageOutcome::Failed;
            }
        }
    }
    let subs: Vec<SubDelivery> = sub_deliveries.iter().map(|(_, delivery)| delivery.clone()).collect();
    let sub_results = Box::pin(attribute_sub_objects(owner, &subs, now)).await;
    for ((index, delivery), result) in sub_deliveries.iter().zip(sub_results) {
        let message_id = event.records[*index].message_id.as_deref();
        match result {
            Ok(attributed) => log_sub_tagged(&delivery.object, attributed),
            Err(error) => {
                log_sub_failed(message_id, &delivery.object, &error);
                outcomes[*index] = MessageOutcome::Failed;
            }
        }
    }
    tally.record();
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
