//! Objects under `users/<sub>/` (template.yaml's `FolderLayout` sub or both). IAM lets a
//! session write there only when the folder equals its principal tag `sub`, which
//! Cognito copies from the verified token: the key names the owner. So a created object
//! gets `owner-sub` with no directory read and no Cognito call: one tag read and at most
//! one tag write. With `SUB_FOLDER_OWNER_USERNAME=on` it also gets `owner-username`, from
//! the directory's user item (one read per folder and batch, never a Cognito call); a
//! user who never linked has no such item and keeps `owner-sub` alone. Its usage is counted on the folder's own `subfolder#<sub>` counters,
//! with the same ledger as `private/<IdentityId>/` keys (docs/principal-tags.md says why
//! not on the user's item).

use std::collections::HashMap;

use aws_lambda_events::event::s3::S3EventRecord;
use directory::{
    ChangeRecorded, FolderSub, ObjectChange, ObjectChangeEvent, SUB_PREFIX, Sequencer, SubUsageChange,
    decode_event_key, sub_from_object_key,
};

use crate::error::RecordError;
use crate::notification::{BridgeChange, BridgeObjectEvent};
use crate::object_owner::{ObjectOwner, Tagging};
use crate::owner_tags::{OWNER_SUB, OWNER_USERNAME, ObjectTag, tag_value};
use crate::record_plan::{RecordPlan, SkipReason};

/// How users' folders are named: `FOLDER_LAYOUT`, the stack's `FolderLayout` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FolderLayout {
    /// `private/<IdentityId>/` only (the default).
    #[default]
    IdentityId,
    /// `users/<sub>/` for new folders.
    Sub,
    /// Both side by side.
    Both,
}

impl FolderLayout {
    /// The layout named `text` (`identity-id`, `sub` or `both`).
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "identity-id" => Some(FolderLayout::IdentityId),
            "sub" => Some(FolderLayout::Sub),
            "both" => Some(FolderLayout::Both),
            _ => None,
        }
    }

    /// Whether IAM names `users/<sub>/` folders by the principal tag: only then does such
    /// a key name its owner.
    pub fn has_sub_folders(self) -> bool {
        self != FolderLayout::IdentityId
    }
}

/// One S3 event of an object under `users/<sub>/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubObject {
    /// The `sub` whose folder holds the object.
    pub sub: FolderSub,
    /// Bucket, decoded key, sequencer and what the event did.
    pub event: ObjectChangeEvent,
}

impl SubObject {
    /// Whether the event stored an object (tagged and counted) rather than removed one
    /// (counted only).
    pub fn created(&self) -> bool {
        matches!(self.event.change, ObjectChange::Stored { .. })
    }
}

/// One `users/<sub>/` object's event, as delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubDelivery {
    /// The event.
    pub object: SubObject,
    /// Whether its message was delivered before (SQS's `ApproximateReceiveCount` > 1).
    pub redelivered: bool,
}

/// One `users/<sub>/` object, attributed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubAttributed {
    /// What happened to the tags.
    pub tagging: Tagging,
    /// What happened to the folder's usage counters.
    pub usage: ChangeRecorded,
}

/// The plan of a notification record whose key is under `users/`, or None for any other
/// record (planned as a `private/` one).
pub fn plan_sub_record(record: &S3EventRecord) -> Option<RecordPlan> {
    let name = record.event_name.as_deref().unwrap_or_default();
    let created = name.starts_with("ObjectCreated:");
    if !created && !name.starts_with("ObjectRemoved:") {
        return None;
    }
    let bucket = record.s3.bucket.name.as_deref().filter(|b| !b.is_empty())?;
    let key = decode_event_key(record.s3.object.key.as_deref()?).ok()?;
    let object = &record.s3.object;
    sub_plan(bucket, &key, object.sequencer.as_deref(), created.then_some(object.size))
}

/// The plan of an EventBridge S3 event whose key (sent as is) is under `users/`, or None.
pub fn plan_sub_bridge_event(event: &BridgeObjectEvent) -> Option<RecordPlan> {
    if event.bucket.is_empty() {
        return None;
    }
    let size = match event.change {
        BridgeChange::Created { size } => Some(size),
        BridgeChange::Deleted => None,
    };
    sub_plan(&event.bucket, &event.key, event.sequencer.as_deref(), size)
}

