//! Usage that equals what is stored, safe under contention: the decisions. Pure: the
//! object's stored record and one S3 event in, what to write out. The writes are in
//! [`crate::IdentityDirectory::record_usage_changes`].
//!
//! # Design
//!
//! A user's usage is what their folder holds now: a new key adds one object and its
//! bytes, an overwrite adds the difference in bytes, a removal subtracts what the key
//! held. S3 and SQS deliver at least once and in any order, and many writers update one
//! user's counters at once (a burst of uploads). DynamoDB cancels a transaction that
//! touches an item another request is changing (`TransactionConflict`), so:
//!
//! - **The shared counter item (`identity#` or `unattributed#`) is never in a
//!   transaction.** It is changed by plain single-item `UpdateItem`s (`ADD`), which
//!   DynamoDB serializes and never cancels for contention. A batch's changes for one
//!   counter item are summed into one such update.
//! - **Each key's state lives on its own item**, `object#<bucket>#<key>`: the last
//!   applied sequencer (left-padded, so that the table's string order is S3's order),
//!   whether the key holds an object, its size. A removal leaves a tombstone that keeps
//!   its sequencer (and expires after [`crate::schema::EVENT_RETENTION_SECS`]), so a late
//!   older put is ignored. Only an event newer than the stored sequencer changes the item:
//!   a conditional write on the sequencer read, retried from a fresh read when another
//!   event of the same key got there first. Its change to the counters is the new state's
//!   contribution minus the old one's, so the changes of a key telescope to what it holds,
//!   whatever the order of arrival. An older or repeated event changes nothing.
//! - **The object item is the journal; the counter add is made safe to repeat.** Two
//!   items cannot change in one step without a transaction, so each event is applied in
//!   four single-item writes, each safe to repeat, and whoever finds the journal
//!   unfinished finishes it:
//!   1. *commit*: the object item takes the new state and, in the same write, an
//!      *unsettled* entry for the event holding its change to the counters
//!      (`unsettled.<sequencer>`);
//!   2. *settle*: the counter item takes the change (`ADD`) and, in the same write, a
//!      marker for the event (`usage#<key hash>#<sequencer>`), under the condition that
//!      the marker is absent: a second settle of the same event adds nothing;
//!   3. *clear*: the object item drops the unsettled entry;
//!   4. *unmark*: the counter item drops the marker.
//!
//!   A delivery that stops anywhere leaves its message failed (or unanswered), so SQS
//!   delivers it again, and the repeat reads the object item first:
//!   - stopped before 1: nothing was written; it starts over;
//!   - between 1 and 2: the unsettled entry is there, so it settles (2), clears, unmarks;
//!   - between 2 and 3: settle finds the marker and adds nothing; it clears and unmarks;
//!   - between 3 and 4: the event is applied and settled; a redelivered message (SQS's
//!     receive count above 1) removes the marker it may have left;
//!   - after 4: the event is applied; nothing happens.
//!
//!   A later event of the same key may commit on top of an unsettled one: the entries
//!   are kept side by side, and each is settled by its own event's delivery, in the
//!   key's order: a change waits (briefly, then fails and comes back) while an earlier
//!   change of its key is unsettled, unless both are settled in the same update. So the
//!   settled changes of a key are always a prefix of its history, whose sum is what the
//!   key held at some point: never below zero. An event whose message ends in the
//!   dead-letter queue leaves its entry unsettled (the counters miss that change, and the
//!   key's later changes wait) until the message is redriven.
//!
//! - **One delivery at a time settles an event: the one holding its claim.** The same
//!   event can reach two deliveries at once (S3 sends a notification twice; SQS hands a
//!   message out again). Without more, a delivery that read the unsettled entry could
//!   stall while the other settles, clears and unmarks, then settle again on a counter
//!   whose marker is gone: the event counted twice. So each unsettled entry names its
//!   *holder* and a time *until* which the claim holds ([`CLAIM_SECS`], longer than any
//!   invocation of the function that writes it can last). The commit writes the entry
//!   already claimed by its delivery. Another delivery that finds the entry settles it
//!   only after taking the claim, by a write conditioned on the claim it read, which is
//!   possible only once the claim has lapsed (or was released by a holder that failed):
//!   a delivery that read the entry before it was cleared finds its condition false,
//!   reads again, and finds the event settled. Until then it waits briefly, then fails
//!   its message, which SQS delivers again later.
//!
//! Reads are strongly consistent `GetItem`s, which never conflict. The counter item holds
//! markers only while their events are in flight. What this relies on: no invocation
//! outlives [`CLAIM_SECS`] (Lambda stops it at the function's timeout, 120 s in the
//! template, which a test checks), so a lapsed claim's holder can write nothing more. A
//! marker older than the function's timeout on a counter item is the trace a stopped
//! delivery leaves (the next delivery of the same event removes it).

