//! The usage writes: each S3 event applied to its key's `object#` item, then its change
//! settled on the counter item, each step one single-item write that is safe to repeat.
//! Why, and what each crash point leaves, is in [`crate::usage_plan`]; the decisions are
//! made there too, and this file is the DynamoDB calls around them.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::types::AttributeValue;
use lambda_foundation::IdentityId;

use crate::backoff;
use crate::entry::Usage;
use crate::error::{Class, DirectoryError, classify_sdk_error};
use crate::identity_directory::IdentityDirectory;
use crate::schema;
use crate::sequencer::Sequencer;
use crate::sub_key::FolderSub;
use crate::usage::{ChangeRecorded, ObjectChangeEvent, SubUsageChange, UsageAccount, UsageChange};
use crate::usage_plan::{
    CLAIM_SECS, ChangePlan, Claim, ClaimVerdict, ObjectRecord, ObjectState, Unsettled, UsageDelta, claim_verdict,
    marker_name, plan_change,
};

/// Reads and conditional writes of one key before giving up while other events of the
/// same key keep getting there first.
const MAX_COMMIT_ATTEMPTS: u32 = 6;
/// Attempts of one single-item write that collided with a transaction on the same item.
const MAX_CONTENDED_ATTEMPTS: u32 = 5;
/// Summed counter updates tried for one batch (a repeat drops the events already settled).
const MAX_SETTLE_ROUNDS: u32 = 3;
/// Reads of a key's item while waiting for an earlier change of the key to be settled by
/// its own delivery (usually another instance, milliseconds away).
const MAX_EARLIER_WAITS: u32 = 4;

/// Where one change stands after its key's item was written.
enum Committed {
    /// Applied, and this delivery holds the claim to settle it: its change is to be
    /// settled on the counters, after the key's earlier
    /// unsettled changes (`earlier`, by sequencer) so that a key never counts below zero.
    Settle(UsageDelta, Vec<Sequencer>),
    /// Applied and settled before: a redelivered message may have left its marker.
    AlreadyApplied,
    /// Nothing left to do.
    Done(ChangeRecorded),
}

/// How a single-item conditional write ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Written {
    Yes,
    ConditionFailed,
}

/// A counter item: whose, and which one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Counter {
    /// A `private/<IdentityId>/` folder's: `identity#` or `unattributed#`.
    Identity(IdentityId, UsageAccount),
    /// A `users/<sub>/` folder's: `subfolder#<sub>`.
    SubFolder(FolderSub),
}

fn counter_key(counter: &Counter) -> String {
    match counter {
        Counter::Identity(identity_id, UsageAccount::Linked) => schema::identity_key(identity_id),
        Counter::Identity(identity_id, UsageAccount::Unattributed) => schema::unattributed_key(identity_id),
        Counter::SubFolder(sub) => schema::subfolder_key(sub),
    }
}

/// One change to count, on its counter item.
#[derive(Debug, Clone)]
struct LedgerChange {
    counter: Counter,
    event: ObjectChangeEvent,
    redelivered: bool,
}

impl IdentityDirectory {
    /// Counts `changes` (S3 events, in any order, repeats included) so that each
    /// counter item ends up holding what its folder holds: one result per change, in
    /// order. Changes of one key are applied in sequencer order, different keys
    /// concurrently, and the changes of one counter item are summed into one `UpdateItem`.
    /// The shared counter item is never in a transaction. See [`crate::usage_plan`].
    ///
    /// A failed change leaves what it wrote in a state its repeat finishes: report it
    /// failed so that it is delivered again. One call is one delivery: it settles only
    /// the events whose claim it holds (see [`crate::usage_plan`]), and releases the
    /// claims it could not finish. Needs `dynamodb:GetItem` and
    /// `dynamodb:UpdateItem` on the `object#`, `identity#` and `unattributed#` keys.
    pub async fn record_usage_changes(
        &self,
        changes: &[UsageChange],
        now: u64,
    ) -> Vec<Result<ChangeRecorded, DirectoryError>> {
        let changes: Vec<LedgerChange> = changes
            .iter()
            .map(|change| LedgerChange {
                counter: Counter::Identity(change.identity_id.clone(), change.account),
                event: change.event.clone(),
                redelivered: change.redelivered,
            })
            .collect();
        self.record_changes(&changes, now).await
    }

