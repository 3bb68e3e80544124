//! Usage counters, counted once per S3 object event: the plain data a caller hands in
//! and what came of it. The writes are in [`crate::IdentityDirectory::add_usage`].

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

/// Where an object's usage is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsageAccount {
    /// The linked IdentityId's own item (`identity#<IdentityId>`): the owner's usage.
    Linked,
    /// An IdentityId the directory does not know: counted on its own item,
    /// `unattributed#<IdentityId>`, so that nothing is lost and nothing pretends to be a
    /// link (see [`crate::schema`]).
    Unattributed,
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
