//! The writes of a relink and of an unlink: one `TransactWriteItems` each, decided by
//! [`crate::relink_plan`].

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, CancellationReason, Delete, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};
use lambda_foundation::IdentityId;

use crate::backoff;
use crate::entry::{DirectoryEntry, NewLink};
use crate::error::{Class, DirectoryError, classify_cancellation_reason, classify_sdk_error};
use crate::identity_directory::IdentityDirectory;
use crate::relink_plan::{
    RelinkNext, RelinkOutcome, UnlinkPlan, UnlinkRefusal, after_relink_cancellation, plan_unlink,
};
use crate::schema::{self, Item};

/// Transactions a relink or an unlink sends at most.
const MAX_TRANSACTIONS: u32 = 4;

/// What [`IdentityDirectory::relink`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelinkRecorded {
    /// Both directions now name the new IdentityId (and the old identity item, when there
    /// was one, is marked as moved to it).
    Replaced,
    /// The user item already named the new IdentityId (a concurrent relink): nothing written.
    AlreadyRelinked,
}

/// What [`IdentityDirectory::unlink`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnlinkDone {
    /// These items were deleted and these counters moved to `unattributed#<IdentityId>`.
    Unlinked(UnlinkPlan),
    /// Nothing was written.
    Refused(UnlinkRefusal),
}

impl IdentityDirectory {
    /// Replaces the user's link to `old` by `link` (a new IdentityId that Cognito's `GetId`
    /// just gave the same user): one transaction that puts `identity#<new>`, replaces the
    /// `user#` item on condition that it still names `old`, and marks `identity#<old>` as
    /// moved (see [`crate::relink_plan`]). The new user item is not marked as written to
    /// the user pool: the caller writes `custom:identity_id` and then marks it.
    ///
    /// A new IdentityId that belongs to another user, or a user item that names neither
    /// IdentityId any more, is a [`DirectoryError::Conflict`] and nothing is written.
    pub async fn relink(&self, old: &IdentityId, link: &NewLink, at: u64) -> Result<RelinkRecorded, DirectoryError> {
        if !schema::is_valid_sub(&link.sub) {
            return Err(DirectoryError::Invalid("sub must be 1-128 printable characters"));
        }
        if *old == link.identity_id {
            return Err(DirectoryError::Invalid("a relink needs a new IdentityId"));
        }
        let mut mark_old = true;
        for attempt in 1..=MAX_TRANSACTIONS {
            let Some(outcomes) = self.transact_relink(old, link, at, mark_old).await? else {
                return Ok(RelinkRecorded::Replaced);
            };
            let (new_identity, user, old_identity) = outcomes;
            match after_relink_cancellation(link, &new_identity, &user, old_identity.as_ref()) {
                RelinkNext::AlreadyRelinked => return Ok(RelinkRecorded::AlreadyRelinked),
                RelinkNext::Conflict(conflict) => return Err(DirectoryError::Conflict(conflict)),
                RelinkNext::RetryWithoutOld => mark_old = false,
                RelinkNext::Retry => backoff::pause(attempt).await,
            }
        }
        Err(DirectoryError::Unavailable { code: "TransactionConflict".into() })
    }

    /// Removes the link of `entry`'s user (found by whichever direction `entry` was read
    /// from): reads both items, then in one transaction deletes them, each on condition
    /// that it still holds what was read, and adds the identity item's counters to
    /// `unattributed#<IdentityId>` (the folder stays counted, as any folder of an unknown
    /// owner). Read again and retried when another writer changed the items meanwhile.
    pub async fn unlink(&self, entry: &DirectoryEntry) -> Result<UnlinkDone, DirectoryError> {
        for attempt in 1..=MAX_TRANSACTIONS {
            let plan = match self.plan_unlink_of(entry).await? {
                Ok(plan) => plan,
                Err(refusal) => return Ok(UnlinkDone::Refused(refusal)),
            };
            if self.transact_unlink(&plan).await? {
                return Ok(UnlinkDone::Unlinked(plan));
            }
            backoff::pause(attempt).await;
        }
        Err(DirectoryError::Unavailable { code: "TransactionConflict".into() })
    }

