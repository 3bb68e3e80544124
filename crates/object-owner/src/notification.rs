//! What one SQS message body holds. Four shapes share the queue:
//!
//! - an S3 event notification (or S3's test event), from a bucket's notification
//!   configuration: keys URL-encoded (a space as `+`);
//! - an EventBridge S3 event (`source` `aws.s3`, `detail-type` `Object Created` /
//!   `Object Deleted`), from a rule on a bucket whose events go to EventBridge: keys as
//!   stored, not encoded (S3 user guide, "EventBridge event message structure");
//! - a directory stream record delivered by EventBridge Pipes (DynamoDB Streams source,
//!   SQS target, no input template): an `INSERT` of an `identity#` item means a link was
//!   recorded for that IdentityId. The record arrives as the body itself; a one-element
//!   array (the batch shape Pipes documents for the source) is read too;
//! - a page of a folder job ([`crate::folder_job`]), sent by this function itself.
//!
//! Pure: text in, [`Notification`] out.

use aws_lambda_events::event::s3::{S3Event, S3EventRecord};
use directory::IdentityId;
use serde::Deserialize;

use crate::folder_job::{FOLDER_JOB_FIELD, FolderJob};

/// A message body, read.
#[derive(Debug, Clone, PartialEq)]
pub enum Notification {
    /// `s3:TestEvent`: S3 sends one when the notification is configured. Nothing to do.
    TestEvent,
    /// An S3 event notification with its records (S3 sends one record per message).
    Records(Vec<S3EventRecord>),
    /// An EventBridge S3 event of an object.
    BridgeEvent(BridgeObjectEvent),
    /// Links were recorded for these IdentityIds (directory stream records).
    LinksRecorded(Vec<IdentityId>),
    /// A page of a folder job.
    FolderJob(FolderJob),
    /// A well-formed message that asks for nothing (an "Object Tags Added" event, a
    /// stream record of another item): the reason.
    NothingToDo(&'static str),
    /// None of these: the reason, never the body.
    Unreadable(&'static str),
}

/// What an EventBridge S3 event says about one object. The key is as S3 stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BridgeObjectEvent {
    /// `detail.bucket.name`.
    pub bucket: String,
    /// `detail.object.key`, not encoded.
    pub key: String,
    /// `detail.object.sequencer`.
    pub sequencer: Option<String>,
    /// `detail.object.version-id`, on a versioned bucket.
    pub version_id: Option<String>,
    /// What happened.
    pub change: BridgeChange,
}

/// The two object events the function reads from EventBridge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BridgeChange {
    /// "Object Created", with `detail.object.size`.
    Created {
        /// The size, as sent.
        size: Option<i64>,
    },
    /// "Object Deleted": `deletion-type` `Permanently Deleted` or `Delete Marker Created`
    /// (either way the key holds no current object now).
    Deleted,
}

#[derive(Deserialize)]
struct BridgeEnvelope {
    source: String,
    #[serde(rename = "detail-type")]
    detail_type: String,
    detail: BridgeDetail,
}

#[derive(Deserialize)]
struct BridgeDetail {
    bucket: BridgeBucket,
    object: BridgeObject,
}

#[derive(Deserialize)]
struct BridgeBucket {
    name: String,
}

#[derive(Deserialize)]
struct BridgeObject {
    key: String,
    #[serde(default)]
    size: Option<i64>,
    #[serde(default)]
    sequencer: Option<String>,
    #[serde(rename = "version-id", default)]
    version_id: Option<String>,
}

/// One stream record as Pipes forwards it: only the fields read here.
#[derive(Deserialize)]
struct StreamRecord {
    #[serde(rename = "eventSource")]
    event_source: String,
    #[serde(rename = "eventName")]
    event_name: String,
    dynamodb: StreamChange,
}

#[derive(Deserialize)]
struct StreamChange {
    #[serde(rename = "NewImage", default)]
    new_image: Option<serde_json::Map<String, serde_json::Value>>,
}

#[derive(Deserialize)]
struct TestEventBody {
    #[serde(rename = "Event")]
    event: String,
}