    /// Counts changes of keys under `users/<sub>/` on each folder's `subfolder#<sub>`
    /// item, exactly as [`Self::record_usage_changes`] counts `private/` keys (the same
    /// journal, claims and markers): one result per change, in order. Never
    /// [`ChangeRecorded::NotLinked`]: the folder's item is created by its first change.
    /// Needs `dynamodb:GetItem` and `dynamodb:UpdateItem` on the `object#` and
    /// `subfolder#` keys.
    pub async fn record_sub_usage_changes(
        &self,
        changes: &[SubUsageChange],
        now: u64,
    ) -> Vec<Result<ChangeRecorded, DirectoryError>> {
        let changes: Vec<LedgerChange> = changes
            .iter()
            .map(|change| LedgerChange {
                counter: Counter::SubFolder(change.sub.clone()),
                event: change.event.clone(),
                redelivered: change.redelivered,
            })
            .collect();
        self.record_changes(&changes, now).await
    }

    /// The usage counted for the `users/<sub>/` folder of `sub`: one consistent
    /// `GetItem`; `Ok(None)` when nothing was counted.
    pub async fn subfolder_usage(&self, sub: &FolderSub) -> Result<Option<Usage>, DirectoryError> {
        let key = schema::subfolder_key(sub);
        self.get_item(&key)
            .await?
            .map(|item| schema::subfolder_usage_from_item(&item))
            .transpose()
            .map_err(|reason| DirectoryError::Corrupt { key, reason })
    }

    async fn record_changes(&self, changes: &[LedgerChange], now: u64) -> Vec<Result<ChangeRecorded, DirectoryError>> {
        let mut results: Vec<Option<Result<ChangeRecorded, DirectoryError>>> = vec![None; changes.len()];
        let mut by_object: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        // The same event twice in one call (S3 sent it twice) is applied once; the repeat
        // is reported as already counted (or failed with the first).
        let mut first_of: HashMap<(String, Sequencer), usize> = HashMap::new();
        let mut repeats: Vec<(usize, usize)> = Vec::new();
        for (index, change) in changes.iter().enumerate() {
            if let Err(error) = check_event(&change.event) {
                results[index] = Some(Err(error));
                continue;
            }
            let object = schema::object_key(&change.event.bucket, &change.event.key);
            match first_of.entry((object.clone(), change.event.sequencer.clone())) {
                std::collections::hash_map::Entry::Occupied(first) => repeats.push((index, *first.get())),
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(index);
                    by_object.entry(object).or_default().push(index);
                }
            }
        }