    /// What [`Self::unlink`] would do now for `entry`'s user: two consistent `GetItem`s
    /// (the user item, and the identity item of the IdentityId it names, or of `entry`'s
    /// when the user item is gone). Writes nothing.
    pub async fn plan_unlink_of(
        &self,
        entry: &DirectoryEntry,
    ) -> Result<Result<UnlinkPlan, UnlinkRefusal>, DirectoryError> {
        let user = self.get_by_user(&entry.user_pool_id, &entry.sub).await?;
        let identity_id = user.as_ref().map_or(&entry.identity_id, |user| &user.identity_id);
        let key = schema::identity_key(identity_id);
        let item = self.get_item(&key).await?;
        let in_flight = item.as_ref().is_some_and(|item| item.keys().any(|n| n.starts_with(schema::MARKER_PREFIX)));
        let identity = item
            .map(|item| schema::entry_from_item(&key, &item))
            .transpose()
            .map_err(|reason| DirectoryError::Corrupt { key: key.clone(), reason })?
            // An identity item of another user is not this user's to remove.
            .filter(|identity| {
                user.is_some() || (identity.sub == entry.sub && identity.user_pool_id == entry.user_pool_id)
            });
        Ok(plan_unlink(user.as_ref(), identity.as_ref(), in_flight))
    }

