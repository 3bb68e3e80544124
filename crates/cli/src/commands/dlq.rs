//! `dlq`: shows the object-events dead-letter queue's messages (the object keys, the
//! receive count, the first receive, why when the message tells), and with `--redrive`
//! moves them back to the object-events queue.
//!
//! Listing never consumes: each message is received with a short visibility timeout and
//! released (visibility 0) once the listing is done. Redrive is receive → send → delete,
//! one message at a time, and a message is deleted only after its copy was accepted by the
//! source queue. SQS's own `StartMessageMoveTask` is not used: the local emulator (moto)
//! does not implement it, it moves malformed messages too (which the function would then
//! acknowledge, dropping them), and it reports no per-message outcome. A malformed message
//! is shown as malformed and stays in the dead-letter queue.

use std::collections::HashMap;

use aws_sdk_sqs::types::{ChangeMessageVisibilityBatchRequestEntry, Message, MessageSystemAttributeName};
use serde_json::json;

use crate::aws_call_error::AwsCallError;
use crate::cli_args::DlqArgs;
use crate::context::Context;
use crate::dead_letter::{DeadLetter, ReceivedAttributes, read_dead_letter, rfc3339_ms};
use crate::error::CliError;
use crate::output::Output;

/// Seconds a listed message stays hidden: long enough for one listing, short enough that
/// the function sees nothing amiss if the CLI is killed before releasing it.
const LIST_VISIBILITY_SECONDS: i32 = 30;
/// Seconds a message being redriven stays hidden while its copy is sent.
const REDRIVE_VISIBILITY_SECONDS: i32 = 60;
/// Long polling for one second: a short poll samples only some of SQS's servers and can
/// answer "empty" while messages wait.
const WAIT_SECONDS: i32 = 1;

/// `dlq`: lists, or with `--redrive` moves back, the dead-lettered messages.
pub async fn dlq(context: &Context, args: &DlqArgs) -> Result<Output, CliError> {
    let dlq_url = context.config.dlq_url()?;
    let sqs = aws_sdk_sqs::Client::new(context.config.sdk()?);
    let max = args.max as usize;
    match args.redrive {
        false => list(&sqs, dlq_url, max).await,
        true => redrive(&sqs, dlq_url, context.config.queue_url()?, max).await,
    }
}

/// A received message: what it says and the handle to release or delete it.
struct Held {
    letter: DeadLetter,
    body: Option<String>,
    attributes: Option<HashMap<String, aws_sdk_sqs::types::MessageAttributeValue>>,
    receipt_handle: Option<String>,
}

fn held(message: Message) -> Held {
    let system = message.attributes.unwrap_or_default();
    let attribute = |name: MessageSystemAttributeName| system.get(&name).cloned();
    let received = ReceivedAttributes {
        receive_count: attribute(MessageSystemAttributeName::ApproximateReceiveCount),
        first_received: attribute(MessageSystemAttributeName::ApproximateFirstReceiveTimestamp),
        sent: attribute(MessageSystemAttributeName::SentTimestamp),
    };
    let message_id = message.message_id.unwrap_or_default();
    Held {
        letter: read_dead_letter(&message_id, message.body.as_deref(), &received),
        body: message.body,
        attributes: message.message_attributes,
        receipt_handle: message.receipt_handle,
    }
}

async fn receive(
    sqs: &aws_sdk_sqs::Client,
    queue_url: &str,
    count: usize,
    visibility: i32,
) -> Result<Vec<Message>, AwsCallError> {
    let answer = sqs
        .receive_message()
        .queue_url(queue_url)
        .max_number_of_messages(count.clamp(1, 10) as i32)
        .visibility_timeout(visibility)
        .wait_time_seconds(WAIT_SECONDS)
        .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
        .message_system_attribute_names(MessageSystemAttributeName::ApproximateFirstReceiveTimestamp)
        .message_system_attribute_names(MessageSystemAttributeName::SentTimestamp)
        .message_attribute_names("All")
        .send()
        .await
        .map_err(|err| AwsCallError::from_sdk(&err))?;
    Ok(answer.messages.unwrap_or_default())
}