use std::collections::BTreeMap;

use crate::sequencer::Sequencer;
use crate::usage::{ObjectChange, ObjectChangeEvent};

/// A change to the `objects` and `bytes` counters (negative for removals and shrinking
/// overwrites).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UsageDelta {
    /// Objects added (or removed, negative).
    pub objects: i64,
    /// Bytes added (or removed, negative).
    pub bytes: i64,
}

impl UsageDelta {
    /// Whether the counters would not change.
    pub fn is_zero(&self) -> bool {
        self.objects == 0 && self.bytes == 0
    }

    /// The sum of two changes.
    pub fn plus(self, other: UsageDelta) -> UsageDelta {
        UsageDelta { objects: self.objects + other.objects, bytes: self.bytes + other.bytes }
    }

    fn between(old: ObjectState, new: ObjectState) -> UsageDelta {
        let (old, new) = (old.contribution(), new.contribution());
        UsageDelta { objects: new.objects - old.objects, bytes: new.bytes - old.bytes }
    }
}

/// What a key holds, as far as usage is concerned.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ObjectState {
    /// Whether an object is stored under the key (false: never, or removed).
    pub present: bool,
    /// Its size in bytes (0 when not present).
    pub size: u64,
}

impl ObjectState {
    /// What the key counts for.
    pub fn contribution(self) -> UsageDelta {
        match self.present {
            true => UsageDelta { objects: 1, bytes: i64::try_from(self.size).unwrap_or(i64::MAX) },
            false => UsageDelta::default(),
        }
    }

    /// The state an event leaves.
    pub fn after(change: ObjectChange) -> ObjectState {
        match change {
            ObjectChange::Stored { size } => ObjectState { present: true, size },
            ObjectChange::Removed => ObjectState { present: false, size: 0 },
        }
    }
}

/// How long a delivery's claim on settling an event holds: longer than any invocation of
/// the function that records usage can last (object-owner's timeout is 120 s), and
/// shorter than the queue's visibility timeout (720 s), so that the redelivery of a
/// message whose invocation stopped finds the claim lapsed.
pub const CLAIM_SECS: u64 = 300;

/// Who settles an unsettled event, and until when that holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The delivery holding it: a random name per [`crate::IdentityDirectory::record_usage_changes`] call.
    pub holder: String,
    /// When the claim lapses (seconds since the epoch).
    pub until: u64,
}

/// An applied event whose change is not yet known to be in the counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsettled {
    /// Its change to the counters.
    pub delta: UsageDelta,
    /// Who settles it (`None`: written before claims existed, free to take).
    pub claim: Option<Claim>,
}

/// Whether a delivery may settle an unsettled event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimVerdict {
    /// It holds the claim already.
    Held,
    /// The claim is free (lapsed, released or never taken): take it, on the condition
    /// that it is still the claim read (`None`: still no claim).
    Free(Option<Claim>),
    /// Another delivery is settling it: wait, and read again.
    Taken,
}

/// Decides whether `holder` may settle `entry` at `now`. Pure.
pub fn claim_verdict(entry: &Unsettled, holder: &str, now: u64) -> ClaimVerdict {
    match &entry.claim {
        Some(claim) if claim.holder == holder => ClaimVerdict::Held,
        Some(claim) if claim.until > now => ClaimVerdict::Taken,
        seen => ClaimVerdict::Free(seen.clone()),
    }
}

/// An `object#` item, read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRecord {
    /// The last event applied to the key.
    pub sequencer: Sequencer,
    /// What the key holds since that event.
    pub state: ObjectState,
    /// Applied events whose change is not yet known to be in the counters, by the
    /// sequencer's [`Sequencer::short`] form.
    pub unsettled: BTreeMap<String, Unsettled>,
}

