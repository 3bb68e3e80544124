//! Objects under `users/<sub>/` (template.yaml's `FolderLayout` sub or both). IAM lets a
//! session write there only when the folder equals its principal tag `sub`, which
//! Cognito copies from the verified token: the key names the owner. So a created object
//! gets `owner-sub` with no directory read and no Cognito call: one tag read and at most
//! one tag write. These folders' usage is not counted here (docs/principal-tags.md says
//! why a `sub` alone does not name the directory's user item).

use aws_lambda_events::event::s3::S3EventRecord;
use directory::{FolderSub, SUB_PREFIX, decode_event_key, sub_from_object_key};

use crate::error::RecordError;
use crate::notification::{BridgeChange, BridgeObjectEvent};
use crate::object_owner::{ObjectOwner, Tagging};
use crate::owner_tags::{OWNER_SUB, ObjectTag};
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
    /// The bucket.
    pub bucket: String,
    /// The decoded key.
    pub key: String,
    /// A creation (tagged) or a removal (nothing to do).
    pub created: bool,
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
    sub_plan(bucket, &key, created)
}

/// The plan of an EventBridge S3 event whose key (sent as is) is under `users/`, or None.
pub fn plan_sub_bridge_event(event: &BridgeObjectEvent) -> Option<RecordPlan> {
    if event.bucket.is_empty() {
        return None;
    }
    sub_plan(&event.bucket, &event.key, matches!(event.change, BridgeChange::Created { .. }))
}

fn sub_plan(bucket: &str, key: &str, created: bool) -> Option<RecordPlan> {
    if !key.starts_with(SUB_PREFIX) {
        return None;
    }
    Some(match sub_from_object_key(key) {
        Ok(sub) => RecordPlan::TagSub(SubObject { sub, bucket: bucket.to_owned(), key: key.to_owned(), created }),
        Err(error) => RecordPlan::Skip(SkipReason::SubKey(error)),
    })
}

/// The owner tag of a `users/<sub>/` object.
pub fn sub_tags(sub: &FolderSub) -> Vec<ObjectTag> {
    vec![ObjectTag::new(OWNER_SUB, sub.as_str())]
}

/// Tags each created object with its folder's `sub` (merged with its own tags, as every
/// owner tag is); a removal needs nothing. One result per object, in order.
pub async fn tag_sub_objects(owner: &ObjectOwner, objects: &[SubObject]) -> Vec<Result<Tagging, RecordError>> {
    let mut tagging = tokio::task::JoinSet::new();
    for (index, object) in objects.iter().enumerate() {
        if object.created {
            let (owner, object) = (owner.clone(), object.clone());
            tagging.spawn(async move {
                (index, owner.tag_object(&object.bucket, &object.key, &sub_tags(&object.sub)).await)
            });
        }
    }
    let mut results: Vec<Option<Result<Tagging, RecordError>>> = vec![None; objects.len()];
    while let Some(joined) = tagging.join_next().await {
        if let Ok((index, tagged)) = joined {
            results[index] = Some(tagged);
        }
    }
    objects
        .iter()
        .zip(results)
        .map(|(object, result)| match (object.created, result) {
            (false, _) => Ok(Tagging::Removal),
            (true, Some(result)) => result,
            (true, None) => {
                Err(RecordError::Directory(directory::DirectoryError::Unavailable { code: "TaskFailed".into() }))
            }
        })
        .collect()
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
            (object.sub.as_str(), object.key.as_str(), object.created),
            (SUB, &*format!("users/{SUB}/a b.txt"), true)
        );
        let Some(RecordPlan::TagSub(removed)) =
            plan_sub_record(&record("ObjectRemoved:Delete", &format!("users/{SUB}/x")))
        else {
            panic!("a removal")
        };
        assert!(!removed.created);
        assert_eq!(sub_tags(&removed.sub), vec![ObjectTag::new("owner-sub", SUB)]);
    }

    #[test]
    fn other_keys_are_left_to_the_private_plan_and_bad_subs_skipped() {
        assert_eq!(plan_sub_record(&record("ObjectCreated:Put", "private/us-east-1%3Aabc/x")), None);
        assert_eq!(plan_sub_record(&record("s3:TestEvent", &format!("users/{SUB}/x"))), None);
        assert_eq!(
            plan_sub_record(&record("ObjectCreated:Put", "users/not-a-sub/x")),
            Some(RecordPlan::Skip(SkipReason::SubKey(directory::SubKeyError::InvalidSub)))
        );
    }
}