        // 1. Each key's events, in S3's order, against its own item; keys concurrently.
        let holder = format!("{:016x}", backoff::random());
        let mut commits = tokio::task::JoinSet::new();
        for (object, mut indices) in by_object {
            indices.sort_by(|a, b| changes[*a].event.sequencer.cmp(&changes[*b].event.sequencer));
            let events: Vec<(usize, LedgerChange)> = indices.into_iter().map(|i| (i, changes[i].clone())).collect();
            let directory = self.clone();
            let holder = holder.clone();
            commits.spawn(async move {
                let mut committed = Vec::with_capacity(events.len());
                for (index, change) in events {
                    let outcome = directory.commit(&object, &change.counter, &change.event, &holder, now).await;
                    committed.push((index, outcome));
                }
                committed
            });
        }
        let mut settling: Vec<(usize, UsageDelta, Vec<Sequencer>)> = Vec::new();
        let mut held: Vec<usize> = Vec::new();
        let mut to_unmark: BTreeMap<Counter, Vec<(usize, String)>> = BTreeMap::new();
        while let Some(joined) = commits.join_next().await {
            let Ok(committed) = joined else { continue }; // a panicked task: its results stay None
            for (index, outcome) in committed {
                let change = &changes[index];
                let counter = change.counter.clone();
                let marker = marker_name(&change.event.bucket, &change.event.key, &change.event.sequencer);
                match outcome {
                    Ok(Committed::Settle(delta, earlier)) => {
                        held.push(index);
                        settling.push((index, delta, earlier));
                    }
                    Ok(Committed::AlreadyApplied) if change.redelivered => {
                        results[index] = Some(Ok(ChangeRecorded::AlreadyCounted));
                        to_unmark.entry(counter).or_default().push((index, marker));
                    }
                    Ok(Committed::AlreadyApplied) => results[index] = Some(Ok(ChangeRecorded::AlreadyCounted)),
                    Ok(Committed::Done(recorded)) => results[index] = Some(Ok(recorded)),
                    Err(error) => results[index] = Some(Err(error)),
                }
            }
        }

        // 2. A key's changes are settled in its order, so that its count never dips below
        //    zero: a change waits for the key's earlier unsettled ones, unless they are
        //    settled in the same update.
        let in_this_batch: std::collections::HashSet<(String, Sequencer)> = settling
            .iter()
            .map(|(index, _, _)| {
                let event = &changes[*index].event;
                (schema::object_key(&event.bucket, &event.key), event.sequencer.clone())
            })
            .collect();
        let mut to_settle: BTreeMap<Counter, Vec<(usize, String, UsageDelta)>> = BTreeMap::new();
        for (index, delta, earlier) in settling {
            let change = &changes[index];
            let object = schema::object_key(&change.event.bucket, &change.event.key);
            let outside: Vec<Sequencer> =
                earlier.into_iter().filter(|s| !in_this_batch.contains(&(object.clone(), s.clone()))).collect();
            if !outside.is_empty()
                && let Err(error) = self.wait_for_earlier(&object, &change.event.sequencer, &in_this_batch).await
            {
                results[index] = Some(Err(error));
                continue;
            }
            let counter = change.counter.clone();
            let marker = marker_name(&change.event.bucket, &change.event.key, &change.event.sequencer);
            to_settle.entry(counter).or_default().push((index, marker, delta));
        }

        // 3. One summed, marked counter update per counter item.
        let mut to_clear: BTreeMap<String, Vec<(usize, Counter, String)>> = BTreeMap::new();
        for (counter, entries) in to_settle {
            let settled = self.settle(&counter, &entries, now).await;
            for (index, marker, _) in entries {
                match &settled {
                    Ok(true) => {
                        let event = &changes[index].event;
                        to_clear.entry(schema::object_key(&event.bucket, &event.key)).or_default().push((
                            index,
                            counter.clone(),
                            marker,
                        ));
                        results[index] = Some(Ok(ChangeRecorded::Counted));
                    }
                    Ok(false) => results[index] = Some(Ok(ChangeRecorded::NotLinked)),
                    Err(error) => results[index] = Some(Err(error.clone())),
                }
            }
        }

