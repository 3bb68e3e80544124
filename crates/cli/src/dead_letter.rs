//! What one dead-lettered message of the object-events queue says, for `dlq`: its shape,
//! the object key(s) it names, and why the function would not take it, read with the
//! object-owner function's own parser (`object_owner::notification`), so that the CLI
//! and the function can never disagree about a message. Pure: text in, plain data out;
//! nothing here changes the queue.

use directory::{PRIVATE_PREFIX, decode_event_key};
use object_owner::notification::{Notification, read_notification};
use object_owner::record_plan::{RecordPlan, plan_bridge_event, plan_record};
use serde_json::{Value, json};

/// One message read from the dead-letter queue (never its receipt handle, which is a
/// short-lived credential to delete it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// SQS's message id.
    pub message_id: String,
    /// What kind of message it is.
    pub shape: MessageShape,
    /// The object keys (or folder prefixes) it names, decoded as S3 stores them.
    pub keys: Vec<String>,
    /// `ApproximateReceiveCount` (it includes this listing's own receive).
    pub receive_count: Option<u64>,
    /// `ApproximateFirstReceiveTimestamp`, epoch milliseconds.
    pub first_received_ms: Option<u64>,
    /// `SentTimestamp`, epoch milliseconds.
    pub sent_ms: Option<u64>,
    /// Why it is here, when the message itself tells.
    pub why: Option<String>,
}

/// The shapes the object-events queue carries, plus "malformed".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageShape {
    /// An S3 event notification (or S3's test event).
    S3Notification,
    /// An EventBridge S3 object event.
    EventBridge,
    /// A page of a folder job (attribution or sweep).
    FolderJob,
    /// A directory stream record of a new link.
    StreamRecord,
    /// A well-formed message that asks the function for nothing.
    NothingToDo,
    /// None of the shapes: the reason (never the body).
    Malformed(String),
}

impl MessageShape {
    /// A short name for text and JSON.
    pub fn name(&self) -> &'static str {
        match self {
            MessageShape::S3Notification => "s3-notification",
            MessageShape::EventBridge => "eventbridge-s3-event",
            MessageShape::FolderJob => "folder-job",
            MessageShape::StreamRecord => "stream-record",
            MessageShape::NothingToDo => "nothing-to-do",
            MessageShape::Malformed(_) => "malformed",
        }
    }

    /// Whether the message is none of the known shapes. A malformed message is never
    /// redriven: the function would acknowledge and so drop it.
    pub fn is_malformed(&self) -> bool {
        matches!(self, MessageShape::Malformed(_))
    }
}

/// The SQS attributes `dlq` asks for, as SQS sends them (text).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReceivedAttributes {
    /// `ApproximateReceiveCount`.
    pub receive_count: Option<String>,
    /// `ApproximateFirstReceiveTimestamp`.
    pub first_received: Option<String>,
    /// `SentTimestamp`.
    pub sent: Option<String>,
}

/// Reads one message: `body` as the function reads it, the attributes as numbers.
pub fn read_dead_letter(message_id: &str, body: Option<&str>, attributes: &ReceivedAttributes) -> DeadLetter {
    let number = |text: &Option<String>| text.as_deref().and_then(|text| text.trim().parse::<u64>().ok());
    let (shape, keys, why) = read_body(body);
    DeadLetter {
        message_id: message_id.to_owned(),
        shape,
        keys,
        receive_count: number(&attributes.receive_count),
        first_received_ms: number(&attributes.first_received),
        sent_ms: number(&attributes.sent),
        why,
    }
}

fn read_body(body: Option<&str>) -> (MessageShape, Vec<String>, Option<String>) {
    match read_notification(body) {
        Notification::TestEvent => (
            MessageShape::S3Notification,
            Vec::new(),
            Some("S3's test event: the function acknowledges it, nothing to redo".into()),
        ),
        Notification::Records(records) => {
            let keys = records
                .iter()
                .filter_map(|record| record.s3.object.key.as_deref())
                .map(|key| decode_event_key(key).unwrap_or_else(|_| key.to_owned()))
                .collect();
            let skipped: Vec<String> = records
                .iter()
                .filter_map(|record| match plan_record(record) {
                    RecordPlan::Skip(reason) => Some(reason.to_string()),
                    RecordPlan::Attribute(_) | RecordPlan::TagSub(_) => None,
                })
                .collect();
            (MessageShape::S3Notification, keys, skip_why(skipped))
        }
        Notification::BridgeEvent(event) => {
            let why = match plan_bridge_event(&event) {
                RecordPlan::Skip(reason) => skip_why(vec![reason.to_string()]),
                RecordPlan::Attribute(_) | RecordPlan::TagSub(_) => None,
            };
            (MessageShape::EventBridge, vec![event.key], why)
        }
        Notification::LinksRecorded(identity_ids) => (
            MessageShape::StreamRecord,
            identity_ids.iter().map(|id| format!("{PRIVATE_PREFIX}{}/", id.as_str())).collect(),
            None,
        ),
        Notification::FolderJob(job) => {
            let page = match &job.run_id {
                Some(run) => format!("page {} of sweep run {run}", job.page),
                None => format!("page {}", job.page),
            };
            // Where the page was, which the function's log lines name too.
            (
                MessageShape::FolderJob,
                vec![job.prefix.clone()],
                Some(format!("a folder job's {page} in {}", job.bucket)),
            )
        }
        Notification::NothingToDo(reason) => (MessageShape::NothingToDo, Vec::new(), Some(reason.to_owned())),
        Notification::Unreadable(reason) => {
            (MessageShape::Malformed(reason.to_owned()), Vec::new(), Some(reason.to_owned()))
        }
    }
}