/// `size`: `None` for a removal, `Some` (the event's size, if any) for a creation.
fn sub_plan(bucket: &str, key: &str, sequencer: Option<&str>, size: Option<Option<i64>>) -> Option<RecordPlan> {
    if !key.starts_with(SUB_PREFIX) {
        return None;
    }
    let sub = match sub_from_object_key(key) {
        Ok(sub) => sub,
        Err(error) => return Some(RecordPlan::Skip(SkipReason::SubKey(error))),
    };
    let Some(sequencer) = sequencer.and_then(|text| Sequencer::parse(text).ok()) else {
        return Some(RecordPlan::Skip(SkipReason::NoSequencer));
    };
    let change = match size {
        None => ObjectChange::Removed,
        Some(size) => match size.and_then(|size| u64::try_from(size).ok()) {
            Some(size) => ObjectChange::Stored { size },
            None => return Some(RecordPlan::Skip(SkipReason::NoSize)),
        },
    };
    let event = ObjectChangeEvent { bucket: bucket.to_owned(), key: key.to_owned(), sequencer, change };
    Some(RecordPlan::TagSub(SubObject { sub, event }))
}

/// The owner tags of a `users/<sub>/` object: `owner-sub`, and `owner-username` when the
/// directory names the user (the username tag is on and the user linked).
pub fn sub_tags(sub: &FolderSub, username: Option<&str>) -> Vec<ObjectTag> {
    let mut tags = vec![ObjectTag::new(OWNER_SUB, sub.as_str())];
    if let Some(username) = username {
        tags.push(ObjectTag::new(OWNER_USERNAME, tag_value(username)));
    }
    tags
}

/// Each folder's username, for the created objects of `deliveries`: one consistent read of
/// the user item per `sub`, concurrently. Empty when the username tag is off.
async fn folder_usernames(
    owner: &ObjectOwner,
    deliveries: &[SubDelivery],
) -> HashMap<FolderSub, Result<Option<String>, directory::DirectoryError>> {
    let mut usernames = HashMap::new();
    let Some(pool) = owner.sub_folder_usernames() else { return usernames };
    let mut reads = tokio::task::JoinSet::new();
    for delivery in deliveries.iter().filter(|delivery| delivery.object.created()) {
        let sub = delivery.object.sub.clone();
        if usernames.contains_key(&sub) {
            continue;
        }
        usernames.insert(sub.clone(), Err(task_failed_directory()));
        let (directory, pool) = (owner.directory().clone(), pool.clone());
        reads.spawn(async move {
            let user = directory.get_by_user(&pool, sub.as_str()).await;
            (sub, user.map(|entry| entry.map(|entry| entry.username)))
        });
    }
    while let Some(joined) = reads.join_next().await {
        if let Ok((sub, username)) = joined {
            usernames.insert(sub, username);
        }
    }
    usernames
}

/// Tags each created object with its folder's `sub` (merged with its own tags, as every
/// owner tag is), then counts every change on its folder's counters at `now` (Unix
/// seconds). A creation whose tags could not be read or written is not counted: it fails,
/// and its redelivery does both (each step is safe to repeat). One result per delivery,
/// in order.
pub async fn attribute_sub_objects(
    owner: &ObjectOwner,
    deliveries: &[SubDelivery],
    now: u64,
) -> Vec<Result<SubAttributed, RecordError>> {
    let usernames = folder_usernames(owner, deliveries).await;
    let mut tags: Vec<Option<Result<Tagging, RecordError>>> = vec![None; deliveries.len()];
    let mut tagging = tokio::task::JoinSet::new();
    for (index, delivery) in deliveries.iter().enumerate() {
        if delivery.object.created() {
            let username = match usernames.get(&delivery.object.sub) {
                None => None,
                Some(Ok(username)) => username.clone(),
                // The user item could not be read: the record fails and its redelivery
                // tags it (the tags merge to the same set).
                Some(Err(error)) => {
                    tags[index] = Some(Err(RecordError::Directory(error.clone())));
                    continue;
                }
            };
            let (owner, object) = (owner.clone(), delivery.object.clone());
            tagging.spawn(async move {
                let ours = sub_tags(&object.sub, username.as_deref());
                let tagged = owner.tag_object(&object.event.bucket, &object.event.key, &ours).await;
                (index, tagged)
            });
        }
    }
    while let Some(joined) = tagging.join_next().await {
        if let Ok((index, tagged)) = joined {
            tags[index] = Some(tagged);
        }
    }
    let tags: Vec<Result<Tagging, RecordError>> = deliveries
        .iter()
        .zip(tags)
        .map(|(delivery, result)| match (delivery.object.created(), result) {
            (false, _) => Ok(Tagging::Removal),
            (true, Some(result)) => result,
            (true, None) => Err(task_failed()),
        })
        .collect();

    let counted: Vec<usize> = (0..deliveries.len()).filter(|index| tags[*index].is_ok()).collect();
    let changes: Vec<SubUsageChange> = counted
        .iter()
        .map(|index| {
            let delivery = &deliveries[*index];
            SubUsageChange {
                sub: delivery.object.sub.clone(),
                event: delivery.object.event.clone(),
                redelivered: delivery.redelivered,
            }
        })
        .collect();
    let mut usage: Vec<Option<Result<ChangeRecorded, directory::DirectoryError>>> = vec![None; deliveries.len()];
    let recorded = match changes.is_empty() {
        true => Vec::new(),
        false => Box::pin(owner.directory().record_sub_usage_changes(&changes, now)).await,
    };
    for (index, result) in counted.into_iter().zip(recorded) {
        usage[index] = Some(result);
    }
    tags.into_iter()
        .zip(usage)
        .map(|(tagging, usage)| {
            let tagging = tagging?;
            let usage = usage.ok_or_else(task_failed)??;
            Ok(SubAttributed { tagging, usage })
        })
        .collect()
}