        // 4. The object items forget their settled entries, then 5. the counters their markers.
        let mut cleared = std::collections::HashSet::new();
        let mut clears = tokio::task::JoinSet::new();
        for (object, entries) in to_clear {
            let directory = self.clone();
            let names: Vec<String> =
                entries.iter().map(|(index, _, _)| changes[*index].event.sequencer.short().to_owned()).collect();
            clears.spawn(async move { (directory.clear(&object, &names).await, entries) });
        }
        while let Some(joined) = clears.join_next().await {
            let Ok((outcome, entries)) = joined else { continue };
            for (index, counter, marker) in entries {
                match &outcome {
                    Ok(()) => {
                        cleared.insert(index);
                        to_unmark.entry(counter).or_default().push((index, marker));
                    }
                    Err(error) => results[index] = Some(Err(error.clone())),
                }
            }
        }
        for (counter, entries) in to_unmark {
            let markers: Vec<&str> = entries.iter().map(|(_, marker)| marker.as_str()).collect();
            if let Err(error) = self.unmark(&counter_key(&counter), &markers).await {
                for (index, _) in &entries {
                    results[*index] = Some(Err(error.clone()));
                }
            }
        }
        // 6. Claims this delivery holds on events it could not finish (failed, or its
        //    counter is gone) are released, so that their next delivery need not wait
        //    for them to lapse.
        for index in held.into_iter().filter(|index| !cleared.contains(index)) {
            let event = &changes[index].event;
            self.release(&schema::object_key(&event.bucket, &event.key), event.sequencer.short(), &holder).await;
        }
        for (repeat, first) in repeats {
            results[repeat] = match &results[first] {
                Some(Ok(ChangeRecorded::Counted)) => Some(Ok(ChangeRecorded::AlreadyCounted)),
                other => other.clone(),
            };
        }
        results
            .into_iter()
            .map(|result| result.unwrap_or(Err(DirectoryError::Unavailable { code: "TaskFailed".into() })))
            .collect()
    }

    /// Applies `event` to its key's item (`object`), retrying from a fresh read when
    /// another event of the key wrote first; or, if it was applied but not settled,
    /// takes the claim to settle it once the claim is free.
    async fn commit(
        &self,
        object: &str,
        counter: &Counter,
        event: &ObjectChangeEvent,
        holder: &str,
        now: u64,
    ) -> Result<Committed, DirectoryError> {
        let mut settling_elsewhere = false;
        for attempt in 1..=MAX_COMMIT_ATTEMPTS {
            let record = self.read_object(object).await?;
            let earlier: Vec<Sequencer> = record
                .iter()
                .flat_map(|record| record.unsettled.keys())
                .filter_map(|name| Sequencer::parse(name).ok())
                .filter(|sequencer| *sequencer < event.sequencer)
                .collect();
            let (expected, next, delta) = match plan_change(record.as_ref(), event) {
                ChangePlan::Settle(entry) => {
                    let taken = match claim_verdict(&entry, holder, now) {
                        ClaimVerdict::Held => Written::Yes,
                        ClaimVerdict::Free(seen) => {
                            self.take_claim(object, event.sequencer.short(), seen.as_ref(), holder, now).await?
                        }
                        ClaimVerdict::Taken => Written::ConditionFailed,
                    };
                    if taken == Written::Yes {
                        return Ok(Committed::Settle(entry.delta, earlier));
                    }
                    tracing::debug!(attempt, "another delivery is settling the same event; reading it again");
                    settling_elsewhere = true;
                    backoff::pause(attempt + 1).await;
                    continue;
                }
                ChangePlan::AlreadyApplied => return Ok(Committed::AlreadyApplied),
                ChangePlan::Superseded => return Ok(Committed::Done(ChangeRecorded::Superseded)),
                ChangePlan::Commit { expected, next, delta } => (expected, next, delta),
            };
            let entry = Unsettled { delta, claim: Some(Claim { holder: holder.to_owned(), until: now + CLAIM_SECS }) };
            let write =
                self.object_write(object, counter, event, expected.as_ref().map(|s| s.padded()), next, &entry, now);
            match self.update(write).await? {
                Written::Yes if delta.is_zero() => return Ok(Committed::Done(ChangeRecorded::Counted)),
                Written::Yes => return Ok(Committed::Settle(delta, earlier)),
                Written::ConditionFailed => {
                    tracing::debug!(attempt, "another event of the same key was applied first; reading it again");
                    settling_elsewhere = false;
                    backoff::pause(attempt).await;
                }
            }
        }
        let code = match settling_elsewhere {
            true => "ChangeSettlingElsewhere",
            false => "ObjectChangeContended",
        };
        Err(DirectoryError::Unavailable { code: code.into() })
    }

    /// Takes the claim to settle the unsettled event `name` of the key's item, on the
    /// condition that its claim is still `seen` (a lapsed or released one, or none).
    async fn take_claim(
        &self,
        object: &str,
        name: &str,
        seen: Option<&Claim>,
        holder: &str,
        now: u64,
    ) -> Result<Written, DirectoryError> {
        let update = self
            .claim_update(object, name, holder)
            .expression_attribute_values(":until", AttributeValue::N((now + CLAIM_SECS).to_string()))
            .update_expression("SET #unsettled.#event.#holder = :holder, #unsettled.#event.#until = :until");
        let update = match seen {
            None => update.condition_expression(
                "attribute_exists(#unsettled.#event) AND attribute_not_exists(#unsettled.#event.#holder)",
            ),
            Some(seen) => update
                .condition_expression(
                    "#unsettled.#event.#holder = :seen_holder AND #unsettled.#event.#until = :seen_until",
                )
                .expression_attribute_values(":seen_holder", AttributeValue::S(seen.holder.clone()))
                .expression_attribute_values(":seen_until", AttributeValue::N(seen.until.to_string())),
        };
        self.update(update).await
    }

    /// An update of the claim on `object`'s unsettled change `name`, naming its parts
    /// (`#unsettled`, `#event`, `#holder`, `#until`) and `:holder`; each caller adds its
    /// expression and the values it uses (every name here is used by both).
    fn claim_update(
        &self,
        object: &str,
        name: &str,
        holder: &str,
    ) -> aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder {
        self.client
            .update_item()
            .table_name(self.table.as_ref())
            .key(schema::PARTITION_KEY, AttributeValue::S(object.to_owned()))
            .expression_attribute_names("#unsettled", schema::UNSETTLED)
            .expression_attribute_names("#event", name)
            .expression_attribute_names("#holder", schema::HOLDER)
            .expression_attribute_names("#until", schema::UNTIL)
            .expression_attribute_values(":holder", AttributeValue::S(holder.to_owned()))
    }

    /// Lets the claim of `holder` on the unsettled event `name` lapse now, if it still
    /// holds it. Best effort: a claim not released lapses by itself.
    async fn release(&self, object: &str, name: &str, holder: &str) {
        let update = self
            .claim_update(object, name, holder)
            .expression_attribute_values(":lapsed", AttributeValue::N("0".into()))
            .update_expression("SET #unsettled.#event.#until = :lapsed")
            .condition_expression("#unsettled.#event.#holder = :holder");
        if let Err(error) = self.update(update).await {
            tracing::debug!(error = %error, "a claim was not released; it lapses by itself");
        }
    }

    /// Waits (a few jittered pauses) until the key's item holds no unsettled change older
    /// than `sequencer` apart from those of this batch; else the change is failed, to be
    /// delivered again later.
    async fn wait_for_earlier(
        &self,
        object: &str,
        sequencer: &Sequencer,
        in_this_batch: &std::collections::HashSet<(String, Sequencer)>,
    ) -> Result<(), DirectoryError> {
        for attempt in 1..=MAX_EARLIER_WAITS {
            backoff::pause(attempt + 1).await;
            let record = self.read_object(object).await?;
            let waiting = record.iter().flat_map(|record| record.unsettled.keys()).any(|name| {
                Sequencer::parse(name)
                    .is_ok_and(|earlier| earlier < *sequencer && !in_this_batch.contains(&(object.to_owned(), earlier)))
            });
            if !waiting {
                return Ok(());
            }
        }
        Err(DirectoryError::Unavailable { code: "EarlierChangeUnsettled".into() })
    }

    #[allow(clippy::too_many_arguments)]
    fn object_write(
        &self,
        object: &str,
        counter: &Counter,
        event: &ObjectChangeEvent,
        expected: Option<&str>,
        next: ObjectState,
        entry: &Unsettled,
        now: u64,
    ) -> UpdateItemFluentBuilder {
        let delta = entry.delta;
        let intent = event.sequencer.short().to_owned();
        let mut set =
            vec!["#kind = :kind", "#identity = :identity", "#seq = :seq", "#present = :present", "#size = :size"];
        let mut write = self
            .client
            .update_item()
            .table_name(self.table.as_ref())
            .key(schema::PARTITION_KEY, AttributeValue::S(object.to_owned()))
            .expression_attribute_names("#kind", schema::KIND)
            .expression_attribute_names("#seq", schema::SEQUENCER)
            .expression_attribute_names("#present", schema::PRESENT)
            .expression_attribute_names("#size", schema::SIZE)
            .expression_attribute_names("#expires", schema::EXPIRES_AT)
            .expression_attribute_values(":kind", AttributeValue::S(schema::KIND_OBJECT.into()))
            .expression_attribute_values(":seq", AttributeValue::S(event.sequencer.padded().to_owned()))
            .expression_attribute_values(":present", AttributeValue::Bool(next.present))
            .expression_attribute_values(":size", AttributeValue::N(next.size.to_string()));
        write = match counter {
            Counter::Identity(identity_id, _) => write
                .expression_attribute_names("#identity", schema::IDENTITY_ID)
                .expression_attribute_values(":identity", AttributeValue::S(identity_id.to_string())),
            Counter::SubFolder(sub) => write
                .expression_attribute_names("#identity", schema::SUB)
                .expression_attribute_values(":identity", AttributeValue::S(sub.to_string())),
        };
        write = match expected {
            None => {
                set.push("#unsettled = :unsettled");
                let entries = match delta.is_zero() {
                    true => HashMap::new(),
                    false => HashMap::from([(intent, schema::unsettled_value(entry))]),
                };
                write
                    .expression_attribute_names("#unsettled", schema::UNSETTLED)
                    .expression_attribute_values(":unsettled", AttributeValue::M(entries))
                    .condition_expression("attribute_not_exists(#pk)")
                    .expression_attribute_names("#pk", schema::PARTITION_KEY)
            }
            Some(expected) => {
                if !delta.is_zero() {
                    set.push("#unsettled.#intent = :delta");
                    // Named only when used: DynamoDB refuses a name the expressions
                    // leave unused (an overwrite of the same size changes nothing here).
                    write = write
                        .expression_attribute_names("#unsettled", schema::UNSETTLED)
                        .expression_attribute_names("#intent", intent)
                        .expression_attribute_values(":delta", schema::unsettled_value(entry));
                }
                write
                    .condition_expression("#seq = :expected")
                    .expression_attribute_values(":expected", AttributeValue::S(expected.to_owned()))
            }
        };
        let expression = match next.present {
            true => format!("SET {} REMOVE #expires", set.join(", ")),
            false => {
                set.push("#expires = :expires");
                write = write.expression_attribute_values(
                    ":expires",
                    AttributeValue::N(now.saturating_add(schema::EVENT_RETENTION_SECS).to_string()),
                );
                format!("SET {}", set.join(", "))
            }
        };
        write.update_expression(expression)
    }

    /// Adds the changes of `entries` (index, marker, change) to `counter` in one update
    /// that also sets their markers, under the condition that none is set yet. `Ok(false)`
    /// when a linked counter has no identity item (the link is gone): nothing changed.
    async fn settle(
        &self,
        counter: &Counter,
        entries: &[(usize, String, UsageDelta)],
        now: u64,
    ) -> Result<bool, DirectoryError> {
        let key = counter_key(counter);
        let mut pending: Vec<&(usize, String, UsageDelta)> = entries.iter().collect();
        for _ in 0..MAX_SETTLE_ROUNDS {
            if pending.is_empty() {
                return Ok(true);
            }
            let total = pending.iter().fold(UsageDelta::default(), |sum, (_, _, delta)| sum.plus(*delta));
            let mut set = Vec::new();
            let mut conditions = Vec::new();
            let mut update = self
                .client
                .update_item()
                .table_name(self.table.as_ref())
                .key(schema::PARTITION_KEY, AttributeValue::S(key.clone()))
                .expression_attribute_names("#pk", schema::PARTITION_KEY)
                .expression_attribute_names("#kind", schema::KIND)
                .expression_attribute_names("#objects", schema::OBJECTS)
                .expression_attribute_names("#bytes", schema::BYTES)
                .expression_attribute_values(":objects", AttributeValue::N(total.objects.to_string()))
                .expression_attribute_values(":bytes", AttributeValue::N(total.bytes.to_string()))
                .expression_attribute_values(":now", AttributeValue::N(now.to_string()));
            match counter {
                Counter::Identity(_, UsageAccount::Linked) => {
                    conditions.push("attribute_exists(#pk) AND #kind = :kind".to_owned());
                    update =
                        update.expression_attribute_values(":kind", AttributeValue::S(schema::KIND_IDENTITY.into()));
                }
                Counter::Identity(identity_id, UsageAccount::Unattributed) => {
                    conditions.push("(attribute_not_exists(#pk) OR #kind = :kind)".to_owned());
                    set.push("#kind = :kind".to_owned());
                    set.push("#identity = :identity".to_owned());
                    update = update
                        .expression_attribute_names("#identity", schema::IDENTITY_ID)
                        .expression_attribute_values(":kind", AttributeValue::S(schema::KIND_UNATTRIBUTED.into()))
                        .expression_attribute_values(":identity", AttributeValue::S(identity_id.to_string()));
                }
                Counter::SubFolder(sub) => {
                    conditions.push("(attribute_not_exists(#pk) OR #kind = :kind)".to_owned());
                    set.push("#kind = :kind".to_owned());
                    set.push("#sub = :sub".to_owned());
                    update = update
                        .expression_attribute_names("#sub", schema::SUB)
                        .expression_attribute_values(":kind", AttributeValue::S(schema::KIND_SUBFOLDER.into()))
                        .expression_attribute_values(":sub", AttributeValue::S(sub.to_string()));
                }
            }
            for (n, (_, marker, _)) in pending.iter().enumerate() {
                set.push(format!("#m{n} = :now"));
                conditions.push(format!("attribute_not_exists(#m{n})"));
                update = update.expression_attribute_names(format!("#m{n}"), marker.clone());
            }
            let update = update
                .update_expression(format!("ADD #objects :objects, #bytes :bytes SET {}", set.join(", ")))
                .condition_expression(conditions.join(" AND "));
            if self.update(update).await? == Written::Yes {
                return Ok(true);
            }
            // Why did the condition fail? Not linked (any more), or some events were
            // settled before (a repeat): drop those and add the rest.
            let item = self.get_item(&key).await?;
            let kind = item.as_ref().and_then(|item| item.get(schema::KIND)).and_then(|kind| kind.as_s().ok());
            match (counter, kind.map(String::as_str)) {
                (Counter::Identity(_, UsageAccount::Linked), Some(schema::KIND_IDENTITY)) => {}
                (Counter::Identity(_, UsageAccount::Linked), _) => return Ok(false),
                (Counter::Identity(_, UsageAccount::Unattributed), None | Some(schema::KIND_UNATTRIBUTED)) => {}
                (Counter::Identity(_, UsageAccount::Unattributed), Some(_)) => {
                    return Err(DirectoryError::Corrupt { key, reason: "kind is not unattributed" });
                }
                (Counter::SubFolder(_), None | Some(schema::KIND_SUBFOLDER)) => {}
                (Counter::SubFolder(_), Some(_)) => {
                    return Err(DirectoryError::Corrupt { key, reason: "kind is not subfolder" });
                }
            }
            let item = item.unwrap_or_default();
            pending.retain(|(_, marker, _)| !item.contains_key(marker));
        }
        Err(DirectoryError::Unavailable { code: "UsageSettleContended".into() })
    }

    /// Drops the settled entries `names` from the key's item.
    async fn clear(&self, object: &str, names: &[String]) -> Result<(), DirectoryError> {
        let mut update = self
            .client
            .update_item()
            .table_name(self.table.as_ref())
            .key(schema::PARTITION_KEY, AttributeValue::S(object.to_owned()))
            .expression_attribute_names("#pk", schema::PARTITION_KEY)
            .expression_attribute_names("#unsettled", schema::UNSETTLED)
            .condition_expression("attribute_exists(#pk)");
        let mut paths = Vec::new();
        for (n, name) in names.iter().enumerate() {
            paths.push(format!("#unsettled.#i{n}"));
            update = update.expression_attribute_names(format!("#i{n}"), name.clone());
        }
        self.update(update.update_expression(format!("REMOVE {}", paths.join(", ")))).await.map(|_| ())
    }

    /// Drops `markers` from the counter item `key` (if it exists: never creates one).
    async fn unmark(&self, key: &str, markers: &[&str]) -> Result<(), DirectoryError> {
        let mut update = self
            .client
            .update_item()
            .table_name(self.table.as_ref())
            .key(schema::PARTITION_KEY, AttributeValue::S(key.to_owned()))
            .expression_attribute_names("#pk", schema::PARTITION_KEY)
            .condition_expression("attribute_exists(#pk)");
        let mut names = Vec::new();
        for (n, marker) in markers.iter().enumerate() {
            names.push(format!("#m{n}"));
            update = update.expression_attribute_names(format!("#m{n}"), *marker);
        }
        self.update(update.update_expression(format!("REMOVE {}", names.join(", ")))).await.map(|_| ())
    }

    /// The key's item, read back (`None`: never seen).
    async fn read_object(&self, object: &str) -> Result<Option<ObjectRecord>, DirectoryError> {
        let Some(item) = self.get_item(object).await? else { return Ok(None) };
        schema::object_record_from_item(&item)
            .map(Some)
            .map_err(|reason| DirectoryError::Corrupt { key: object.to_owned(), reason })
    }

    /// Sends one single-item update. A collision with a transaction on the item
    /// (`TransactionConflictException`) is retried here after a jittered pause; throttling
    /// was already retried by the SDK (with its own jitter).
    async fn update(&self, update: UpdateItemFluentBuilder) -> Result<Written, DirectoryError> {
        for attempt in 1..=MAX_CONTENDED_ATTEMPTS {
            let error = match update.clone().send().await {
                Ok(_) => return Ok(Written::Yes),
                Err(error) => error,
            };
            if matches!(error.as_service_error(), Some(UpdateItemError::ConditionalCheckFailedException(_))) {
                return Ok(Written::ConditionFailed);
            }
            match classify_sdk_error("UpdateItem", &error) {
                (Class::Contended, _) if attempt < MAX_CONTENDED_ATTEMPTS => backoff::pause(attempt).await,
                (class, code) => return Err(class.into_error(code)),
            }
        }
        Err(DirectoryError::Unavailable { code: "TransactionConflict".into() })
    }
}

/// What the table's keys can hold.
fn check_event(event: &ObjectChangeEvent) -> Result<(), DirectoryError> {
    if event.bucket.is_empty() || event.bucket.contains('#') {
        return Err(DirectoryError::Invalid("the bucket name must be a non-empty S3 bucket name"));
    }
    if event.key.is_empty() {
        return Err(DirectoryError::Invalid("the object key must not be empty"));
    }
    Ok(())
}
