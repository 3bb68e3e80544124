//! How `record_link` decides its next transaction from what the last one reported: pure
//! functions over plain data, so every branch is tested without DynamoDB.
//!
//! A transaction always holds two operations, the IdentityId's item first and the user's
//! second. Each is either a conditional put (`attribute_not_exists(pk)`) for an item that
//! should not exist yet, or a condition check that an existing item still holds this very
//! link. Both ask DynamoDB to return the stored item when their condition fails, so a
//! cancelled transaction says exactly what is there: no read before, none after.

use crate::entry::{DirectoryEntry, LinkConflict, LinkRecorded, NewLink};

/// What to do with one of the link's two items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ItemWrite {
    /// Put it, on condition that no item has its key.
    PutIfAbsent,
    /// Write nothing; check that the stored item holds this link.
    CheckSameLink,
}

/// The two operations of one transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Plan {
    pub identity: ItemWrite,
    pub user: ItemWrite,
}

impl Plan {
    /// A first link: both items new.
    pub(crate) const FIRST: Plan = Plan { identity: ItemWrite::PutIfAbsent, user: ItemWrite::PutIfAbsent };

    /// What a transaction that commits with this plan did.
    pub(crate) fn committed(self) -> LinkRecorded {
        if self.identity == ItemWrite::PutIfAbsent || self.user == ItemWrite::PutIfAbsent {
            LinkRecorded::Created
        } else {
            LinkRecorded::AlreadyPresent
        }
    }
}

/// What one operation of a cancelled transaction reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Its condition held (it would have written, had the transaction committed).
    Passed,
    /// Its condition failed; the stored item, when there is one.
    ConditionFailed(Option<DirectoryEntry>),
    /// Another writer held the item; try the same plan again.
    Contended,
}

/// What the directory holds for one of the link's items, as learnt from an outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Stored {
    Absent,
    Entry(DirectoryEntry),
    /// A contended or otherwise silent outcome: unknown until the next attempt.
    Unknown,
}

fn stored(write: ItemWrite, outcome: &Outcome, link: &NewLink) -> Stored {
    match (write, outcome) {
        (_, Outcome::Contended) => Stored::Unknown,
        (ItemWrite::PutIfAbsent, Outcome::Passed) => Stored::Absent,
        (ItemWrite::CheckSameLink, Outcome::Passed) => Stored::Entry(same_link_entry(link)),
        (_, Outcome::ConditionFailed(Some(entry))) => Stored::Entry(entry.clone()),
        // A put that failed without an item should not happen; a check that failed without
        // one means the item was deleted meanwhile.
        (ItemWrite::PutIfAbsent, Outcome::ConditionFailed(None)) => Stored::Unknown,
        (ItemWrite::CheckSameLink, Outcome::ConditionFailed(None)) => Stored::Absent,
    }
}

/// A stand-in for an item known (by a passed check) to hold `link`.
fn same_link_entry(link: &NewLink) -> DirectoryEntry {
    DirectoryEntry {
        identity_id: link.identity_id.clone(),
        user_pool_id: link.user_pool_id.clone(),
        sub: link.sub.clone(),
        username: link.username.clone(),
        linked_at: link.linked_at,
        usage: None,
        user_pool_written_at: None,
    }
}

/// After a cancelled transaction: the answer, or the next plan to try.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Next {
    Done(LinkRecorded),
    Conflict(Box<LinkConflict>),
    Retry(Plan),
}