fn task_failed() -> RecordError {
    RecordError::Directory(task_failed_directory())
}

fn task_failed_directory() -> directory::DirectoryError {
    directory::DirectoryError::Unavailable { code: "TaskFailed".into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUB: &str = "7d8e9f00-aaaa-4bbb-8ccc-dddddddddddd";

    fn record(name: &str, key: &str) -> S3EventRecord {
        let mut record = S3EventRecord::default();
        record.event_name = Some(name.to_owned());
        record.s3.bucket.name = Some("b".to_owned());
        record.s3.object.key = Some(key.to_owned());
        record.s3.object.sequencer = Some("0A".to_owned());
        record.s3.object.size = Some(3);
        record
    }

    #[test]
    fn layouts_parse_and_say_whether_sub_keys_name_owners() {
        assert_eq!(FolderLayout::parse("sub"), Some(FolderLayout::Sub));
        assert_eq!(FolderLayout::parse("both"), Some(FolderLayout::Both));
        assert_eq!(FolderLayout::parse("identity-id"), Some(FolderLayout::IdentityId));
        assert_eq!(FolderLayout::parse("Sub"), None);
        assert!(!FolderLayout::default().has_sub_folders());
        assert!(FolderLayout::Sub.has_sub_folders() && FolderLayout::Both.has_sub_folders());
    }

    #[test]
    fn sub_keys_are_planned_as_tagging_only() {
        let Some(RecordPlan::TagSub(object)) =
            plan_sub_record(&record("ObjectCreated:Put", &format!("users%2F{SUB}%2Fa+b.txt")))
        else {
            panic!("a users/ key is tagged")
        };
        assert_eq!(
            (object.sub.as_str(), object.event.key.as_str(), object.event.change),
            (SUB, &*format!("users/{SUB}/a b.txt"), ObjectChange::Stored { size: 3 })
        );
        assert!(object.created());
        let Some(RecordPlan::TagSub(removed)) =
            plan_sub_record(&record("ObjectRemoved:Delete", &format!("users/{SUB}/x")))
        else {
            panic!("a removal")
        };
        assert!(!removed.created());
        assert_eq!(removed.event.change, ObjectChange::Removed);
        assert_eq!(sub_tags(&removed.sub, None), vec![ObjectTag::new("owner-sub", SUB)]);
        assert_eq!(
            sub_tags(&removed.sub, Some("ada lovelace/ünï")),
            vec![ObjectTag::new("owner-sub", SUB), ObjectTag::new("owner-username", "ada lovelace/ünï")]
        );
        assert_eq!(sub_tags(&removed.sub, Some("a#b"))[1], ObjectTag::new("owner-username", "a_b"));
    }

    #[test]
    fn other_keys_are_left_to_the_private_plan_and_bad_subs_skipped() {
        assert_eq!(plan_sub_record(&record("ObjectCreated:Put", "private/us-east-1%3Aabc/x")), None);
        assert_eq!(plan_sub_record(&record("s3:TestEvent", &format!("users/{SUB}/x"))), None);
        assert_eq!(
            plan_sub_record(&record("ObjectCreated:Put", "users/not-a-sub/x")),
            Some(RecordPlan::Skip(SkipReason::SubKey(directory::SubKeyError::InvalidSub)))
        );
        let mut no_sequencer = record("ObjectCreated:Put", &format!("users/{SUB}/x"));
        no_sequencer.s3.object.sequencer = None;
        assert_eq!(plan_sub_record(&no_sequencer), Some(RecordPlan::Skip(SkipReason::NoSequencer)));
        let mut no_size = record("ObjectCreated:Put", &format!("users/{SUB}/x"));
        no_size.s3.object.size = None;
        assert_eq!(plan_sub_record(&no_size), Some(RecordPlan::Skip(SkipReason::NoSize)));
    }
}
