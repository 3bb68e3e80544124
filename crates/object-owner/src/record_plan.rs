//! From one S3 event record to what to do with it: attribute an object under
//! `private/<IdentityId>/`, or skip the record and say why. Pure: no I/O.

use aws_lambda_events::event::s3::S3EventRecord;
use directory::{IdentityId, ObjectEvent, PrivateKeyError, decode_event_key, identity_id_from_object_key};

/// An object to attribute to the owner of its folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectToAttribute {
    /// The IdentityId whose `private/<IdentityId>/` folder holds the object.
    pub identity_id: IdentityId,
    /// Bucket, decoded key, sequencer and size: what names and counts the event.
    pub event: ObjectEvent,
}

/// Why a record is skipped: bad or foreign input that no retry can fix. `Display`
/// never repeats the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SkipReason {
    /// Not an `ObjectCreated:*` event (the notification is for creations only).
    #[error("the record is not an ObjectCreated event")]
    NotObjectCreated,
    /// The record names no bucket or no key.
    #[error("the record names no bucket or no object key")]
    NoObject,
    /// The key is outside `private/<IdentityId>/`, or not decodable.
    #[error("{0}")]
    Key(#[from] PrivateKeyError),
    /// No sequencer: the event cannot be told apart from a redelivery.
    #[error("the record has no usable sequencer")]
    NoSequencer,
    /// No size, or a negative one.
    #[error("the record has no usable object size")]
    NoSize,
}

/// What to do with one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordPlan {
    /// Tag, count and log this object.
    Attribute(ObjectToAttribute),
    /// Log and acknowledge; never retried.
    Skip(SkipReason),
}

/// Decides what to do with `record`.
pub fn plan_record(record: &S3EventRecord) -> RecordPlan {
    match object_to_attribute(record) {
        Ok(object) => RecordPlan::Attribute(object),
        Err(reason) => RecordPlan::Skip(reason),
    }
}

fn object_to_attribute(record: &S3EventRecord) -> Result<ObjectToAttribute, SkipReason> {
    if !record.event_name.as_deref().is_some_and(|name| name.starts_with("ObjectCreated:")) {
        return Err(SkipReason::NotObjectCreated);
    }
    let object = &record.s3.object;
    let (Some(bucket), Some(event_key)) = (record.s3.bucket.name.as_deref(), object.key.as_deref()) else {
        return Err(SkipReason::NoObject);
    };
    if bucket.is_empty() || event_key.is_empty() {
        return Err(SkipReason::NoObject);
    }
    let key = decode_event_key(event_key)?;
    let identity_id = identity_id_from_object_key(&key)?;
    let sequencer = event_sequencer(record).ok_or(SkipReason::NoSequencer)?;
    let size = object.size.and_then(|size| u64::try_from(size).ok()).ok_or(SkipReason::NoSize)?;
    Ok(ObjectToAttribute { identity_id, event: ObjectEvent { bucket: bucket.to_owned(), key, sequencer, size } })
}

