//! One SQS batch of the forget queue: each message read and its user forgotten, and the
//! answer SQS wants (`batchItemFailures`: the messages to deliver again, and after
//! `maxReceiveCount` to the dead-letter queue). A failure fails its own message only.

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};

use crate::forget_engine::{Forgetter, Forgot};
use crate::forget_message::{ForgetMessage, read_forget_message};
use crate::metrics::ForgetTally;
use directory::UserPoolId;

/// Handles a batch; `pools` are the configured user pools, tried for a record that names
/// none. Log lines name message ids and outcomes, never a `sub` or an IdentityId.
pub async fn handle_batch(
    forgetter: &Forgetter,
    pools: &[UserPoolId],
    event: SqsEvent,
    now: u64,
) -> (SqsBatchResponse, ForgetTally) {
    let mut response = SqsBatchResponse::default();
    let mut tally = ForgetTally::default();
    for message in event.records {
        let message_id = message.message_id.clone().unwrap_or_default();
        let failed = match read_forget_message(message.body.as_deref()) {
            Err(malformed) => {
                tracing::warn!(
                    message_id,
                    reason = malformed.0,
                    "forget message is malformed; it will be retried, then dead-lettered"
                );
                true
            }
            Ok(ForgetMessage::FailedCall) => {
                tracing::info!(message_id, "the delete call failed; nothing to forget");
                false
            }
            Ok(ForgetMessage::Forget(request)) => {
                let result = match &request.user_pool_id {
                    Some(pool) if pools.is_empty() || pools.contains(pool) => {
                        forgetter.forget(pool, &request.sub, now).await
                    }
                    Some(_) => Ok(Forgot::NotFound),
                    None => forgetter.forget_in_any(pools, &request.sub, now).await,
                };
                match result {
                    Ok(Forgot::Forgotten(report)) => {
                        tally.forgotten += 1;
                        tracing::info!(
                            message_id,
                            identities = report.identities,
                            untagged = report.folder.untagged,
                            deleted = report.folder.deleted,
                            "user forgotten"
                        );
                        false
                    }
                    Ok(Forgot::AlreadyForgotten) => {
                        tally.already_forgotten += 1;
                        tracing::info!(message_id, "user already forgotten");
                        false
                    }
                    Ok(Forgot::NotFound) => {
                        tally.not_found += 1;
                        tracing::info!(message_id, "user not found in the directory; nothing written");
                        false
                    }
                    Err(error) => {
                        tracing::warn!(message_id, error = %error, "forget did not finish; the message will be retried");
                        true
                    }
                }
            }
        };
        if failed {
            tally.failed += 1;
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = message_id;
            response.batch_item_failures.push(failure);
        }
    }
    (response, tally)
}
