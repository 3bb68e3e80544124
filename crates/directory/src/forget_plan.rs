//! What forgetting a user removes and writes, and what the outcome is: pure functions
//! over what the directory holds, so that every branch is tested without DynamoDB.
//!
//! Forgetting a user (user pool id + `sub`) ends in one `TransactWriteItems` that:
//!
//! 1. deletes the `user#<pool>#<sub>` item, on condition that it still names the
//!    IdentityId read (a concurrent relink re-plans);
//! 2. deletes every `identity#` item of the user: the current one and any earlier one
//!    marked `movedTo` by a relink, with their usage counters;
//! 3. deletes the `unattributed#` item of each of those IdentityIds, when there is one,
//!    and the forget's own progress item `forget#<pool>#<sub>`, when there is one;
//! 4. puts the tombstone `forgotten#<pool>#<sub>` (the time, and the SHA-256 of the
//!    IdentityId; nothing else), on condition that there is none yet;
//! 5. puts one `forgotten-identity#<SHA-256 of the IdentityId>` item per IdentityId, so
//!    that a late S3 event for the folder is recognised without naming anyone.
//!
//! The tombstone is keyed by pool and `sub`, not by `sub` alone: a `sub` is unique within
//! its pool only, and every other user key of the table (`user#<pool>#<sub>`) is scoped the
//! same way, so the link transaction checks it with what it already knows.

use aws_lc_rs::digest::{SHA256, digest};

use crate::entry::DirectoryEntry;
use lambda_foundation::{IdentityId, UserPoolId};

/// The SHA-256 of an IdentityId, in lowercase hexadecimal: the only trace of it that a
/// tombstone keeps (the folder `private/<IdentityId>/` can be recognised, not named).
pub fn identity_id_hash(identity_id: &IdentityId) -> String {
    digest(&SHA256, identity_id.as_str().as_bytes()).as_ref().iter().map(|byte| format!("{byte:02x}")).collect()
}

/// What the directory holds for one user, as read before forgetting them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ForgetFindings {
    /// The `user#` item, when there is one.
    pub user: Option<DirectoryEntry>,
    /// The user's `identity#` items that exist: the current one and earlier ones marked
    /// `movedTo` (read by IdentityId, so with their usage).
    pub identities: Vec<DirectoryEntry>,
    /// IdentityIds of the user with an `unattributed#` item.
    pub unattributed: Vec<IdentityId>,
    /// Whether the user's `forget#` progress item exists.
    pub progress: bool,
    /// Whether the tombstone `forgotten#<pool>#<sub>` exists.
    pub tombstone: bool,
}

/// What to remove for one user: the input of the forget transaction and of the folder
/// work (the IdentityIds name the folders).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForgetTargets {
    /// The user's pool.
    pub user_pool_id: UserPoolId,
    /// The user's `sub`.
    pub sub: String,
    /// The IdentityId the `user#` item names (`None` when only identity items are left).
    pub current: Option<IdentityId>,
    /// Every IdentityId of the user, current first, without repeats: the identities to
    /// delete from the identity pool and the folders to clear.
    pub identity_ids: Vec<IdentityId>,
    /// Whether the `user#` item exists (deleted on condition it still names `current`).
    pub user_item: bool,
    /// The `identity#` items to delete.
    pub identity_items: Vec<IdentityId>,
    /// The `unattributed#` items to delete.
    pub unattributed_items: Vec<IdentityId>,
    /// Whether the `forget#` progress item existed when planned (it is deleted in any case:
    /// the folder work may write it after the plan).
    pub progress_item: bool,
}

/// What forgetting a user comes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForgetPlan {
    /// The directory knows no such user and holds no tombstone: nothing is written.
    NotFound,
    /// Only the tombstone is left: forgotten before, nothing to do.
    AlreadyForgotten,
    /// These items are to go (after the identities and folders).
    Forget(ForgetTargets),
}

