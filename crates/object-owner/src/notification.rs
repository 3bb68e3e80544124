//! What one SQS message body holds: an S3 event notification, S3's test event, or
//! something unreadable. Pure: text in, [`Notification`] out.

use aws_lambda_events::event::s3::{S3Event, S3EventRecord};
use serde::Deserialize;

/// A message body, read.
#[derive(Debug, Clone, PartialEq)]
pub enum Notification {
    /// `s3:TestEvent`: S3 sends one when the notification is configured. Nothing to do.
    TestEvent,
    /// An S3 event notification with its records (S3 sends one record per message).
    Records(Vec<S3EventRecord>),
    /// Neither: the reason, never the body.
    Unreadable(&'static str),
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
    fill_fields_s3_always_sends(&mut event);
    match serde_json::from_value::<S3Event>(event) {
        Ok(event) if event.records.is_empty() => Notification::Unreadable("the S3 event has no records"),
        Ok(event) => Notification::Records(event.records),
        Err(_) => Notification::Unreadable("the body is not an S3 event notification"),
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

    #[test]
    fn anything_else_is_unreadable() {
        for body in [None, Some(""), Some("not json"), Some(r#"{"Records":[]}"#), Some(r#"{"Records":[{"x":1}]}"#)] {
            assert!(matches!(read_notification(body), Notification::Unreadable(_)), "{body:?}");
        }
        assert!(matches!(read_notification(Some(r#"{"Event":"s3:Other"}"#)), Notification::Unreadable(_)));
    }
}
