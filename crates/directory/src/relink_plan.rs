//! What a relink (a user's IdentityId replaced by a new one) and an unlink (a user's link
//! removed) write, and what a cancelled relink transaction means: pure functions over
//! plain data, so that every branch is tested without DynamoDB.
//!
//! A relink is one `TransactWriteItems` of up to three operations, in this order:
//!
//! 1. the new `identity#<new>` item, put on condition that no item has its key;
//! 2. the `user#` item, replaced on condition that it still names the old IdentityId
//!    (so two relinks, or a relink and an unlink, never both win);
//! 3. the old `identity#<old>` item, marked `movedTo` the new IdentityId on condition
//!    that it still belongs to this user. It keeps its counters: they are what the old
//!    folder holds, and S3 events of that folder keep being counted there (see
//!    [`crate::schema::MOVED_TO`]). Left out when the item does not exist.

use crate::entry::{DirectoryEntry, LinkConflict, NewLink, Usage};

/// What one operation of a cancelled relink transaction reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelinkOutcome {
    /// Its condition held.
    Passed,
    /// Its condition failed; the stored item, when there is one.
    ConditionFailed(Option<DirectoryEntry>),
    /// Another writer held the item; the same transaction may succeed later.
    Contended,
}

/// After a cancelled relink: what to answer or do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelinkNext {
    /// The user item already names the new IdentityId (a concurrent relink won): done.
    AlreadyRelinked,
    /// The new IdentityId belongs to someone else, or the user item names a third
    /// IdentityId (or is gone): nothing was written.
    Conflict(Box<LinkConflict>),
    /// The old identity item is gone or no longer this user's: send the transaction
    /// again without operation 3.
    RetryWithoutOld,
    /// Writers collided: send the same transaction again after a pause.
    Retry,
}

/// Decides from a cancelled relink's outcomes: the new identity item, the user item, and
/// the old identity item (`None` when the transaction had no third operation).
pub fn after_relink_cancellation(
    link: &NewLink,
    new_identity: &RelinkOutcome,
    user: &RelinkOutcome,
    old_identity: Option<&RelinkOutcome>,
) -> RelinkNext {
    let relinked = |outcome: &RelinkOutcome| matches!(outcome, RelinkOutcome::ConditionFailed(Some(entry)) if entry.is_same_link(link));
    if relinked(user) {
        return RelinkNext::AlreadyRelinked;
    }
    let identity_owner = match new_identity {
        RelinkOutcome::ConditionFailed(Some(entry)) if !entry.is_same_link(link) => Some(entry.clone()),
        _ => None,
    };
    let user_link = match user {
        RelinkOutcome::ConditionFailed(entry) => Some(entry.clone()),
        _ => None,
    };
    if identity_owner.is_some() || user_link.is_some() {
        return RelinkNext::Conflict(Box::new(LinkConflict {
            requested: link.clone(),
            identity_owner,
            user_link: user_link.flatten(),
        }));
    }
    match old_identity {
        Some(RelinkOutcome::ConditionFailed(_)) => RelinkNext::RetryWithoutOld,
        _ => RelinkNext::Retry,
    }
}

/// What an unlink removes, decided from the user item and the identity item as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnlinkPlan {
    /// The link removed (from the user item, or the identity item when only it is left).
    pub entry: DirectoryEntry,
    /// Whether the `user#` item exists (and names `entry.identity_id`): it is deleted.
    pub user_item: bool,
    /// Whether the `identity#` item exists (and is this user's): it is deleted.
    pub identity_item: bool,
    /// The identity item's counters, added to `unattributed#<IdentityId>` in the same
    /// transaction, on condition that they are still these.
    pub usage: Usage,
}

/// Why nothing can be unlinked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnlinkRefusal {
    /// Neither item exists.
    NotLinked,
    /// The identity item holds in-flight usage markers (an S3 event being counted):
    /// try again in a moment.
    InFlight,
    /// The two items do not name each other (written outside this library).
    Inconsistent,
}

