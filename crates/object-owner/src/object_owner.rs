//! One object's attribution: who owns it (directory), its tags (S3), its usage
//! (directory). The decisions are [`crate::owner_tags`]'; this is the I/O around them.

use directory::{DirectoryEntry, IdentityDirectory, UsageAccount, UsageRecorded};

use crate::error::RecordError;
use crate::object_tagging::{read_tags, write_tags};
use crate::owner_tags::{ObjectTag, TagMerge, merge_tags, owner_tags};
use crate::record_plan::ObjectToAttribute;

/// The clients one function instance attributes objects with. Build it once per process;
/// cloning is cheap (the SDK clients share their connection pools).
#[derive(Debug, Clone)]
pub struct ObjectOwner {
    s3: aws_sdk_s3::Client,
    directory: IdentityDirectory,
}

/// What happened to the object's tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tagging {
    /// The owner tags were written, merged with the user's.
    Written,
    /// The object already carried them (a redelivery): nothing written.
    Unchanged,
    /// The user's own tags leave no room within S3's 10: nothing written.
    NoRoom {
        /// How many tags of the user's the object has.
        user_tags: usize,
    },
    /// The object was deleted before it could be tagged.
    ObjectGone,
}

/// One object, attributed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attributed {
    /// The owner, when the directory knows the IdentityId.
    pub owner: Option<DirectoryEntry>,
    /// What happened to the tags.
    pub tagging: Tagging,
    /// What happened to the usage counters.
    pub usage: UsageRecorded,
    /// Where the object was counted.
    pub account: UsageAccount,
}

impl ObjectOwner {
    /// Attributes objects through `s3` and `directory`.
    pub fn new(s3: aws_sdk_s3::Client, directory: IdentityDirectory) -> Self {
        ObjectOwner { s3, directory }
    }

    /// Resolves the owner, tags the object and counts it, at `now` (Unix seconds). Each
    /// step is safe to repeat: the tags merge to the same set, and the count is kept once
    /// per event. So a failure at any step fails the record, and its redelivery finishes
    /// the work.
    pub async fn attribute(&self, object: &ObjectToAttribute, now: u64) -> Result<Attributed, RecordError> {
        let owner = self.directory.get_by_identity_id(&object.identity_id).await?;
        let tagging = self.tag(object, &owner_tags(&object.identity_id, owner.as_ref())).await?;
        let account = if owner.is_some() { UsageAccount::Linked } else { UsageAccount::Unattributed };
        let usage = self.directory.add_usage(&object.identity_id, account, &object.event, now).await?;
        if usage == UsageRecorded::NotLinked {
            // The link vanished between the read and the count: count it as unattributed.
            let usage =
                self.directory.add_usage(&object.identity_id, UsageAccount::Unattributed, &object.event, now).await?;
            return Ok(Attributed { owner, tagging, usage, account: UsageAccount::Unattributed });
        }
        Ok(Attributed { owner, tagging, usage, account })
    }

    async fn tag(&self, object: &ObjectToAttribute, ours: &[ObjectTag]) -> Result<Tagging, RecordError> {
        let (bucket, key) = (object.event.bucket.as_str(), object.event.key.as_str());
        let Some(existing) = read_tags(&self.s3, bucket, key).await? else { return Ok(Tagging::ObjectGone) };
        Ok(match merge_tags(&existing, ours) {
            TagMerge::Unchanged => Tagging::Unchanged,
            TagMerge::NoRoom { user_tags } => Tagging::NoRoom { user_tags },
            TagMerge::Write(tags) => match write_tags(&self.s3, bucket, key, &tags).await? {
                true => Tagging::Written,
                false => Tagging::ObjectGone,
            },
        })
    }
}