/// Reads an SQS message body (`None` when the message had none).
pub fn read_notification(body: Option<&str>) -> Notification {
    let Some(body) = body else { return Notification::Unreadable("the message has no body") };
    if let Ok(test) = serde_json::from_str::<TestEventBody>(body)
        && test.event == "s3:TestEvent"
    {
        return Notification::TestEvent;
    }
    let Ok(mut event) = serde_json::from_str::<serde_json::Value>(body) else {
        return Notification::Unreadable("the body is not JSON");
    };
    if event.get(FOLDER_JOB_FIELD).is_some() {
        return match FolderJob::from_value(event) {
            Ok(job) => Notification::FolderJob(job),
            Err(_) => Notification::Unreadable("the body is not a usable folder job"),
        };
    }
    if event.get("source").and_then(|source| source.as_str()) == Some("aws.s3") {
        return read_bridge_event(event);
    }
    if event.is_array() || event.get("eventSource").and_then(|source| source.as_str()) == Some("aws:dynamodb") {
        return read_stream_records(event);
    }
    fill_fields_s3_always_sends(&mut event);
    match serde_json::from_value::<S3Event>(event) {
        Ok(event) if event.records.is_empty() => Notification::Unreadable("the S3 event has no records"),
        Ok(event) => Notification::Records(event.records),
        Err(_) => Notification::Unreadable("the body is not an S3 event notification"),
    }
}

fn read_bridge_event(event: serde_json::Value) -> Notification {
    let Ok(event) = serde_json::from_value::<BridgeEnvelope>(event) else {
        return Notification::Unreadable("the body is not an EventBridge S3 object event");
    };
    let change = match (event.source.as_str(), event.detail_type.as_str()) {
        ("aws.s3", "Object Created") => BridgeChange::Created { size: event.detail.object.size },
        ("aws.s3", "Object Deleted") => BridgeChange::Deleted,
        _ => return Notification::NothingToDo("an EventBridge S3 event that neither creates nor deletes an object"),
    };
    Notification::BridgeEvent(BridgeObjectEvent {
        bucket: event.detail.bucket.name,
        key: event.detail.object.key,
        sequencer: event.detail.object.sequencer,
        version_id: event.detail.object.version_id,
        change,
    })
}

fn read_stream_records(event: serde_json::Value) -> Notification {
    let records = match event {
        serde_json::Value::Array(records) => records,
        record => vec![record],
    };
    if records.is_empty() {
        return Notification::Unreadable("the body is an empty array");
    }
    let mut linked = Vec::new();
    for record in records {
        let Ok(record) = serde_json::from_value::<StreamRecord>(record) else {
            return Notification::Unreadable("the body is not a DynamoDB stream record");
        };
        if record.event_source != "aws:dynamodb" {
            return Notification::Unreadable("the body is not a DynamoDB stream record");
        }
        let image = record.dynamodb.new_image.unwrap_or_default();
        let text = |name: &str| image.get(name).and_then(|value| value.get("S")).and_then(|value| value.as_str());
        if record.event_name != "INSERT" || text(directory::schema::KIND) != Some(directory::schema::KIND_IDENTITY) {
            continue;
        }
        match text(directory::schema::IDENTITY_ID).map(IdentityId::parse) {
            Some(Ok(identity_id)) => linked.push(identity_id),
            _ => return Notification::Unreadable("the stream record's identity item has no usable identityId"),
        }
    }
    match linked.is_empty() {
        true => Notification::NothingToDo("a stream record of no new link"),
        false => Notification::LinksRecorded(linked),
    }
}