fn skip_why(reasons: Vec<String>) -> Option<String> {
    match reasons.is_empty() {
        true => None,
        false => Some(format!("the function skips it for good: {}", reasons.join("; "))),
    }
}

impl DeadLetter {
    /// The message as `dlq --json` shows it.
    pub fn to_json(&self) -> Value {
        json!({
            "messageId": self.message_id,
            "shape": self.shape.name(),
            "malformed": self.shape.is_malformed(),
            "keys": self.keys,
            "receiveCount": self.receive_count,
            "firstReceivedAt": self.first_received_ms.map(rfc3339_ms),
            "sentAt": self.sent_ms.map(rfc3339_ms),
            "why": self.why,
        })
    }
}

/// Epoch milliseconds as RFC 3339 (seconds precision).
pub fn rfc3339_ms(epoch_ms: u64) -> String {
    crate::output::rfc3339(epoch_ms / 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "us-east-1:0f0c7e2a-1111-4222-8333-444455556666";

    fn read(body: &str) -> DeadLetter {
        let attributes = ReceivedAttributes {
            receive_count: Some("6".into()),
            first_received: Some("1796000000123".into()),
            sent: Some("x".into()),
        };
        read_dead_letter("m-1", Some(body), &attributes)
    }

    #[test]
    fn an_s3_notification_names_its_decoded_key() {
        let body = json!({"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
            "eventTime": "2026-12-01T18:34:00.161Z", "eventName": "ObjectCreated:Put",
            "s3": {"s3SchemaVersion": "1.0", "configurationId": "c", "bucket": {"name": "b-1", "arn": "arn:aws:s3:::b-1"},
                "object": {"key": format!("private%2F{}%2Fmy+cat.jpg", ID.replace(':', "%3A")), "size": 5, "sequencer": "0A"}}}]})
        .to_string();
        let letter = read(&body);
        assert_eq!(letter.shape, MessageShape::S3Notification);
        assert_eq!(letter.keys, vec![format!("private/{ID}/my cat.jpg")]);
        assert_eq!(letter.receive_count, Some(6));
        assert_eq!(letter.first_received_ms, Some(1_796_000_000_123));
        assert_eq!(letter.sent_ms, None, "an unreadable attribute is unknown, not an error");
        assert_eq!(letter.why, None, "a good record's failure is not in the message");
    }

    #[test]
    fn a_record_the_function_skips_says_so() {
        let body = json!({"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
            "eventTime": "2026-12-01T18:34:00.161Z", "eventName": "ObjectCreated:Put",
            "s3": {"s3SchemaVersion": "1.0", "configurationId": "c", "bucket": {"name": "b-1", "arn": "arn:aws:s3:::b-1"},
                "object": {"key": "public%2Fx.txt", "size": 5, "sequencer": "0A"}}}]})
        .to_string();
        let letter = read(&body);
        assert_eq!(letter.keys, vec!["public/x.txt".to_owned()]);
        assert!(letter.why.unwrap().starts_with("the function skips it for good: "));
    }

    #[test]
    fn eventbridge_events_folder_jobs_and_stream_records_name_what_they_touch() {
        let bridge = json!({"version": "0", "id": "1", "detail-type": "Object Deleted", "source": "aws.s3",
            "account": "1", "time": "2026-12-01T00:00:00Z", "region": "us-east-1", "resources": [],
            "detail": {"bucket": {"name": "b-1"}, "object": {"key": format!("private/{ID}/a+b.txt"), "sequencer": "0B"}}})
        .to_string();
        let letter = read(&bridge);
        assert_eq!((letter.shape.name(), letter.keys), ("eventbridge-s3-event", vec![format!("private/{ID}/a+b.txt")]));

        let job =
            json!({"folderJob": {"kind": "sweep", "bucket": "b-1", "prefix": "private/", "runId": "r-1", "page": 3}});
        let letter = read(&job.to_string());
        assert_eq!(letter.shape, MessageShape::FolderJob);
        assert_eq!(letter.keys, vec!["private/".to_owned()]);
        assert_eq!(letter.why.as_deref(), Some("a folder job's page 3 of sweep run r-1 in b-1"));

        let record = json!({"eventSource": "aws:dynamodb", "eventName": "INSERT",
            "dynamodb": {"NewImage": {"kind": {"S": "identity"}, "identityId": {"S": ID}}}});
        let letter = read(&record.to_string());
        assert_eq!((letter.shape, letter.keys), (MessageShape::StreamRecord, vec![format!("private/{ID}/")]));
    }

    #[test]
    fn anything_else_is_malformed_with_a_reason_and_no_body() {
        for body in ["not json", "{\"Records\": []}", "{\"folderJob\": {}}", "[]"] {
            let letter = read(body);
            assert!(letter.shape.is_malformed(), "{body}");
            assert_eq!(letter.to_json()["malformed"], true);
        }
        let secret = "not json, but it looks like a token eyJhbGciOi";
        assert!(!read(secret).to_json().to_string().contains("eyJhbGciOi"), "the body is never repeated");
        let letter = read_dead_letter("m-2", None, &ReceivedAttributes::default());
        assert_eq!(letter.shape, MessageShape::Malformed("the message has no body".into()));
    }
}