/// Decides from what was read. A tombstone with items left beside it (a user linked again
/// before the tombstone check existed, or items written by hand) is forgotten again: the
/// items go, and the tombstone's put is then skipped.
pub fn plan_forget(user_pool_id: &UserPoolId, sub: &str, findings: &ForgetFindings) -> ForgetPlan {
    let owned = |entry: &&DirectoryEntry| entry.user_pool_id == *user_pool_id && entry.sub == sub;
    let identities: Vec<&DirectoryEntry> = findings.identities.iter().filter(owned).collect();
    let user = findings.user.as_ref().filter(owned);
    if user.is_none() && identities.is_empty() {
        return if findings.tombstone { ForgetPlan::AlreadyForgotten } else { ForgetPlan::NotFound };
    }
    let current = user.map(|user| user.identity_id.clone());
    let mut identity_ids: Vec<IdentityId> = current.iter().cloned().collect();
    for entry in &identities {
        if !identity_ids.contains(&entry.identity_id) {
            identity_ids.push(entry.identity_id.clone());
        }
    }
    ForgetPlan::Forget(ForgetTargets {
        user_pool_id: user_pool_id.clone(),
        sub: sub.to_owned(),
        current,
        user_item: user.is_some(),
        identity_items: identities.iter().map(|entry| entry.identity_id.clone()).collect(),
        unattributed_items: findings
            .unattributed
            .iter()
            .filter(|identity_id| identity_ids.contains(identity_id))
            .cloned()
            .collect(),
        identity_ids,
        progress_item: findings.progress,
    })
}

/// What [`crate::IdentityDirectory::forget`] answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForgetOutcome {
    /// The items were deleted and the tombstone written, in one transaction.
    Forgotten {
        /// How many items the transaction deleted.
        items_deleted: usize,
    },
    /// Only the tombstone was there.
    AlreadyForgotten,
    /// No such user: nothing written.
    NotFound,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::Usage;

    const POOL: &str = "us-east-1_Forget1";
    const ID_A: &str = "us-east-1:aaaaaaaa-0000-4000-8000-000000000000";
    const ID_B: &str = "us-east-1:bbbbbbbb-0000-4000-8000-000000000000";

    fn entry(identity: &str, sub: &str) -> DirectoryEntry {
        DirectoryEntry {
            identity_id: IdentityId::parse(identity).unwrap(),
            user_pool_id: UserPoolId::parse(POOL).unwrap(),
            sub: sub.into(),
            username: "ada".into(),
            linked_at: 1,
            usage: Some(Usage::default()),
            user_pool_written_at: None,
        }
    }

    fn pool() -> UserPoolId {
        UserPoolId::parse(POOL).unwrap()
    }

    #[test]
    fn the_hash_is_sha256_hex_of_the_identity_id() {
        let hash = identity_id_hash(&IdentityId::parse(ID_A).unwrap());
        assert_eq!(hash.len(), 64);
        assert!(hash.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(hash, identity_id_hash(&IdentityId::parse(ID_B).unwrap()));
        assert!(!hash.contains("aaaaaaaa"));
    }

    #[test]
    fn nothing_known_is_not_found_and_a_lone_tombstone_is_already_forgotten() {
        assert_eq!(plan_forget(&pool(), "s", &ForgetFindings::default()), ForgetPlan::NotFound);
        let tombstone = ForgetFindings { tombstone: true, ..ForgetFindings::default() };
        assert_eq!(plan_forget(&pool(), "s", &tombstone), ForgetPlan::AlreadyForgotten);
    }

    #[test]
    fn a_linked_user_loses_every_item_current_id_first() {
        let findings = ForgetFindings {
            user: Some(entry(ID_B, "s")),
            identities: vec![entry(ID_A, "s"), entry(ID_B, "s")],
            unattributed: vec![IdentityId::parse(ID_A).unwrap()],
            progress: true,
            tombstone: false,
        };
        let ForgetPlan::Forget(targets) = plan_forget(&pool(), "s", &findings) else { panic!("expected a forget") };
        let ids: Vec<&str> = targets.identity_ids.iter().map(IdentityId::as_str).collect();
        assert_eq!(ids, [ID_B, ID_A]);
        assert!(targets.user_item && targets.progress_item);
        assert_eq!(targets.identity_items.len(), 2);
        assert_eq!(targets.unattributed_items, vec![IdentityId::parse(ID_A).unwrap()]);
        assert_eq!(targets.current.as_ref().map(IdentityId::as_str), Some(ID_B));
    }

    #[test]
    fn items_of_another_user_are_never_targets() {
        let findings = ForgetFindings {
            user: None,
            identities: vec![entry(ID_A, "someone-else")],
            unattributed: vec![IdentityId::parse(ID_A).unwrap()],
            ..ForgetFindings::default()
        };
        assert_eq!(plan_forget(&pool(), "s", &findings), ForgetPlan::NotFound);
    }

    #[test]
    fn identity_items_left_without_a_user_item_are_still_forgotten() {
        let findings = ForgetFindings { identities: vec![entry(ID_A, "s")], ..ForgetFindings::default() };
        let ForgetPlan::Forget(targets) = plan_forget(&pool(), "s", &findings) else { panic!("expected a forget") };
        assert!(!targets.user_item);
        assert_eq!(targets.current, None);
        assert_eq!(targets.identity_ids, vec![IdentityId::parse(ID_A).unwrap()]);
    }
}