/// What to do with one event, given the key's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangePlan {
    /// Write the new state, if the record still has the sequencer read (`None`: if there
    /// is still no record), with the change to settle (none when it is zero).
    Commit {
        /// The sequencer the record must still have.
        expected: Option<Sequencer>,
        /// The key's state after the event.
        next: ObjectState,
        /// The change to the counters.
        delta: UsageDelta,
    },
    /// The event was applied but its change not yet settled: settle it, once its claim
    /// is held (see [`claim_verdict`]).
    Settle(Unsettled),
    /// The event is the last one applied and is settled.
    AlreadyApplied,
    /// A later event of the key was applied: this one changes nothing.
    Superseded,
}

/// Decides what `event` does, given the key's `record` (`None`: never seen).
pub fn plan_change(record: Option<&ObjectRecord>, event: &ObjectChangeEvent) -> ChangePlan {
    let next = ObjectState::after(event.change);
    let Some(record) = record else {
        return ChangePlan::Commit { expected: None, next, delta: UsageDelta::between(ObjectState::default(), next) };
    };
    if let Some(entry) = record.unsettled.get(event.sequencer.short()) {
        return ChangePlan::Settle(entry.clone());
    }
    if event.sequencer == record.sequencer {
        return ChangePlan::AlreadyApplied;
    }
    if event.sequencer < record.sequencer {
        return ChangePlan::Superseded;
    }
    ChangePlan::Commit {
        expected: Some(record.sequencer.clone()),
        next,
        delta: UsageDelta::between(record.state, next),
    }
}