/// Decides from a cancelled transaction's two outcomes (identity item, user item).
pub(crate) fn after_cancellation(link: &NewLink, plan: Plan, identity: &Outcome, user: &Outcome) -> Next {
    let identity = stored(plan.identity, identity, link);
    let user = stored(plan.user, user, link);
    let differs = |stored: &Stored| match stored {
        Stored::Entry(entry) if !entry.is_same_link(link) => Some(entry.clone()),
        _ => None,
    };
    let (identity_owner, user_link) = (differs(&identity), differs(&user));
    if identity_owner.is_some() || user_link.is_some() {
        return Next::Conflict(Box::new(LinkConflict { requested: link.clone(), identity_owner, user_link }));
    }
    let write_for = |stored: &Stored, previous: ItemWrite| match stored {
        Stored::Absent => ItemWrite::PutIfAbsent,
        Stored::Entry(_) => ItemWrite::CheckSameLink,
        Stored::Unknown => previous,
    };
    let next = Plan { identity: write_for(&identity, plan.identity), user: write_for(&user, plan.user) };
    if next == (Plan { identity: ItemWrite::CheckSameLink, user: ItemWrite::CheckSameLink }) {
        // Both items hold this link already: nothing to write, nothing to check again.
        Next::Done(LinkRecorded::AlreadyPresent)
    } else {
        Next::Retry(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_foundation::{IdentityId, UserPoolId};

    fn link(identity: &str, sub: &str) -> NewLink {
        NewLink {
            identity_id: IdentityId::parse(identity).unwrap(),
            user_pool_id: UserPoolId::parse("us-east-1_Pool1").unwrap(),
            sub: sub.into(),
            username: sub.into(),
            linked_at: 100,
        }
    }

    const ID_A: &str = "us-east-1:aaaaaaaa-0000-4000-8000-000000000000";
    const ID_B: &str = "us-east-1:bbbbbbbb-0000-4000-8000-000000000000";

    fn stored_entry(link: &NewLink) -> Outcome {
        Outcome::ConditionFailed(Some(DirectoryEntry {
            linked_at: 1,
            username: "old name".into(),
            ..same_link_entry(link)
        }))
    }

    #[test]
    fn a_repeat_link_is_already_present() {
        let ada = link(ID_A, "ada");
        let next = after_cancellation(&ada, Plan::FIRST, &stored_entry(&ada), &stored_entry(&ada));
        assert_eq!(next, Next::Done(LinkRecorded::AlreadyPresent));
    }

    #[test]
    fn an_identity_id_of_another_user_is_a_conflict() {
        let ada = link(ID_A, "ada");
        let bob = link(ID_A, "bob");
        let Next::Conflict(conflict) = after_cancellation(&ada, Plan::FIRST, &stored_entry(&bob), &Outcome::Passed)
        else {
            panic!("expected a conflict")
        };
        assert_eq!(conflict.identity_owner.unwrap().sub, "bob");
        assert_eq!(conflict.user_link, None);
    }

    #[test]
    fn a_user_linked_to_another_identity_id_is_a_conflict() {
        let ada = link(ID_A, "ada");
        let ada_elsewhere = link(ID_B, "ada");
        let Next::Conflict(conflict) =
            after_cancellation(&ada, Plan::FIRST, &Outcome::Passed, &stored_entry(&ada_elsewhere))
        else {
            panic!("expected a conflict")
        };
        assert_eq!(conflict.user_link.unwrap().identity_id.as_str(), ID_B);
        assert_eq!(conflict.identity_owner, None);
    }

    #[test]
    fn a_half_written_link_is_completed_with_a_check_of_the_other_half() {
        let ada = link(ID_A, "ada");
        let next = after_cancellation(&ada, Plan::FIRST, &stored_entry(&ada), &Outcome::Passed);
        let repair = Plan { identity: ItemWrite::CheckSameLink, user: ItemWrite::PutIfAbsent };
        assert_eq!(next, Next::Retry(repair));
        assert_eq!(repair.committed(), LinkRecorded::Created);
        // The checked half vanished meanwhile: put both again.
        let next = after_cancellation(&ada, repair, &Outcome::ConditionFailed(None), &Outcome::Passed);
        assert_eq!(next, Next::Retry(Plan::FIRST));
    }

    #[test]
    fn contention_retries_the_same_plan() {
        let ada = link(ID_A, "ada");
        assert_eq!(
            after_cancellation(&ada, Plan::FIRST, &Outcome::Contended, &Outcome::Contended),
            Next::Retry(Plan::FIRST)
        );
        assert_eq!(Plan::FIRST.committed(), LinkRecorded::Created);
    }
}