/// Makes the messages visible again (visibility 0), ten per call. Returns how many SQS
/// did not release: those reappear by themselves when their visibility timeout ends.
async fn release(sqs: &aws_sdk_sqs::Client, queue_url: &str, handles: &[String]) -> usize {
    let mut unreleased = 0;
    for chunk in handles.chunks(10) {
        let entries: Vec<_> = chunk
            .iter()
            .enumerate()
            .filter_map(|(i, handle)| {
                ChangeMessageVisibilityBatchRequestEntry::builder()
                    .id(i.to_string())
                    .receipt_handle(handle)
                    .visibility_timeout(0)
                    .build()
                    .ok()
            })
            .collect();
        let answer = sqs.change_message_visibility_batch().queue_url(queue_url).set_entries(Some(entries)).send().await;
        unreleased += match answer {
            Ok(answer) => answer.failed.len(),
            Err(_) => chunk.len(),
        };
    }
    unreleased
}

/// Receives until the queue has nothing new (or `max` messages), holding each one
/// hidden, then releases them all. The newest receipt handle of each message is kept:
/// SQS honours only the latest one.
async fn list(sqs: &aws_sdk_sqs::Client, dlq_url: &str, max: usize) -> Result<Output, CliError> {
    let mut letters: Vec<DeadLetter> = Vec::new();
    let mut handles: HashMap<String, String> = HashMap::new();
    let outcome = loop {
        if letters.len() >= max {
            break Ok(());
        }
        let messages = match receive(sqs, dlq_url, max - letters.len(), LIST_VISIBILITY_SECONDS).await {
            Ok(messages) => messages,
            Err(err) => break Err(err),
        };
        let mut new = 0;
        for message in messages {
            let message = held(message);
            let id = message.letter.message_id.clone();
            if let Some(handle) = message.receipt_handle {
                handles.insert(id.clone(), handle);
            }
            if !letters.iter().any(|letter| letter.message_id == id) {
                letters.push(message.letter);
                new += 1;
            }
        }
        if new == 0 {
            break Ok(());
        }
    };
    let handles: Vec<String> = handles.into_values().collect();
    let unreleased = release(sqs, dlq_url, &handles).await;
    outcome.map_err(|err| err.into_error("dlq", dlq_url, Some(format!("check {}", dlq_check()))))?;
    Ok(list_report(dlq_url, &letters, unreleased, letters.len() >= max))
}

fn dlq_check() -> String {
    crate::settings::Setting::DlqUrl.names()
}

fn list_report(dlq_url: &str, letters: &[DeadLetter], unreleased: usize, truncated: bool) -> Output {
    let malformed = letters.iter().filter(|letter| letter.shape.is_malformed()).count();
    let mut human = format!(
        "dead-letter queue {dlq_url}: {} message{}{}",
        letters.len(),
        if letters.len() == 1 { "" } else { "s" },
        if malformed > 0 { format!(" ({malformed} malformed)") } else { String::new() }
    );
    for letter in letters {
        human.push_str(&format!("\n  {}  {}", letter.message_id, letter.shape.name()));
        if let Some(count) = letter.receive_count {
            human.push_str(&format!(", received {count} times"));
        }
        if let Some(first) = letter.first_received_ms {
            human.push_str(&format!(", first {}", rfc3339_ms(first)));
        }
        for key in &letter.keys {
            human.push_str(&format!("\n      key  {key}"));
        }
        let why = letter.why.clone().unwrap_or_else(|| {
            "not in the message: the object-owner function's log names the failure with this message id".into()
        });
        human.push_str(&format!("\n      why  {why}"));
    }
    if truncated {
        human.push_str("\n(stopped at --max; more may wait)");
    }
    if unreleased > 0 {
        human.push_str(&format!(
            "\n{unreleased} message(s) could not be released: they reappear within {LIST_VISIBILITY_SECONDS} s"
        ));
    }
    let json = json!({
        "queueUrl": dlq_url,
        "count": letters.len(),
        "malformed": malformed,
        "truncated": truncated,
        "unreleased": unreleased,
        "messages": letters.iter().map(DeadLetter::to_json).collect::<Vec<_>>(),
    });
    Output::Report { human, json }
}

