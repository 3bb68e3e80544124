//! A batch's objects attributed: who owns each (directory), its tags (S3, creations
//! only), its usage (directory). The decisions are [`crate::owner_tags`]',
//! [`crate::forgotten_folder`]'s and `directory::usage_plan`'s; this is the I/O around
//! them, shared per batch: one owner read per IdentityId (and one tombstone read per
//! IdentityId that has no owner), one usage update per counter item.

use std::collections::HashMap;

use directory::{
    ChangeRecorded, DirectoryEntry, DirectoryError, IdentityDirectory, IdentityId, UsageAccount, UsageChange,
    UserPoolId,
};

use lambda_foundation::aws_failure::AwsFailure;

use crate::error::RecordError;
use crate::forgotten_folder::{EventPlan, FolderAction, FolderOwner, ForgottenEvent, plan_event};
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
    forgotten_objects: FolderAction,
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

/// What one object event became.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObjectOutcome {
    /// Tagged (a creation) and counted, under its owner or as unattributed.
    Attributed(Attributed),
    /// A late event of a forgotten user's folder: neither tagged nor counted.
    Forgotten(ForgottenEvent),
}

/// What the S3 side of one event did.
#[derive(Debug, Clone, PartialEq, Eq)]
enum S3Done {
    Tagged(Tagging),
    Deleted,
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
        ObjectOwner {
            s3,
            directory,
            folder_layout: FolderLayout::default(),
            sub_folder_usernames: None,
            forgotten_objects: FolderAction::Keep,
        }
    }

    /// `FORGET_OBJECTS`: what a late event of a forgotten folder does to its new object
    /// (kept untagged, or deleted).
    pub fn with_forgotten_objects(mut self, action: FolderAction) -> Self {
        self.forgotten_objects = action;
        self
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
    /// step fails its record, and its redelivery finishes the work. A forgotten user's
    /// folder ([`crate::forgotten_folder`]) is neither tagged nor counted: its new objects
    /// are left alone or deleted, as `FORGET_OBJECTS` says.
    pub async fn attribute_all(
        &self,
        deliveries: &[ObjectDelivery],
        now: u64,
    ) -> Vec<Result<ObjectOutcome, RecordError>> {
        let owners = self.owners(deliveries).await;
        let plan_of = |delivery: &ObjectDelivery| match owners.get(&delivery.object.identity_id) {
            Some(Ok(owner)) => Some(plan_event(owner, delivery.object.size().is_some(), self.forgotten_objects)),
            _ => None,
        };
        let mut s3_work = tokio::task::JoinSet::new();
        for (index, delivery) in deliveries.iter().enumerate() {
            let Some(Ok(owner)) = owners.get(&delivery.object.identity_id) else { continue };
            let (this, object) = (self.clone(), delivery.object.clone());
            match plan_of(delivery) {
                Some(EventPlan::Attribute(_)) if object.size().is_some() => {
                    let ours = owner_tags(&object.identity_id, owner.entry());
                    s3_work.spawn(async move { (index, this.tag(&object, &ours).await.map(S3Done::Tagged)) });
                }
                Some(EventPlan::DeleteForgotten) => {
                    s3_work
                        .spawn(async move { (index, this.delete_forgotten(&object).await.map(|()| S3Done::Deleted)) });
                }
                _ => {}
            }
        }
        let mut s3_done: Vec<Option<Result<S3Done, RecordError>>> = vec![None; deliveries.len()];
        while let Some(joined) = s3_work.join_next().await {
            if let Ok((index, done)) = joined {
                s3_done[index] = Some(done);
            }
        }

        // A creation whose tags could not be read or written is counted on its redelivery.
        let counted: Vec<(usize, UsageChange)> = deliveries
            .iter()
            .enumerate()
            .filter_map(|(index, delivery)| {
                if s3_done[index].as_ref().is_some_and(Result::is_err) {
                    return None;
                }
                match plan_of(delivery)? {
                    EventPlan::Attribute(account) => Some((index, usage_change(delivery, account))),
                    EventPlan::LeaveForgotten | EventPlan::DeleteForgotten => None,
                }
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
        // ...unless it vanished because the user was forgotten meanwhile (one tombstone
        // read per IdentityId, on this rare path only).
        let mut late: Vec<Option<Result<ForgottenEvent, DirectoryError>>> = vec![None; deliveries.len()];
        if !not_linked.is_empty() {
            let mut forgotten: HashMap<IdentityId, Result<bool, DirectoryError>> = HashMap::new();
            for (_, change) in &not_linked {
                if !forgotten.contains_key(&change.identity_id) {
                    let read = self.directory.is_forgotten_identity(&change.identity_id).await;
                    forgotten.insert(change.identity_id.clone(), read);
                }
            }
            not_linked.retain(|(index, change)| match forgotten.get(&change.identity_id) {
                Some(Ok(false)) => true,
                Some(Ok(true)) => {
                    late[*index] = Some(Ok(ForgottenEvent::Ignored));
                    false
                }
                Some(Err(error)) => {
                    late[*index] = Some(Err(error.clone()));
                    false
                }
                None => false,
            });
        }
        if !not_linked.is_empty() {
            let changes: Vec<UsageChange> = not_linked.iter().map(|(_, change)| change.clone()).collect();
            for ((index, _), recorded) in
                not_linked.iter().zip(Box::pin(self.directory.record_usage_changes(&changes, now)).await)
            {
                usage[*index] = Some((recorded, UsageAccount::Unattributed));
            }
        }

        let task_failed = || RecordError::Directory(DirectoryError::Unavailable { code: "TaskFailed".into() });
        deliveries
            .iter()
            .enumerate()
            .map(|(index, delivery)| {
                let owner = match owners.get(&delivery.object.identity_id) {
                    Some(Ok(owner)) => owner,
                    Some(Err(error)) => return Err(RecordError::Directory(error.clone())),
                    None => return Err(task_failed()),
                };
                if let Some(event) = late[index].take() {
                    return Ok(ObjectOutcome::Forgotten(event?));
                }
                match plan_event(owner, delivery.object.size().is_some(), self.forgotten_objects) {
                    EventPlan::LeaveForgotten => return Ok(ObjectOutcome::Forgotten(ForgottenEvent::Ignored)),
                    EventPlan::DeleteForgotten => {
                        return match s3_done[index].take() {
                            Some(done) => done.map(|_| ObjectOutcome::Forgotten(ForgottenEvent::Deleted)),
                            None => Err(task_failed()),
                        };
                    }
                    EventPlan::Attribute(_) => {}
                }
                let tagging = match s3_done[index].take() {
                    Some(Ok(S3Done::Tagged(tagging))) => tagging,
                    Some(Ok(S3Done::Deleted)) => return Err(task_failed()),
                    Some(Err(error)) => return Err(error),
                    None if delivery.object.size().is_none() => Tagging::Removal,
                    None => return Err(task_failed()),
                };
                let (recorded, account) = usage[index]
                    .take()
                    .unwrap_or((Err(DirectoryError::Unavailable { code: "TaskFailed".into() }), UsageAccount::Linked));
                let attributed = Attributed { owner: owner.entry().cloned(), tagging, usage: recorded?, account };
                Ok(ObjectOutcome::Attributed(attributed))
            })
            .collect()
    }

    /// [`Self::attribute_all`] for one first delivery.
    pub async fn attribute(&self, object: &ObjectToAttribute, now: u64) -> Result<ObjectOutcome, RecordError> {
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

    /// Each IdentityId's owner: one consistent read per IdentityId, concurrently, and for
    /// an IdentityId with no link one more, of its `forgotten-identity#` tombstone (a
    /// linked owner's folder never pays it).
    async fn owners(&self, deliveries: &[ObjectDelivery]) -> HashMap<IdentityId, Result<FolderOwner, DirectoryError>> {
        let mut reads = tokio::task::JoinSet::new();
        let mut seen = std::collections::HashSet::new();
        for delivery in deliveries {
            let identity_id = delivery.object.identity_id.clone();
            if seen.insert(identity_id.clone()) {
                let directory = self.directory.clone();
                reads.spawn(async move {
                    let owner = match directory.get_by_identity_id(&identity_id).await {
                        Ok(Some(entry)) => Ok(FolderOwner::Linked(entry)),
                        Ok(None) => {
                            directory.is_forgotten_identity(&identity_id).await.map(|forgotten| match forgotten {
                                true => FolderOwner::Forgotten,
                                false => FolderOwner::Unknown,
                            })
                        }
                        Err(error) => Err(error),
                    };
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

    /// Deletes a forgotten folder's new object: one `DeleteObject` of the key, or of the
    /// version the event named (an object already gone is not an error: S3 answers 204).
    async fn delete_forgotten(&self, object: &ObjectToAttribute) -> Result<(), RecordError> {
        self.s3
            .delete_object()
            .bucket(&object.event.bucket)
            .key(&object.event.key)
            .set_version_id(object.version_id.clone())
            .send()
            .await
            .map(|_| ())
            .map_err(|error| RecordError::ForgottenObject(AwsFailure::from_sdk_error("DeleteObject", &error)))
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