/// The name of an event's marker on the counter item: `usage#<key hash>#<sequencer>`.
/// The key is hashed (FNV-1a, 64 bits) to keep the name short whatever the key's length;
/// a clash needs two keys of one folder with equal hashes *and* equal sequencers, which
/// S3 never gives two writes at once.
pub fn marker_name(bucket: &str, key: &str, sequencer: &Sequencer) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bucket.bytes().chain([0]).chain(key.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{}{hash:016x}#{}", crate::schema::MARKER_PREFIX, sequencer.short())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seq(text: &str) -> Sequencer {
        Sequencer::parse(text).unwrap()
    }

    fn event(sequencer: &str, change: ObjectChange) -> ObjectChangeEvent {
        ObjectChangeEvent { bucket: "b-1".into(), key: "private/x/k".into(), sequencer: seq(sequencer), change }
    }

    fn record(sequencer: &str, present: bool, size: u64) -> ObjectRecord {
        ObjectRecord { sequencer: seq(sequencer), state: ObjectState { present, size }, unsettled: BTreeMap::new() }
    }

    fn delta(objects: i64, bytes: i64) -> UsageDelta {
        UsageDelta { objects, bytes }
    }

    /// Applies `events` in the given order to one key, the way the writes do (commit and
    /// settle at once), and returns the counters.
    fn counted(events: &[ObjectChangeEvent]) -> UsageDelta {
        let (mut stored, mut total) = (None::<ObjectRecord>, UsageDelta::default());
        for event in events {
            if let ChangePlan::Commit { next, delta, .. } = plan_change(stored.as_ref(), event) {
                total = total.plus(delta);
                stored =
                    Some(ObjectRecord { sequencer: event.sequencer.clone(), state: next, unsettled: BTreeMap::new() });
            }
        }
        total
    }

    #[test]
    fn a_new_key_adds_an_overwrite_adds_the_difference_a_removal_subtracts() {
        let put = event("0A", ObjectChange::Stored { size: 5 });
        assert_eq!(
            plan_change(None, &put),
            ChangePlan::Commit { expected: None, next: ObjectState { present: true, size: 5 }, delta: delta(1, 5) }
        );
        let overwrite = event("0B", ObjectChange::Stored { size: 3 });
        assert_eq!(
            plan_change(Some(&record("0A", true, 5)), &overwrite),
            ChangePlan::Commit {
                expected: Some(seq("A")),
                next: ObjectState { present: true, size: 3 },
                delta: delta(0, -2)
            }
        );
        let removal = event("0C", ObjectChange::Removed);
        assert_eq!(
            plan_change(Some(&record("0B", true, 3)), &removal),
            ChangePlan::Commit { expected: Some(seq("B")), next: ObjectState::default(), delta: delta(-1, -3) }
        );
        // Removing what was never counted changes nothing, but leaves its tombstone.
        assert_eq!(
            plan_change(None, &removal),
            ChangePlan::Commit { expected: None, next: ObjectState::default(), delta: UsageDelta::default() }
        );
    }

    #[test]
    fn repeats_and_older_events_change_nothing() {
        let stored = record("0F", true, 9);
        assert_eq!(
            plan_change(Some(&stored), &event("F", ObjectChange::Stored { size: 9 })),
            ChangePlan::AlreadyApplied
        );
        // "9" is before "F" (and "0F" is before "10", whatever their lengths).
        assert_eq!(plan_change(Some(&stored), &event("9", ObjectChange::Removed)), ChangePlan::Superseded);
        assert!(matches!(plan_change(Some(&stored), &event("10", ObjectChange::Removed)), ChangePlan::Commit { .. }));
        // A tombstone keeps its sequencer: a late older put is ignored.
        let tombstone = record("20", false, 0);
        assert_eq!(
            plan_change(Some(&tombstone), &event("1F", ObjectChange::Stored { size: 4 })),
            ChangePlan::Superseded
        );
    }

    #[test]
    fn an_unsettled_event_is_settled_even_under_a_later_one() {
        let mut stored = record("30", true, 2);
        let entry = Unsettled { delta: delta(1, 7), claim: None };
        stored.unsettled.insert("2F".into(), entry.clone());
        assert_eq!(
            plan_change(Some(&stored), &event("2F", ObjectChange::Stored { size: 7 })),
            ChangePlan::Settle(entry)
        );
    }

    #[test]
    fn an_unsettled_event_is_settled_only_by_its_claims_holder_until_the_claim_lapses() {
        let claim = Claim { holder: "d1".into(), until: 1_000 };
        let entry = Unsettled { delta: delta(1, 7), claim: Some(claim.clone()) };
        assert_eq!(claim_verdict(&entry, "d1", 999), ClaimVerdict::Held);
        assert_eq!(claim_verdict(&entry, "d2", 999), ClaimVerdict::Taken);
        assert_eq!(claim_verdict(&entry, "d2", 1_000), ClaimVerdict::Free(Some(claim)));
        let unclaimed = Unsettled { delta: delta(1, 7), claim: None };
        assert_eq!(claim_verdict(&unclaimed, "d2", 0), ClaimVerdict::Free(None));
    }

    #[test]
    fn any_order_of_a_keys_events_counts_what_the_last_one_left() {
        let events = [
            event("1", ObjectChange::Stored { size: 10 }),
            event("2", ObjectChange::Stored { size: 4 }),
            event("3", ObjectChange::Removed),
            event("A", ObjectChange::Stored { size: 6 }),
        ];
        // Every permutation, each with a duplicate of every event: 6 objects' worth.
        let mut order: Vec<usize> = (0..events.len()).collect();
        let mut permutations = 0;
        loop {
            let replayed: Vec<_> = order.iter().flat_map(|&i| [events[i].clone(), events[i].clone()]).collect();
            assert_eq!(counted(&replayed), delta(1, 6), "{order:?}");
            permutations += 1;
            // Next permutation (lexicographic).
            let Some(i) = (0..order.len() - 1).rev().find(|&i| order[i] < order[i + 1]) else { break };
            let j = (i + 1..order.len()).rev().find(|&j| order[j] > order[i]).unwrap();
            order.swap(i, j);
            order[i + 1..].reverse();
        }
        assert_eq!(permutations, 24);
    }

    #[test]
    fn markers_name_the_key_and_the_event() {
        let name = marker_name("b-1", "private/x/k", &seq("000A"));
        assert!(name.starts_with("usage#") && name.ends_with("#A"), "{name}");
        assert_eq!(name.len(), "usage#".len() + 16 + 2);
        assert_ne!(name, marker_name("b-1", "private/x/l", &seq("A")));
        assert_ne!(name, marker_name("b-2", "private/x/k", &seq("A")));
        assert_ne!(name, marker_name("b-1", "private/x/k", &seq("B")));
    }
}