/// What became of the messages a redrive received.
#[derive(Debug, Default)]
struct RedriveCounts {
    moved: Vec<String>,
    kept_malformed: Vec<DeadLetter>,
    /// Message id and the cause; the message stays in the dead-letter queue.
    failed: Vec<(String, String)>,
    /// Sent, but the dead-letter copy could not be deleted: it will be listed again (the
    /// function counts a change once, so a second delivery is harmless).
    sent_not_deleted: Vec<(String, String)>,
}

async fn redrive(sqs: &aws_sdk_sqs::Client, dlq_url: &str, source_url: &str, max: usize) -> Result<Output, CliError> {
    let mut counts = RedriveCounts::default();
    let mut seen: Vec<String> = Vec::new();
    let mut hold: HashMap<String, String> = HashMap::new();
    let outcome = loop {
        if seen.len() >= max {
            break Ok(());
        }
        let messages = match receive(sqs, dlq_url, max - seen.len(), REDRIVE_VISIBILITY_SECONDS).await {
            Ok(messages) => messages,
            Err(err) => break Err(err),
        };
        let mut new = 0;
        for message in messages {
            let message = held(message);
            let id = message.letter.message_id.clone();
            let Some(handle) = message.receipt_handle.clone() else { continue };
            if seen.contains(&id) {
                hold.insert(id, handle);
                continue;
            }
            seen.push(id.clone());
            new += 1;
            if message.letter.shape.is_malformed() {
                counts.kept_malformed.push(message.letter);
                hold.insert(id, handle);
                continue;
            }
            let sent = sqs
                .send_message()
                .queue_url(source_url)
                .set_message_body(message.body)
                .set_message_attributes(message.attributes)
                .send()
                .await;
            if let Err(err) = sent {
                counts.failed.push((id.clone(), AwsCallError::from_sdk(&err).cause()));
                hold.insert(id, handle);
                continue;
            }
            match sqs.delete_message().queue_url(dlq_url).receipt_handle(&handle).send().await {
                Ok(_) => counts.moved.push(id),
                Err(err) => {
                    counts.sent_not_deleted.push((id.clone(), AwsCallError::from_sdk(&err).cause()));
                    hold.insert(id, handle);
                }
            }
        }
        if new == 0 {
            break Ok(());
        }
    };
    let handles: Vec<String> = hold.into_values().collect();
    release(sqs, dlq_url, &handles).await;
    outcome.map_err(|err| err.into_error("dlq --redrive", dlq_url, Some(format!("check {}", dlq_check()))))?;
    if let Some((_, cause)) = counts.failed.first() {
        return Err(CliError::Aws {
            action: "dlq --redrive",
            cause: format!(
                "moved {}, failed {} (first: {cause}), kept {} malformed",
                counts.moved.len(),
                counts.failed.len(),
                counts.kept_malformed.len()
            ),
            hint: Some(format!(
                "no failed message was deleted: they stay in the dead-letter queue; check {}",
                crate::settings::Setting::QueueUrl.names()
            )),
        });
    }
    Ok(redrive_report(dlq_url, source_url, &counts, seen.len() >= max))
}

fn redrive_report(dlq_url: &str, source_url: &str, counts: &RedriveCounts, truncated: bool) -> Output {
    let mut human = format!(
        "redrive from {dlq_url} to {source_url}: {} moved, {} kept (malformed), {} failed",
        counts.moved.len(),
        counts.kept_malformed.len(),
        counts.failed.len()
    );
    for letter in &counts.kept_malformed {
        human.push_str(&format!(
            "\n  kept {}  malformed: {}",
            letter.message_id,
            letter.why.as_deref().unwrap_or("unreadable")
        ));
    }
    for (id, cause) in &counts.sent_not_deleted {
        human.push_str(&format!("\n  sent {id} but could not delete it from the dead-letter queue: {cause}"));
    }
    if truncated {
        human.push_str("\n(stopped at --max; more may wait)");
    }
    let json = json!({
        "queueUrl": dlq_url,
        "sourceQueueUrl": source_url,
        "moved": counts.moved.len(),
        "failed": counts.failed.len(),
        "keptMalformed": counts.kept_malformed.iter().map(DeadLetter::to_json).collect::<Vec<_>>(),
        "sentNotDeleted": counts.sent_not_deleted.iter().map(|(id, cause)| json!({"messageId": id, "cause": cause})).collect::<Vec<_>>(),
        "truncated": truncated,
    });
    Output::Report { human, json }
}
