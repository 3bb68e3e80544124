//! A batch's objects attributed: who owns each (directory), its tags (S3, creations
//! only), its usage (directory). The decisions are [`crate::owner_tags`]' and
//! `directory::usage_plan`'s; this is the I/O around them, shared per batch: one owner
//! read per IdentityId, one usage update per counter item.

use std::collections::HashMap;

use directory::{
    ChangeRecorded, DirectoryEntry, DirectoryError, IdentityDirectory, IdentityId, UsageAccount, UsageChange,
    UserPoolId,
};

use crate::error::RecordError;
use crate::object_tagging::{read_tags, write_tags};
use crate::owner_tags::{ObjectTag, TagMerge, merge_tags, owner_tags};
use crate::record_plan::ObjectToAttribute;
use crate::sub_folder::FolderLayout;

/// The clients one function instance attributes objects with. Build it once per process;
/// cloning is cheap (the SDK clients share their connection pools).
#[derive(Debug, Clone)]
pub struct ObjectOwner {
    s3: aws_sdk_s3::Client,
    directory: IdentityDirectory,
    folder_layout: FolderLayout,
    sub_folder_usernames: Option<UserPoolId>,
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
    /// A removal: nothing to tag.
    Removal,
}

/// One object's event, as delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectDelivery {
    /// The event.
    pub object: ObjectToAttribute,
    /// Whether its message was delivered before (SQS's `ApproximateReceiveCount` > 1).
    pub redelivered: bool,
}

/// One object, attributed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attributed {
    /// The owner, when the directory knows the IdentityId.
    pub owner: Option<DirectoryEntry>,
    /// What happened to the tags.
    pub tagging: Tagging,
    /// What happened to the usage counters.
    pub usage: ChangeRecorded,
    /// Where the change was counted.
    pub account: UsageAccount,
}

impl ObjectOwner {
    /// Attributes objects through `s3` and `directory`.
    pub fn new(s3: aws_sdk_s3::Client, directory: IdentityDirectory) -> Self {
        ObjectOwner { s3, directory, folder_layout: FolderLayout::default(), sub_folder_usernames: None }
    }

    /// The stack's folder layout: whether `users/<sub>/` keys name their owner.
    pub fn with_folder_layout(mut self, folder_layout: FolderLayout) -> Self {
        self.folder_layout = folder_layout;
        self
    }

    /// The folder layout.
    pub fn folder_layout(&self) -> FolderLayout {
        self.folder_layout
    }

    /// Tags `users/<sub>/` objects with `owner-username` too, read from the directory's
    /// user item of `user_pool` (one read per folder and batch; a user who never linked
    /// has none, and gets `owner-sub` alone).
    pub fn with_sub_folder_usernames(mut self, user_pool: UserPoolId) -> Self {
        self.sub_folder_usernames = Some(user_pool);
        self
    }

    /// The user pool whose user items name `users/<sub>/` owners, when that tag is on.
    pub fn sub_folder_usernames(&self) -> Option<&UserPoolId> {
        self.sub_folder_usernames.as_ref()
    }