/// What tells this event from another write of the same key: S3's `sequencer` (always
/// sent by S3, hexadecimal). An event without one (the local emulator sends none) is
/// named by its `eventTime` and `eTag` instead, hex-encoded: the same for a redelivery,
/// different for a later write.
fn event_sequencer(record: &S3EventRecord) -> Option<String> {
    let object = &record.s3.object;
    match object.sequencer.as_deref() {
        Some(sequencer) if !sequencer.is_empty() && sequencer.chars().all(|c| c.is_ascii_hexdigit()) => {
            Some(sequencer.to_owned())
        }
        Some(_) => None,
        None => {
            let e_tag = object.e_tag.as_deref().filter(|e_tag| !e_tag.is_empty())?;
            let name = format!("{}/{e_tag}", record.event_time.to_rfc3339());
            Some(name.bytes().map(|byte| format!("{byte:02x}")).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notification::{Notification, read_notification};

    const ID: &str = "us-east-1:0f0c7e2a-1111-4222-8333-444455556666";

    fn sample() -> S3EventRecord {
        let Notification::Records(mut records) =
            read_notification(Some(include_str!("../events/s3-object-created.json")))
        else {
            panic!("sample event")
        };
        records.remove(0)
    }

    fn with_key(key: &str) -> S3EventRecord {
        let mut record = sample();
        record.s3.object.key = Some(key.into());
        record
    }

    #[test]
    fn a_private_object_is_attributed_with_its_decoded_key() {
        let RecordPlan::Attribute(object) = plan_record(&sample()) else { panic!("attributed") };
        assert_eq!(object.identity_id.as_str(), ID);
        assert_eq!(object.event.key, format!("private/{ID}/photos/my cat.jpg"));
        assert_eq!(object.event.bucket, "cognito-bridge-123456789012-us-east-1-private");
        assert_eq!((object.event.sequencer.as_str(), object.event.size), ("0062E99A88DC407460", 1024));
    }

    #[test]
    fn keys_encoded_as_moto_does_nested_and_unicode() {
        for (event_key, key) in [
            (
                "private%2Fus-east-1%3A0f0c7e2a-1111-4222-8333-444455556666%2Fa%2Fb%2Fc.txt",
                format!("private/{ID}/a/b/c.txt"),
            ),
            (
                "private/us-east-1%3A0f0c7e2a-1111-4222-8333-444455556666/caf%C3%A9+%E2%98%95.txt",
                format!("private/{ID}/café ☕.txt"),
            ),
        ] {
            let RecordPlan::Attribute(object) = plan_record(&with_key(event_key)) else { panic!("{event_key}") };
            assert_eq!(object.event.key, key);
        }
    }

    #[test]
    fn an_event_without_a_sequencer_is_named_by_its_time_and_etag() {
        let mut record = sample();
        record.s3.object.sequencer = None;
        let RecordPlan::Attribute(first) = plan_record(&record) else { panic!("attributed") };
        assert!(first.event.sequencer.chars().all(|c| c.is_ascii_hexdigit()));
        let RecordPlan::Attribute(again) = plan_record(&record) else { panic!("attributed") };
        assert_eq!(first.event.sequencer, again.event.sequencer, "a redelivery is the same event");
        record.event_time += std::time::Duration::from_secs(1);
        let RecordPlan::Attribute(later) = plan_record(&record) else { panic!("attributed") };
        assert_ne!(first.event.sequencer, later.event.sequencer, "a later write is another event");
    }

    #[test]
    fn foreign_and_malformed_records_are_skipped_with_a_reason() {
        assert_eq!(plan_record(&with_key("public/cat.jpg")), RecordPlan::Skip(PrivateKeyError::NotPrivate.into()));
        assert_eq!(
            plan_record(&with_key("private/nope/x")),
            RecordPlan::Skip(PrivateKeyError::InvalidIdentityId.into())
        );
        assert_eq!(plan_record(&with_key("private/%zz/x")), RecordPlan::Skip(PrivateKeyError::BadEscape.into()));
        assert_eq!(plan_record(&with_key("")), RecordPlan::Skip(SkipReason::NoObject));
        let mut removed = sample();
        removed.event_name = Some("ObjectRemoved:Delete".into());
        assert_eq!(plan_record(&removed), RecordPlan::Skip(SkipReason::NotObjectCreated));
        let mut no_sequencer = sample();
        no_sequencer.s3.object.sequencer = Some("Happy Sequencer".into());
        assert_eq!(plan_record(&no_sequencer), RecordPlan::Skip(SkipReason::NoSequencer));
        let mut neither = sample();
        neither.s3.object.sequencer = None;
        neither.s3.object.e_tag = None;
        assert_eq!(plan_record(&neither), RecordPlan::Skip(SkipReason::NoSequencer));
        let mut negative = sample();
        negative.s3.object.size = Some(-1);
        assert_eq!(plan_record(&negative), RecordPlan::Skip(SkipReason::NoSize));
        let mut no_bucket = sample();
        no_bucket.s3.bucket.name = None;
        assert_eq!(plan_record(&no_bucket), RecordPlan::Skip(SkipReason::NoObject));
        // The reason never repeats the key.
        assert!(!SkipReason::from(PrivateKeyError::NotPrivate).to_string().contains("cat"));
    }
}
