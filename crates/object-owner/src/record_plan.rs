//! From one S3 event record to what to do with it: count (and, for a creation, tag) a
//! change under `private/<IdentityId>/`, or skip the record and say why. Pure: no I/O.

use aws_lambda_events::event::s3::S3EventRecord;
use directory::{
    IdentityId, ObjectChange, ObjectChangeEvent, PrivateKeyError, Sequencer, SubKeyError, decode_event_key,
    identity_id_from_object_key,
};

use crate::notification::{BridgeChange, BridgeObjectEvent};
use crate::sub_folder::{SubObject, plan_sub_bridge_event, plan_sub_record};

/// One S3 event of an object under `private/<IdentityId>/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectToAttribute {
    /// The IdentityId whose `private/<IdentityId>/` folder holds the object.
    pub identity_id: IdentityId,
    /// Bucket, decoded key, sequencer and what the event did.
    pub event: ObjectChangeEvent,
    /// The version the event is about, on a versioned bucket (S3 sends `versionId`;
    /// EventBridge `version-id`): a forgotten folder's new object is deleted by it.
    pub version_id: Option<String>,
}

impl ObjectToAttribute {
    /// The object's size, for a creation.
    pub fn size(&self) -> Option<u64> {
        match self.event.change {
            ObjectChange::Stored { size } => Some(size),
            ObjectChange::Removed => None,
        }
    }
}

/// Why a record is skipped: bad or foreign input that no retry can fix. `Display`
/// never repeats the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SkipReason {
    /// Neither an `ObjectCreated:*` nor an `ObjectRemoved:*` event.
    #[error("the record is neither an ObjectCreated nor an ObjectRemoved event")]
    NotAnObjectEvent,
    /// The record names no bucket or no key.
    #[error("the record names no bucket or no object key")]
    NoObject,
    /// The key is outside `private/<IdentityId>/`, or not decodable.
    #[error("{0}")]
    Key(#[from] PrivateKeyError),
    /// The key is under `users/` but its folder is not a `sub`, or not decodable.
    #[error("{0}")]
    SubKey(#[from] SubKeyError),
    /// A `users/<sub>/` key, but the stack's folder layout has no such folders: IAM does
    /// not vouch for the folder name, so it names nobody.
    #[error("the object is under users/, which names owners only in the sub and both folder layouts")]
    SubFoldersOff,
    /// No sequencer (S3 always sends one): the event cannot be ordered among the key's
    /// writes nor told apart from a redelivery.
    #[error("the record has no usable sequencer")]
    NoSequencer,
    /// A creation without a size, or with a negative one.
    #[error("the record has no usable object size")]
    NoSize,
}

/// What to do with one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordPlan {
    /// Count this change (and tag the object, for a creation), and log it.
    Attribute(ObjectToAttribute),
    /// A `users/<sub>/` object: tag it with its folder's `sub` (a creation), and log it.
    TagSub(SubObject),
    /// Log and acknowledge; never retried.
    Skip(SkipReason),
}

/// Decides what to do with `record`.
pub fn plan_record(record: &S3EventRecord) -> RecordPlan {
    if let Some(plan) = plan_sub_record(record) {
        return plan;
    }
    match object_to_attribute(record) {
        Ok(object) => RecordPlan::Attribute(object),
        Err(reason) => RecordPlan::Skip(reason),
    }
}

/// Decides what to do with an EventBridge S3 event: the same plan as for a notification
/// record, except that the key is used as sent (EventBridge does not encode it; decoding
/// it would turn a `+` in a key into a space).
pub fn plan_bridge_event(event: &BridgeObjectEvent) -> RecordPlan {
    if let Some(plan) = plan_sub_bridge_event(event) {
        return plan;
    }
    match bridge_object(event) {
        Ok(object) => RecordPlan::Attribute(object),
        Err(reason) => RecordPlan::Skip(reason),
    }
}

fn bridge_object(event: &BridgeObjectEvent) -> Result<ObjectToAttribute, SkipReason> {
    if event.bucket.is_empty() || event.key.is_empty() {
        return Err(SkipReason::NoObject);
    }
    let identity_id = identity_id_from_object_key(&event.key)?;
    let sequencer =
        event.sequencer.as_deref().and_then(|text| Sequencer::parse(text).ok()).ok_or(SkipReason::NoSequencer)?;
    let change = match event.change {
        BridgeChange::Deleted => ObjectChange::Removed,
        BridgeChange::Created { size } => {
            ObjectChange::Stored { size: size.and_then(|size| u64::try_from(size).ok()).ok_or(SkipReason::NoSize)? }
        }
    };
    Ok(ObjectToAttribute {
        identity_id,
        event: ObjectChangeEvent { bucket: event.bucket.clone(), key: event.key.clone(), sequencer, change },
        version_id: event.version_id.clone().filter(|id| !id.is_empty()),
    })
}