    /// Resolves the owners, tags the created objects and counts every change, at `now`
    /// (Unix seconds): one result per delivery, in order. Each step is safe to repeat (the
    /// tags merge to the same set; usage is kept per key and event), so a failure at any
    /// step fails its record, and its redelivery finishes the work.
    pub async fn attribute_all(&self, deliveries: &[ObjectDelivery], now: u64) -> Vec<Result<Attributed, RecordError>> {
        let owners = self.owners(deliveries).await;
        let mut tagging = tokio::task::JoinSet::new();
        for (index, delivery) in deliveries.iter().enumerate() {
            let Some(Ok(owner)) = owners.get(&delivery.object.identity_id) else { continue };
            if delivery.object.size().is_some() {
                let (this, object) = (self.clone(), delivery.object.clone());
                let ours = owner_tags(&object.identity_id, owner.as_ref());
                tagging.spawn(async move { (index, this.tag(&object, &ours).await) });
            }
        }
        let mut tags: Vec<Option<Result<Tagging, RecordError>>> = vec![None; deliveries.len()];
        while let Some(joined) = tagging.join_next().await {
            if let Ok((index, tagged)) = joined {
                tags[index] = Some(tagged);
            }
        }

        // A creation whose tags could not be read or written is counted on its redelivery.
        let counted: Vec<(usize, UsageChange)> = deliveries
            .iter()
            .enumerate()
            .filter_map(|(index, delivery)| {
                if tags[index].as_ref().is_some_and(Result::is_err) {
                    return None;
                }
                let owner = owners.get(&delivery.object.identity_id)?.as_ref().ok()?;
                let account = if owner.is_some() { UsageAccount::Linked } else { UsageAccount::Unattributed };
                Some((index, usage_change(delivery, account)))
            })
            .collect();
        let mut usage: Vec<Option<(Result<ChangeRecorded, DirectoryError>, UsageAccount)>> =
            vec![None; deliveries.len()];
        let changes: Vec<UsageChange> = counted.iter().map(|(_, change)| change.clone()).collect();
        let mut not_linked = Vec::new();
        for ((index, change), recorded) in
            counted.iter().zip(Box::pin(self.directory.record_usage_changes(&changes, now)).await)
        {
            if recorded.as_ref().is_ok_and(|r| *r == ChangeRecorded::NotLinked) {
                // The link vanished between the read and the count: count it as unattributed.
                not_linked.push((*index, UsageChange { account: UsageAccount::Unattributed, ..change.clone() }));
            }
            usage[*index] = Some((recorded, change.account));
        }
        if !not_linked.is_empty() {
            let changes: Vec<UsageChange> = not_linked.iter().map(|(_, change)| change.clone()).collect();
            for ((index, _), recorded) in
                not_linked.iter().zip(Box::pin(self.directory.record_usage_changes(&changes, now)).await)
            {
                usage[*index] = Some((recorded, UsageAccount::Unattributed));
            }
        }

        deliveries
            .iter()
            .enumerate()
            .map(|(index, delivery)| {
                let owner = match owners.get(&delivery.object.identity_id) {
                    Some(Ok(owner)) => owner.clone(),
                    Some(Err(error)) => return Err(RecordError::Directory(error.clone())),
                    None => {
                        return Err(RecordError::Directory(DirectoryError::Unavailable { code: "TaskFailed".into() }));
                    }
                };
                let tagging = match tags[index].take() {
                    Some(tagged) => tagged?,
                    None if delivery.object.size().is_none() => Tagging::Removal,
                    None => {
                        return Err(RecordError::Directory(DirectoryError::Unavailable { code: "TaskFailed".into() }));
                    }
                };
                let (recorded, account) = usage[index]
                    .take()
                    .unwrap_or((Err(DirectoryError::Unavailable { code: "TaskFailed".into() }), UsageAccount::Linked));
                Ok(Attributed { owner, tagging, usage: recorded?, account })
            })
            .collect()
    }

    /// [`Self::attribute_all`] for one first delivery.
    pub async fn attribute(&self, object: &ObjectToAttribute, now: u64) -> Result<Attributed, RecordError> {
        let delivery = ObjectDelivery { object: object.clone(), redelivered: false };
        self.attribute_all(&[delivery], now)
            .await
            .pop()
            .unwrap_or(Err(RecordError::Directory(DirectoryError::Unavailable { code: "TaskFailed".into() })))
    }

    /// The S3 client.
    pub fn s3(&self) -> &aws_sdk_s3::Client {
        &self.s3
    }

    /// The directory.
    pub fn directory(&self) -> &IdentityDirectory {
        &self.directory
    }

    /// Each IdentityId's owner: one consistent read per IdentityId, concurrently.
    async fn owners(
        &self,
        deliveries: &[ObjectDelivery],
    ) -> HashMap<IdentityId, Result<Option<DirectoryEntry>, DirectoryError>> {
        let mut reads = tokio::task::JoinSet::new();
        let mut seen = std::collections::HashSet::new();
        for delivery in deliveries {
            let identity_id = delivery.object.identity_id.clone();
            if seen.insert(identity_id.clone()) {
                let directory = self.directory.clone();
                reads.spawn(async move {
                    let owner = directory.get_by_identity_id(&identity_id).await;
                    (identity_id, owner)
                });
            }
        }
        let mut owners = HashMap::new();
        while let Some(joined) = reads.join_next().await {
            if let Ok((identity_id, owner)) = joined {
                owners.insert(identity_id, owner);
            }
        }
        owners
    }

    async fn tag(&self, object: &ObjectToAttribute, ours: &[ObjectTag]) -> Result<Tagging, RecordError> {
        self.tag_object(&object.event.bucket, &object.event.key, ours).await
    }

    /// Merges `ours` into the tags of `bucket`/`key`: one read, and one write when they
    /// change (the user's tags kept, at most 10).
    pub async fn tag_object(&self, bucket: &str, key: &str, ours: &[ObjectTag]) -> Result<Tagging, RecordError> {
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

fn usage_change(delivery: &ObjectDelivery, account: UsageAccount) -> UsageChange {
    UsageChange {
        identity_id: delivery.object.identity_id.clone(),
        account,
        event: delivery.object.event.clone(),
        redelivered: delivery.redelivered,
    }
}
