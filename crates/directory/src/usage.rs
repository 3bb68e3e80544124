//! Usage counters: the plain data a caller hands in and what came of it. What a change
//! does to the counters is decided in [`crate::usage_plan`]; the writes are in
//! [`crate::IdentityDirectory::record_usage_changes`].

use lambda_foundation::IdentityId;

use crate::sequencer::Sequencer;
use crate::sub_key::FolderSub;

/// One stored object, as an S3 event notification reports it. `(bucket, key, sequencer)`
/// names the event: S3 and SQS deliver at least once, and a repeat carries the same three.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectEvent {
    /// The bucket.
    pub bucket: String,
    /// The object key, decoded (as S3 stores it, not as the event encodes it).
    pub key: String,
    /// The event's `s3.object.sequencer`: S3 gives each write of a key its own.
    pub sequencer: String,
    /// The object's size in bytes.
    pub size: u64,
}

/// What one S3 event did to its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectChange {
    /// `ObjectCreated:*`: the key now holds an object of this many bytes (a new key or an
    /// overwrite).
    Stored {
        /// The object's size in bytes.
        size: u64,
    },
    /// `ObjectRemoved:*`: the key holds nothing (or only a delete marker) now.
    Removed,
}

/// One S3 event for one key, in the order S3 gave the key's writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectChangeEvent {
    /// The bucket (an S3 bucket name: no `#`).
    pub bucket: String,
    /// The object key, decoded.
    pub key: String,
    /// The event's place among the writes of this key.
    pub sequencer: Sequencer,
    /// What the write did.
    pub change: ObjectChange,
}

/// A change to count, with where to count it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageChange {
    /// The IdentityId whose `private/<IdentityId>/` folder holds the key.
    pub identity_id: IdentityId,
    /// The counters it belongs to, as the caller resolved the owner.
    pub account: UsageAccount,
    /// The S3 event.
    pub event: ObjectChangeEvent,
    /// Whether this delivery is a repeat of one that may have stopped half-way (SQS's
    /// `ApproximateReceiveCount` > 1): only then is a leftover counter marker of an
    /// already applied event looked for (one more write, on redeliveries only).
    pub redelivered: bool,
}

/// A change of a key under `users/<sub>/`, counted on the folder's `subfolder#<sub>` item
/// (see [`crate::schema`] for why that item).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubUsageChange {
    /// The `sub` whose `users/<sub>/` folder holds the key.
    pub sub: FolderSub,
    /// The S3 event.
    pub event: ObjectChangeEvent,
    /// Whether this delivery is a repeat (as [`UsageChange::redelivered`]).
    pub redelivered: bool,
}

/// Where an object's usage is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UsageAccount {
    /// The linked IdentityId's own item (`identity#<IdentityId>`): the owner's usage.
    Linked,
    /// An IdentityId the directory does not know: counted on its own item,
    /// `unattributed#<IdentityId>`, so that nothing is lost and nothing pretends to be a
    /// link (see [`crate::schema`]).
    Unattributed,
}

/// What [`crate::IdentityDirectory::record_usage_changes`] did with one change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeRecorded {
    /// The change is in the counters now (added, or nothing to add: an overwrite of the
    /// same size, a removal of what was never counted).
    Counted,
    /// This event was applied before (a redelivery or a duplicate): nothing changed.
    AlreadyCounted,
    /// A later write of the same key was applied first (events arrive out of order): this
    /// one describes a state the key no longer has, and changes nothing.
    Superseded,
    /// [`UsageAccount::Linked`] was asked for, but the IdentityId has no identity item (the
    /// link is gone): the counters were not changed. The object's own item holds the
    /// change until it is counted: record it again as [`UsageAccount::Unattributed`].
    NotLinked,
}

/// What [`crate::IdentityDirectory::add_usage`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsageRecorded {
    /// The object was added to the counters.
    Counted,
    /// This event was counted before (a redelivery): nothing changed.
    AlreadyCounted,
    /// [`UsageAccount::Linked`] was asked for, but the IdentityId has no identity item
    /// (the link is gone): nothing changed; count it as unattributed instead.
    NotLinked,
}