/// S3 always sends `userIdentity` and `requestParameters` (their fields are optional);
/// the local emulator leaves them out. Empty ones stand in, so that one parser reads both.
fn fill_fields_s3_always_sends(event: &mut serde_json::Value) {
    let Some(records) = event.get_mut("Records").and_then(|records| records.as_array_mut()) else { return };
    for record in records.iter_mut().filter_map(|record| record.as_object_mut()) {
        for field in ["userIdentity", "requestParameters"] {
            record.entry(field).or_insert_with(|| serde_json::json!({}));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3s_test_event_is_recognised() {
        let body = r#"{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2026-12-01T10:00:00.000Z","Bucket":"b","RequestId":"r","HostId":"h"}"#;
        assert_eq!(read_notification(Some(body)), Notification::TestEvent);
    }

    #[test]
    fn an_event_notification_gives_its_records() {
        let body = include_str!("../events/s3-object-created.json");
        let Notification::Records(records) = read_notification(Some(body)) else { panic!("records") };
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].event_name.as_deref(), Some("ObjectCreated:Put"));
    }

    #[test]
    fn the_emulators_shorter_records_are_read_too() {
        let body = r#"{"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1", "eventTime": "2026-12-01T18:34:00.161Z", "eventName": "ObjectCreated:Put", "s3": {"s3SchemaVersion": "1.0", "configurationId": "c", "bucket": {"name": "b-1", "arn": "arn:aws:s3:::b-1"}, "object": {"key": "private%2Fx", "size": 5, "eTag": "5d41402abc4b2a76b9719d911017c592"}}}]}"#;
        let Notification::Records(records) = read_notification(Some(body)) else { panic!("records") };
        assert_eq!(records[0].s3.object.key.as_deref(), Some("private%2Fx"));
    }

    const ID: &str = "us-east-1:0f0c7e2a-1111-4222-8333-444455556666";

    fn bridge(detail_type: &str, object: serde_json::Value) -> String {
        serde_json::json!({
            "version": "0", "id": "17793124-05d4-b198-2fde-7ededc63b103", "detail-type": detail_type,
            "source": "aws.s3", "account": "111122223333", "time": "2021-11-12T00:00:00Z",
            "region": "ca-central-1", "resources": ["arn:aws:s3:::b-1"],
            "detail": {"version": "0", "bucket": {"name": "b-1"}, "object": object,
                "request-id": "N4N7GDK58NMKJ12R", "requester": "123456789012", "reason": "PutObject"}
        })
        .to_string()
    }

    #[test]
    fn eventbridge_object_events_keep_their_keys_as_stored() {
        for key in
            [format!("private/{ID}/my cat.jpg"), format!("private/{ID}/a+b.txt"), format!("private/{ID}/café ☕.txt")]
        {
            let body = bridge(
                "Object Created",
                serde_json::json!({"key": key, "size": 5, "etag": "e", "sequencer": "617f08299329d189"}),
            );
            assert_eq!(
                read_notification(Some(&body)),
                Notification::BridgeEvent(BridgeObjectEvent {
                    bucket: "b-1".into(),
                    key: key.clone(),
                    sequencer: Some("617f08299329d189".into()),
                    version_id: None,
                    change: BridgeChange::Created { size: Some(5) },
                })
            );
        }
        let deleted = bridge(
            "Object Deleted",
            serde_json::json!({"key": "k", "version-id": "v", "sequencer": "0A", "deletion-type": "Delete Marker Created"}),
        );
        assert!(
            matches!(read_notification(Some(&deleted)), Notification::BridgeEvent(e) if e.change == BridgeChange::Deleted)
        );
        let tags = bridge("Object Tags Added", serde_json::json!({"key": "k", "etag": "e"}));
        assert!(matches!(read_notification(Some(&tags)), Notification::NothingToDo(_)));
        assert!(matches!(
            read_notification(Some(r#"{"source":"aws.s3","detail-type":"Object Created"}"#)),
            Notification::Unreadable(_)
        ));
    }

    fn stream_record(event_name: &str, kind: &str) -> serde_json::Value {
        serde_json::json!({
            "eventID": "1", "eventVersion": "1.1", "eventSource": "aws:dynamodb", "awsRegion": "us-east-1",
            "eventName": event_name,
            "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/2026-12-07T00:00:00.000",
            "dynamodb": {
                "Keys": {"pk": {"S": format!("{kind}#{ID}")}},
                "NewImage": {"pk": {"S": format!("{kind}#{ID}")}, "kind": {"S": kind}, "identityId": {"S": ID}},
                "SequenceNumber": "100", "SizeBytes": 80, "StreamViewType": "NEW_IMAGE"
            }
        })
    }

    #[test]
    fn a_recorded_link_from_the_stream_as_a_record_or_a_one_element_array() {
        let id = IdentityId::parse(ID).unwrap();
        let record = stream_record("INSERT", "identity");
        assert_eq!(read_notification(Some(&record.to_string())), Notification::LinksRecorded(vec![id.clone()]));
        let array = serde_json::json!([record]).to_string();
        assert_eq!(read_notification(Some(&array)), Notification::LinksRecorded(vec![id]));
        for other in [stream_record("MODIFY", "identity"), stream_record("INSERT", "user")] {
            assert!(matches!(read_notification(Some(&other.to_string())), Notification::NothingToDo(_)));
        }
        let mut broken = stream_record("INSERT", "identity");
        broken["dynamodb"]["NewImage"]["identityId"] = serde_json::json!({"S": "nope"});
        assert!(matches!(read_notification(Some(&broken.to_string())), Notification::Unreadable(_)));
        assert!(matches!(read_notification(Some("[]")), Notification::Unreadable(_)));
    }

    #[test]
    fn a_folder_job_page_is_read_back() {
        let job = FolderJob::sweep("b-1", "run-1");
        assert_eq!(read_notification(Some(&job.to_body())), Notification::FolderJob(job));
        assert!(matches!(read_notification(Some(r#"{"folderJob":{}}"#)), Notification::Unreadable(_)));
    }

    #[test]
    fn anything_else_is_unreadable() {
        for body in [None, Some(""), Some("not json"), Some(r#"{"Records":[]}"#), Some(r#"{"Records":[{"x":1}]}"#)] {
            assert!(matches!(read_notification(body), Notification::Unreadable(_)), "{body:?}");
        }
        assert!(matches!(read_notification(Some(r#"{"Event":"s3:Other"}"#)), Notification::Unreadable(_)));
    }
}