/// Decides an unlink from what was read: the user item (by the user), the identity item
/// (by the user item's IdentityId, or the one asked about) and whether the identity item
/// holds in-flight markers.
pub fn plan_unlink(
    user: Option<&DirectoryEntry>,
    identity: Option<&DirectoryEntry>,
    identity_in_flight: bool,
) -> Result<UnlinkPlan, UnlinkRefusal> {
    let same_user = |a: &DirectoryEntry, b: &DirectoryEntry| a.sub == b.sub && a.user_pool_id == b.user_pool_id;
    let (entry, user_item, identity_item) = match (user, identity) {
        (None, None) => return Err(UnlinkRefusal::NotLinked),
        (Some(user), None) => (user.clone(), true, false),
        (None, Some(identity)) => (identity.clone(), false, true),
        (Some(user), Some(identity)) if same_user(user, identity) && user.identity_id == identity.identity_id => {
            (user.clone(), true, true)
        }
        (Some(_), Some(_)) => return Err(UnlinkRefusal::Inconsistent),
    };
    if identity_item && identity_in_flight {
        return Err(UnlinkRefusal::InFlight);
    }
    let usage = if identity_item { identity.and_then(|i| i.usage).unwrap_or_default() } else { Usage::default() };
    Ok(UnlinkPlan { entry, user_item, identity_item, usage })
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_foundation::{IdentityId, UserPoolId};

    const OLD: &str = "us-east-1:aaaaaaaa-0000-4000-8000-000000000000";
    const NEW: &str = "us-east-1:bbbbbbbb-0000-4000-8000-000000000000";
    const THIRD: &str = "us-east-1:cccccccc-0000-4000-8000-000000000000";

    fn entry(identity: &str, sub: &str) -> DirectoryEntry {
        DirectoryEntry {
            identity_id: IdentityId::parse(identity).unwrap(),
            user_pool_id: UserPoolId::parse("us-east-1_Pool1").unwrap(),
            sub: sub.into(),
            username: sub.into(),
            linked_at: 1,
            usage: None,
            user_pool_written_at: None,
        }
    }

    fn link(identity: &str) -> NewLink {
        let e = entry(identity, "ada");
        NewLink {
            identity_id: e.identity_id,
            user_pool_id: e.user_pool_id,
            sub: e.sub,
            username: e.username,
            linked_at: 2,
        }
    }

    fn failed(identity: &str, sub: &str) -> RelinkOutcome {
        RelinkOutcome::ConditionFailed(Some(entry(identity, sub)))
    }

    #[test]
    fn a_concurrent_relink_that_won_is_done() {
        let next = after_relink_cancellation(&link(NEW), &failed(NEW, "ada"), &failed(NEW, "ada"), None);
        assert_eq!(next, RelinkNext::AlreadyRelinked);
    }

    #[test]
    fn a_new_id_of_someone_else_or_a_moved_user_item_is_a_conflict() {
        let conflict = expect_conflict(after_relink_cancellation(
            &link(NEW),
            &failed(NEW, "bob"),
            &RelinkOutcome::Passed,
            Some(&RelinkOutcome::Passed),
        ));
        assert_eq!(conflict.identity_owner.unwrap().sub, "bob");
        let conflict =
            expect_conflict(after_relink_cancellation(&link(NEW), &RelinkOutcome::Passed, &failed(THIRD, "ada"), None));
        assert_eq!(conflict.user_link.unwrap().identity_id.as_str(), THIRD);
        // The user item vanished (an unlink won): a conflict too, nothing written.
        let conflict = expect_conflict(after_relink_cancellation(
            &link(NEW),
            &RelinkOutcome::Passed,
            &RelinkOutcome::ConditionFailed(None),
            None,
        ));
        assert_eq!(conflict.user_link, None);
    }

    fn expect_conflict(next: RelinkNext) -> Box<LinkConflict> {
        match next {
            RelinkNext::Conflict(c) => c,
            other => panic!("expected a conflict, got {other:?}"),
        }
    }

    #[test]
    fn a_missing_or_foreign_old_item_is_left_out_and_contention_retries() {
        let old_gone = RelinkOutcome::ConditionFailed(None);
        let next =
            after_relink_cancellation(&link(NEW), &RelinkOutcome::Passed, &RelinkOutcome::Passed, Some(&old_gone));
        assert_eq!(next, RelinkNext::RetryWithoutOld);
        let next = after_relink_cancellation(
            &link(NEW),
            &RelinkOutcome::Contended,
            &RelinkOutcome::Passed,
            Some(&RelinkOutcome::Passed),
        );
        assert_eq!(next, RelinkNext::Retry);
    }

    #[test]
    fn an_unlink_removes_what_exists_and_moves_the_counters() {
        let user = entry(OLD, "ada");
        let identity = DirectoryEntry { usage: Some(Usage { objects: 3, bytes: 30 }), ..entry(OLD, "ada") };
        let plan = plan_unlink(Some(&user), Some(&identity), false).unwrap();
        assert_eq!((plan.user_item, plan.identity_item, plan.usage), (true, true, Usage { objects: 3, bytes: 30 }));
        let plan = plan_unlink(Some(&user), None, false).unwrap();
        assert_eq!((plan.user_item, plan.identity_item, plan.usage), (true, false, Usage::default()));
        let plan = plan_unlink(None, Some(&identity), false).unwrap();
        assert_eq!((plan.user_item, plan.identity_item), (false, true));
    }

    #[test]
    fn an_unlink_refuses_nothing_in_flight_and_mismatched_items() {
        assert_eq!(plan_unlink(None, None, false), Err(UnlinkRefusal::NotLinked));
        let user = entry(OLD, "ada");
        assert_eq!(plan_unlink(Some(&user), Some(&entry(OLD, "ada")), true), Err(UnlinkRefusal::InFlight));
        assert_eq!(plan_unlink(Some(&user), Some(&entry(OLD, "bob")), false), Err(UnlinkRefusal::Inconsistent));
        assert_eq!(plan_unlink(Some(&user), Some(&entry(NEW, "ada")), false), Err(UnlinkRefusal::Inconsistent));
    }
}
