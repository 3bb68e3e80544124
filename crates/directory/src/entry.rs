//! What the directory holds and what a writer asks it to hold, as plain data.

use lambda_foundation::{IdentityId, UserPoolId};

/// One link as stored: who owns an IdentityId, or which IdentityId a user has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryEntry {
    /// The identity pool IdentityId (`<region>:<uuid>`).
    pub identity_id: IdentityId,
    /// The user pool the user belongs to.
    pub user_pool_id: UserPoolId,
    /// The user's `sub` in that pool (stable for the user's lifetime, unlike the username).
    pub sub: String,
    /// The username at the time of linking (for display; look users up by `sub`).
    pub username: String,
    /// When the link was first written, in seconds since the Unix epoch.
    pub linked_at: u64,
    /// The usage counters, kept on the IdentityId's item only: `Some` when the entry was
    /// read by IdentityId, `None` when read by user.
    pub usage: Option<Usage>,
    /// When the user's `custom:identity_id` was written with this IdentityId (Unix
    /// seconds), as marked by [`crate::IdentityDirectory::mark_user_pool_written`]: read
    /// from the user item only, so `None` when read by IdentityId or not yet written. A
    /// link that is not marked still owes the user pool its attribute.
    pub user_pool_written_at: Option<u64>,
}

impl DirectoryEntry {
    /// Whether this entry links the same IdentityId to the same user as `link` (the
    /// username and time may differ: a repeat link is still the same link).
    pub fn is_same_link(&self, link: &NewLink) -> bool {
        self.identity_id == link.identity_id && self.user_pool_id == link.user_pool_id && self.sub == link.sub
    }
}

/// What a user has stored under their `private/<IdentityId>/` folder, as counted by the
/// object-owner function. Both counters start at 0.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// Number of objects.
    pub objects: u64,
    /// Their total size in bytes.
    pub bytes: u64,
}

/// A link to record: the IdentityId that Cognito's `GetId` returned for this user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLink {
    /// The IdentityId, as `GetId` returned it (never as a client claimed it).
    pub identity_id: IdentityId,
    /// The user's pool.
    pub user_pool_id: UserPoolId,
    /// The user's `sub` (from a verified token or `ListUsers`).
    pub sub: String,
    /// The user's username.
    pub username: String,
    /// Now, in seconds since the Unix epoch; kept only if the link is new.
    pub linked_at: u64,
}

/// What [`crate::IdentityDirectory::record_link`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkRecorded {
    /// The link was written (both directions, or the one direction that was missing).
    Created,
    /// Both directions already held exactly this link; nothing was written.
    AlreadyPresent,
}

/// Why a link was refused: what the directory already holds, read back in the same
/// transaction, so that the caller can log who holds what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkConflict {
    /// The link refused.
    pub requested: NewLink,
    /// The IdentityId's current owner, when that is another user.
    pub identity_owner: Option<DirectoryEntry>,
    /// The user's current link, when that is another IdentityId.
    pub user_link: Option<DirectoryEntry>,
}