fn object_to_attribute(record: &S3EventRecord) -> Result<ObjectToAttribute, SkipReason> {
    let name = record.event_name.as_deref().unwrap_or_default();
    let removed = match name {
        _ if name.starts_with("ObjectCreated:") => false,
        _ if name.starts_with("ObjectRemoved:") => true,
        _ => return Err(SkipReason::NotAnObjectEvent),
    };
    let object = &record.s3.object;
    let (Some(bucket), Some(event_key)) = (record.s3.bucket.name.as_deref(), object.key.as_deref()) else {
        return Err(SkipReason::NoObject);
    };
    if bucket.is_empty() || event_key.is_empty() {
        return Err(SkipReason::NoObject);
    }
    let key = decode_event_key(event_key)?;
    let identity_id = identity_id_from_object_key(&key)?;
    let sequencer =
        object.sequencer.as_deref().and_then(|text| Sequencer::parse(text).ok()).ok_or(SkipReason::NoSequencer)?;
    let change = match removed {
        true => ObjectChange::Removed,
        false => ObjectChange::Stored {
            size: object.size.and_then(|size| u64::try_from(size).ok()).ok_or(SkipReason::NoSize)?,
        },
    };
    Ok(ObjectToAttribute {
        identity_id,
        event: ObjectChangeEvent { bucket: bucket.to_owned(), key, sequencer, change },
        version_id: object.version_id.clone().filter(|id| !id.is_empty()),
    })
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
        assert_eq!(object.event.sequencer, Sequencer::parse("0062E99A88DC407460").unwrap());
        assert_eq!(object.event.change, ObjectChange::Stored { size: 1024 });
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

    fn bridge(key: &str, change: BridgeChange) -> BridgeObjectEvent {
        BridgeObjectEvent {
            bucket: "b-1".into(),
            key: key.into(),
            sequencer: Some("0A".into()),
            version_id: None,
            change,
        }
    }

    #[test]
    fn eventbridge_keys_are_used_as_sent_spaces_plus_and_unicode() {
        for key in [
            format!("private/{ID}/my cat.jpg"),
            format!("private/{ID}/a+b.txt"),
            format!("private/{ID}/café ☕ 100%.txt"),
        ] {
            let RecordPlan::Attribute(object) =
                plan_bridge_event(&bridge(&key, BridgeChange::Created { size: Some(3) }))
            else {
                panic!("{key}")
            };
            assert_eq!((object.event.key, object.event.change), (key.clone(), ObjectChange::Stored { size: 3 }));
        }
        // The same `+` in a notification record is a space.
        let RecordPlan::Attribute(object) = plan_record(&with_key(&format!("private/{ID}/a+b.txt"))) else { panic!() };
        assert_eq!(object.event.key, format!("private/{ID}/a b.txt"));
        let RecordPlan::Attribute(removed) =
            plan_bridge_event(&bridge(&format!("private/{ID}/x"), BridgeChange::Deleted))
        else {
            panic!()
        };
        assert_eq!(removed.event.change, ObjectChange::Removed);
        assert_eq!(
            plan_bridge_event(&bridge("public/x", BridgeChange::Deleted)),
            RecordPlan::Skip(PrivateKeyError::NotPrivate.into())
        );
        assert_eq!(
            plan_bridge_event(&bridge(&format!("private/{ID}/x"), BridgeChange::Created { size: None })),
            RecordPlan::Skip(SkipReason::NoSize)
        );
        let mut no_sequencer = bridge(&format!("private/{ID}/x"), BridgeChange::Deleted);
        no_sequencer.sequencer = None;
        assert_eq!(plan_bridge_event(&no_sequencer), RecordPlan::Skip(SkipReason::NoSequencer));
    }

    #[test]
    fn the_version_an_event_names_is_kept() {
        let RecordPlan::Attribute(unversioned) = plan_record(&sample()) else { panic!("attributed") };
        assert_eq!(unversioned.version_id, None);
        let mut record = sample();
        record.s3.object.version_id = Some("3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY".into());
        let RecordPlan::Attribute(versioned) = plan_record(&record) else { panic!("attributed") };
        assert_eq!(versioned.version_id.as_deref(), Some("3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY"));
        record.s3.object.version_id = Some(String::new());
        let RecordPlan::Attribute(empty) = plan_record(&record) else { panic!("attributed") };
        assert_eq!(empty.version_id, None, "an empty versionId names no version");
        let mut event = bridge(&format!("private/{ID}/x"), BridgeChange::Created { size: Some(1) });
        event.version_id = Some("v-2".into());
        let RecordPlan::Attribute(bridged) = plan_bridge_event(&event) else { panic!("attributed") };
        assert_eq!(bridged.version_id.as_deref(), Some("v-2"));
    }

    #[test]
    fn a_removal_is_counted_without_a_size() {
        let mut record = sample();
        record.event_name = Some("ObjectRemoved:Delete".into());
        record.s3.object.size = None;
        let RecordPlan::Attribute(object) = plan_record(&record) else { panic!("counted") };
        assert_eq!((object.event.change, object.size()), (ObjectChange::Removed, None));
        record.event_name = Some("ObjectRemoved:DeleteMarkerCreated".into());
        assert!(matches!(plan_record(&record), RecordPlan::Attribute(_)));
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
        let mut restored = sample();
        restored.event_name = Some("ObjectRestore:Completed".into());
        assert_eq!(plan_record(&restored), RecordPlan::Skip(SkipReason::NotAnObjectEvent));
        let mut no_sequencer = sample();
        no_sequencer.s3.object.sequencer = Some("Happy Sequencer".into());
        assert_eq!(plan_record(&no_sequencer), RecordPlan::Skip(SkipReason::NoSequencer));
        let mut none = sample();
        none.s3.object.sequencer = None;
        assert_eq!(plan_record(&none), RecordPlan::Skip(SkipReason::NoSequencer));
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