    /// Sends one relink transaction. `None` when it committed; each operation's outcome
    /// when its conditions cancelled it.
    async fn transact_relink(
        &self,
        old: &IdentityId,
        link: &NewLink,
        at: u64,
        mark_old: bool,
    ) -> Result<Option<(RelinkOutcome, RelinkOutcome, Option<RelinkOutcome>)>, DirectoryError> {
        let new_key = schema::identity_key(&link.identity_id);
        let user_key = schema::user_key(&link.user_pool_id, &link.sub);
        let old_key = schema::identity_key(old);
        let s = |value: &str| AttributeValue::S(value.to_owned());
        let put_new = Put::builder()
            .table_name(self.table.as_ref())
            .set_item(Some(schema::identity_item(link)))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", schema::PARTITION_KEY)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map(|put| TransactWriteItem::builder().put(put).build());
        let replace_user = Put::builder()
            .table_name(self.table.as_ref())
            .set_item(Some(schema::user_item(link)))
            .condition_expression("#identity = :old AND #pool = :pool AND #sub = :sub")
            .expression_attribute_names("#identity", schema::IDENTITY_ID)
            .expression_attribute_names("#pool", schema::USER_POOL_ID)
            .expression_attribute_names("#sub", schema::SUB)
            .expression_attribute_values(":old", s(old.as_str()))
            .expression_attribute_values(":pool", s(link.user_pool_id.as_str()))
            .expression_attribute_values(":sub", s(&link.sub))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map(|put| TransactWriteItem::builder().put(put).build());
        let mut items = vec![put_new, replace_user];
        if mark_old {
            let moved = Update::builder()
                .table_name(self.table.as_ref())
                .key(schema::PARTITION_KEY, s(&old_key))
                .update_expression("SET #movedTo = :new, #movedAt = :at")
                .condition_expression("#kind = :kind AND #pool = :pool AND #sub = :sub")
                .expression_attribute_names("#movedTo", schema::MOVED_TO)
                .expression_attribute_names("#movedAt", schema::MOVED_AT)
                .expression_attribute_names("#kind", schema::KIND)
                .expression_attribute_names("#pool", schema::USER_POOL_ID)
                .expression_attribute_names("#sub", schema::SUB)
                .expression_attribute_values(":new", s(link.identity_id.as_str()))
                .expression_attribute_values(":at", AttributeValue::N(at.to_string()))
                .expression_attribute_values(":kind", s(schema::KIND_IDENTITY))
                .expression_attribute_values(":pool", s(link.user_pool_id.as_str()))
                .expression_attribute_values(":sub", s(&link.sub))
                .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
                .build()
                .map(|update| TransactWriteItem::builder().update(update).build());
            items.push(moved);
        }
        let items = items
            .into_iter()
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| DirectoryError::Failed { code: "RequestConstruction".into() })?;
        let Some(reasons) = self.send_transaction(items).await? else { return Ok(None) };
        let Some(reasons) = reasons else {
            // The whole request collided with another transaction.
            return Ok(Some((RelinkOutcome::Contended, RelinkOutcome::Contended, None)));
        };
        match reasons.as_slice() {
            [new_identity, user] if !mark_old => {
                Ok(Some((relink_outcome(&new_key, new_identity)?, relink_outcome(&user_key, user)?, None)))
            }
            [new_identity, user, old_identity] if mark_old => Ok(Some((
                relink_outcome(&new_key, new_identity)?,
                relink_outcome(&user_key, user)?,
                Some(relink_outcome(&old_key, old_identity)?),
            ))),
            _ => Err(DirectoryError::Failed { code: "TransactionCanceledWithoutReasons".into() }),
        }
    }

    /// Sends one unlink transaction: `true` when it committed, `false` when the items
    /// changed since they were read.
    async fn transact_unlink(&self, plan: &UnlinkPlan) -> Result<bool, DirectoryError> {
        let entry = &plan.entry;
        let s = |value: &str| AttributeValue::S(value.to_owned());
        let n = |value: u64| AttributeValue::N(value.to_string());
        let mut items = Vec::new();
        if plan.user_item {
            items.push(
                Delete::builder()
                    .table_name(self.table.as_ref())
                    .key(schema::PARTITION_KEY, s(&schema::user_key(&entry.user_pool_id, &entry.sub)))
                    .condition_expression("#identity = :identity")
                    .expression_attribute_names("#identity", schema::IDENTITY_ID)
                    .expression_attribute_values(":identity", s(entry.identity_id.as_str()))
                    .build()
                    .map(|delete| TransactWriteItem::builder().delete(delete).build()),
            );
        }
        if plan.identity_item {
            items.push(
                Delete::builder()
                    .table_name(self.table.as_ref())
                    .key(schema::PARTITION_KEY, s(&schema::identity_key(&entry.identity_id)))
                    .condition_expression(
                        "#sub = :sub AND #pool = :pool AND (attribute_not_exists(#objects) OR #objects = :objects) \
                         AND (attribute_not_exists(#bytes) OR #bytes = :bytes)",
                    )
                    .expression_attribute_names("#sub", schema::SUB)
                    .expression_attribute_names("#pool", schema::USER_POOL_ID)
                    .expression_attribute_names("#objects", schema::OBJECTS)
                    .expression_attribute_names("#bytes", schema::BYTES)
                    .expression_attribute_values(":sub", s(&entry.sub))
                    .expression_attribute_values(":pool", s(entry.user_pool_id.as_str()))
                    .expression_attribute_values(":objects", n(plan.usage.objects))
                    .expression_attribute_values(":bytes", n(plan.usage.bytes))
                    .build()
                    .map(|delete| TransactWriteItem::builder().delete(delete).build()),
            );
        }
        if plan.usage.objects > 0 || plan.usage.bytes > 0 {
            items.push(
                Update::builder()
                    .table_name(self.table.as_ref())
                    .key(schema::PARTITION_KEY, s(&schema::unattributed_key(&entry.identity_id)))
                    .update_expression("SET #kind = :kind, #identity = :identity ADD #objects :objects, #bytes :bytes")
                    .expression_attribute_names("#kind", schema::KIND)
                    .expression_attribute_names("#identity", schema::IDENTITY_ID)
                    .expression_attribute_names("#objects", schema::OBJECTS)
                    .expression_attribute_names("#bytes", schema::BYTES)
                    .expression_attribute_values(":kind", s(schema::KIND_UNATTRIBUTED))
                    .expression_attribute_values(":identity", s(entry.identity_id.as_str()))
                    .expression_attribute_values(":objects", n(plan.usage.objects))
                    .expression_attribute_values(":bytes", n(plan.usage.bytes))
                    .build()
                    .map(|update| TransactWriteItem::builder().update(update).build()),
            );
        }
        let items = items
            .into_iter()
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| DirectoryError::Failed { code: "RequestConstruction".into() })?;
        let Some(reasons) = self.send_transaction(items).await? else { return Ok(true) };
        for reason in reasons.iter().flatten() {
            match reason.code() {
                None | Some("None" | "ConditionalCheckFailed") => {}
                Some(code) => match classify_cancellation_reason(code) {
                    Class::Contended => {}
                    class => return Err(class.into_error(code)),
                },
            }
        }
        Ok(false)
    }

    /// Sends a transaction: `None` when it committed; `Some(Some(reasons))` when its
    /// conditions cancelled it; `Some(None)` when it collided as a whole.
    async fn send_transaction(
        &self,
        items: Vec<TransactWriteItem>,
    ) -> Result<Option<Option<Vec<CancellationReason>>>, DirectoryError> {
        let error = match self.client.transact_write_items().set_transact_items(Some(items)).send().await {
            Ok(_) => return Ok(None),
            Err(error) => error,
        };
        match error.as_service_error() {
            Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) => {
                Ok(Some(Some(cancelled.cancellation_reasons().to_vec())))
            }
            _ => match classify_sdk_error("TransactWriteItems", &error) {
                (Class::Contended, _) => Ok(Some(None)),
                (class, code) => Err(class.into_error(code)),
            },
        }
    }
}

/// One cancellation reason of a relink as an outcome; throttling and faults end the call.
fn relink_outcome(key: &str, reason: &CancellationReason) -> Result<RelinkOutcome, DirectoryError> {
    match reason.code() {
        None | Some("None") => Ok(RelinkOutcome::Passed),
        Some("ConditionalCheckFailed") => Ok(RelinkOutcome::ConditionFailed(
            reason
                .item()
                .map(|item: &Item| schema::entry_from_item(key, item))
                .transpose()
                .map_err(|reason| DirectoryError::Corrupt { key: key.to_owned(), reason })?,
        )),
        Some(code) => match classify_cancellation_reason(code) {
            Class::Contended => Ok(RelinkOutcome::Contended),
            class => Err(class.into_error(code)),
        },
    }
}
