//! The directory client: the DynamoDB calls, and nothing else. What to write and what a
//! cancelled transaction means are decided in [`crate::link_plan`].

use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    AttributeValue, CancellationReason, ConditionCheck, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
};

use crate::backoff;
use crate::entry::{DirectoryEntry, LinkRecorded, NewLink, Usage};
use crate::error::{Class, DirectoryError, classify_cancellation_reason, classify_sdk_error};
use crate::link_plan::{ItemWrite, Next, Outcome, Plan, after_cancellation};
use crate::schema::{self, Item};
use crate::sequencer::Sequencer;
use crate::usage::{
    ChangeRecorded, ObjectChange, ObjectChangeEvent, ObjectEvent, UsageAccount, UsageChange, UsageRecorded,
};
use lambda_foundation::{IdentityId, UserPoolId};

/// Transactions `record_link` sends at most: a first try, a repair of a half-written link
/// or retries after colliding with another writer of the same user.
const MAX_TRANSACTIONS: u32 = 4;

/// Reads and writes the identity directory table. Build it once per process (it wraps the
/// SDK client, whose connection pool is worth keeping) and share it by reference; cloning
/// is cheap.
#[derive(Debug, Clone)]
pub struct IdentityDirectory {
    pub(crate) client: Client,
    pub(crate) table: Arc<str>,
}

impl IdentityDirectory {
    /// The directory in `table` (a function's `DIRECTORY_TABLE`), reached through `client`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        IdentityDirectory { client, table: Arc::from(table.into()) }
    }

    /// The table's name.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// Who owns `identity_id`: one strongly consistent `GetItem`. `Ok(None)` when the
    /// IdentityId is not linked (or was never issued).
    pub async fn get_by_identity_id(&self, identity_id: &IdentityId) -> Result<Option<DirectoryEntry>, DirectoryError> {
        self.get(schema::identity_key(identity_id)).await
    }

    /// Which IdentityId the user `sub` of `user_pool_id` is linked to: one strongly
    /// consistent `GetItem`. `Ok(None)` when the user has not linked.
    pub async fn get_by_user(
        &self,
        user_pool_id: &UserPoolId,
        sub: &str,
    ) -> Result<Option<DirectoryEntry>, DirectoryError> {
        if !schema::is_valid_sub(sub) {
            return Err(DirectoryError::Invalid("sub must be 1-128 printable characters"));
        }
        self.get(schema::user_key(user_pool_id, sub)).await
    }

    async fn get(&self, key: String) -> Result<Option<DirectoryEntry>, DirectoryError> {
        self.get_item(&key).await?.map(|item| parse(&key, &item)).transpose()
    }

    /// The item under `key`: one strongly consistent `GetItem`.
    pub(crate) async fn get_item(&self, key: &str) -> Result<Option<Item>, DirectoryError> {
        let output = self
            .client
            .get_item()
            .table_name(self.table.as_ref())
            .key(schema::PARTITION_KEY, AttributeValue::S(key.to_owned()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|error| {
                let (class, code) = classify_sdk_error("GetItem", &error);
                class.into_error(code)
            })?;
        Ok(output.item)
    }

    /// Records `link` in both directions, in one transaction whose conditions refuse to
    /// overwrite anything:
    ///
    /// - neither item exists: both are written, [`LinkRecorded::Created`] (one transaction);
    /// - both hold this link already: nothing is written, [`LinkRecorded::AlreadyPresent`]
    ///   (the same one transaction, cancelled by its conditions: no read before it);
    /// - the IdentityId belongs to another user, or the user to another IdentityId:
    ///   [`DirectoryError::Conflict`] with what is stored, and nothing is written;
    /// - one item holds this link and the other is missing (written outside this library):
    ///   the missing one is written, checked against the other in the same transaction.
    ///
    /// Concurrent first links of the same user both succeed with one entry: the loser of
    /// the race sees the winner's items and answers `AlreadyPresent`.
    ///
    /// A user who was forgotten (their tombstone exists) is never linked again: the same
    /// transaction checks that there is no tombstone, and the answer is
    /// [`DirectoryError::Forgotten`] with nothing written.
    pub async fn record_link(&self, link: &NewLink) -> Result<LinkRecorded, DirectoryError> {
        if !schema::is_valid_sub(&link.sub) {
            return Err(DirectoryError::Invalid("sub must be 1-128 printable characters"));
        }
        let mut plan = Plan::FIRST;
        for attempt in 1..=MAX_TRANSACTIONS {
            let (identity, user) = match self.transact(link, plan).await? {
                None => return Ok(plan.committed()),
                Some(outcomes) => outcomes,
            };
            match after_cancellation(link, plan, &identity, &user) {
                Next::Done(recorded) => return Ok(recorded),
                Next::Conflict(conflict) => return Err(DirectoryError::Conflict(conflict)),
                Next::Retry(next) => {
                    if identity == Outcome::Contended || user == Outcome::Contended {
                        backoff::pause(attempt).await;
                    }
                    tracing::debug!(attempt, ?next, "directory link transaction cancelled; trying again");
                    plan = next;
                }
            }
        }
        Err(DirectoryError::Unavailable { code: "TransactionConflict".into() })
    }

    /// Marks `link`'s user item as written to the user pool (its `custom:identity_id` now
    /// holds the IdentityId) at `at` (Unix seconds): one conditional `UpdateItem` that sets
    /// [`schema::USER_POOL_WRITTEN_AT`] only if the item still links this user to this
    /// IdentityId. `Ok(false)` when it does not (missing or another link): nothing was
    /// written. Marking twice is harmless; the later time wins.
    ///
    /// A writer of the user pool attribute calls this after the attribute was written, so
    /// that a repeat link knows there is nothing left to do, and one that died in between
    /// is repaired by the next link.
    pub async fn mark_user_pool_written(&self, link: &NewLink, at: u64) -> Result<bool, DirectoryError> {
        if !schema::is_valid_sub(&link.sub) {
            return Err(DirectoryError::Invalid("sub must be 1-128 printable characters"));
        }
        let result = self
            .client
            .update_item()
            .table_name(self.table.as_ref())
            .key(schema::PARTITION_KEY, AttributeValue::S(schema::user_key(&link.user_pool_id, &link.sub)))
            .update_expression("SET #written = :at")
            .condition_expression("#identity = :identity AND #pool = :pool AND #sub = :sub")
            .expression_attribute_names("#written", schema::USER_POOL_WRITTEN_AT)
            .expression_attribute_names("#identity", schema::IDENTITY_ID)
            .expression_attribute_names("#pool", schema::USER_POOL_ID)
            .expression_attribute_names("#sub", schema::SUB)
            .expression_attribute_values(":at", AttributeValue::N(at.to_string()))
            .expression_attribute_values(":identity", AttributeValue::S(link.identity_id.to_string()))
            .expression_attribute_values(":pool", AttributeValue::S(link.user_pool_id.to_string()))
            .expression_attribute_values(":sub", AttributeValue::S(link.sub.clone()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(error)
                if matches!(error.as_service_error(), Some(UpdateItemError::ConditionalCheckFailedException(_))) =>
            {
                Ok(false)
            }
            Err(error) => {
                let (class, code) = classify_sdk_error("UpdateItem", &error);
                Err(class.into_error(code))
            }
        }
    }

    /// Adds one stored object (`event`) to the usage counters of `identity_id`, in the
    /// `account` the caller resolved: [`Self::record_usage_changes`] for one
    /// `ObjectCreated` event (so a new key adds an object and its bytes, an overwrite of a
    /// counted key adds the difference in bytes).
    ///
    /// - A repeat of a counted event (same bucket, key and sequencer), or an event older
    ///   than the key's last one: [`UsageRecorded::AlreadyCounted`], nothing changes.
    /// - [`UsageAccount::Linked`] only adds to an existing identity item (never creates a
    ///   half link): [`UsageRecorded::NotLinked`] when there is none, and the counters are
    ///   unchanged; the same call with [`UsageAccount::Unattributed`] then counts it.
    /// - Throttling and outages are retryable [`DirectoryError`]s.
    pub async fn add_usage(
        &self,
        identity_id: &IdentityId,
        account: UsageAccount,
        event: &ObjectEvent,
        now: u64,
    ) -> Result<UsageRecorded, DirectoryError> {
        let sequencer = Sequencer::parse(&event.sequencer)
            .map_err(|_| DirectoryError::Invalid("the sequencer must be S3's hexadecimal sequencer"))?;
        let change = UsageChange {
            identity_id: identity_id.clone(),
            account,
            event: ObjectChangeEvent {
                bucket: event.bucket.clone(),
                key: event.key.clone(),
                sequencer,
                change: ObjectChange::Stored { size: event.size },
            },
            redelivered: false,
        };
        let recorded =
            self.record_usage_changes(&[change], now).await.pop().unwrap_or(Err(DirectoryError::Invalid("")));
        Ok(match recorded? {
            ChangeRecorded::Counted => UsageRecorded::Counted,
            ChangeRecorded::AlreadyCounted | ChangeRecorded::Superseded => UsageRecorded::AlreadyCounted,
            ChangeRecorded::NotLinked => UsageRecorded::NotLinked,
        })
    }

    /// The usage counted for `identity_id` while the directory did not know it (see
    /// [`UsageAccount::Unattributed`]): one consistent `GetItem`; `Ok(None)` when nothing
    /// was counted.
    pub async fn unattributed_usage(&self, identity_id: &IdentityId) -> Result<Option<Usage>, DirectoryError> {
        let key = schema::unattributed_key(identity_id);
        self.get_item(&key)
            .await?
            .map(|item| schema::unattributed_usage_from_item(&item))
            .transpose()
            .map_err(|reason| DirectoryError::Corrupt { key, reason })
    }

    /// Sends one transaction. `None` when it committed; the two items' outcomes when its
    /// conditions cancelled it.
    async fn transact(&self, link: &NewLink, plan: Plan) -> Result<Option<(Outcome, Outcome)>, DirectoryError> {
        let identity_key = schema::identity_key(&link.identity_id);
        let user_key = schema::user_key(&link.user_pool_id, &link.sub);
        let items = vec![
            self.operation(plan.identity, &identity_key, schema::identity_item(link), link)?,
            self.operation(plan.user, &user_key, schema::user_item(link), link)?,
            self.not_forgotten(link)?,
        ];
        let error = match self.client.transact_write_items().set_transact_items(Some(items)).send().await {
            Ok(_) => return Ok(None),
            Err(error) => error,
        };
        let reasons = match error.as_service_error() {
            Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) => cancelled.cancellation_reasons(),
            _ => {
                let (class, code) = classify_sdk_error("TransactWriteItems", &error);
                return match class {
                    // The whole request collided with another transaction: same as a
                    // contended item, try the same plan again.
                    Class::Contended => Ok(Some((Outcome::Contended, Outcome::Contended))),
                    _ => Err(class.into_error(code)),
                };
            }
        };
        match reasons {
            [_, _, forgotten] if forgotten.code() == Some("ConditionalCheckFailed") => Err(DirectoryError::Forgotten),
            [identity, user, ..] => Ok(Some((outcome(&identity_key, identity)?, outcome(&user_key, user)?))),
            _ => Err(DirectoryError::Failed { code: "TransactionCanceledWithoutReasons".into() }),
        }
    }

    /// The check that keeps a forgotten user forgotten: the user's tombstone
    /// (`forgotten#<pool>#<sub>`, see [`crate::forget_plan`]) must not exist.
    fn not_forgotten(&self, link: &NewLink) -> Result<TransactWriteItem, DirectoryError> {
        ConditionCheck::builder()
            .table_name(self.table.as_ref())
            .key(schema::PARTITION_KEY, AttributeValue::S(schema::forgotten_key(&link.user_pool_id, &link.sub)))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", schema::PARTITION_KEY)
            .build()
            .map(|check| TransactWriteItem::builder().condition_check(check).build())
            .map_err(|_| DirectoryError::Failed { code: "RequestConstruction".into() })
    }

    fn operation(
        &self,
        write: ItemWrite,
        key: &str,
        item: Item,
        link: &NewLink,
    ) -> Result<TransactWriteItem, DirectoryError> {
        let built = match write {
            ItemWrite::PutIfAbsent => Put::builder()
                .table_name(self.table.as_ref())
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(#pk)")
                .expression_attribute_names("#pk", schema::PARTITION_KEY)
                .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
                .build()
                .map(|put| TransactWriteItem::builder().put(put).build()),
            ItemWrite::CheckSameLink => ConditionCheck::builder()
                .table_name(self.table.as_ref())
                .key(schema::PARTITION_KEY, AttributeValue::S(key.to_owned()))
                .condition_expression("#identity = :identity AND #pool = :pool AND #sub = :sub")
                .expression_attribute_names("#identity", schema::IDENTITY_ID)
                .expression_attribute_names("#pool", schema::USER_POOL_ID)
                .expression_attribute_names("#sub", schema::SUB)
                .expression_attribute_values(":identity", AttributeValue::S(link.identity_id.to_string()))
                .expression_attribute_values(":pool", AttributeValue::S(link.user_pool_id.to_string()))
                .expression_attribute_values(":sub", AttributeValue::S(link.sub.clone()))
                .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
                .build()
                .map(|check| TransactWriteItem::builder().condition_check(check).build()),
        };
        built.map_err(|_| DirectoryError::Failed { code: "RequestConstruction".into() })
    }
}

/// One cancellation reason as an outcome; throttling and faults end the whole call.
fn outcome(key: &str, reason: &CancellationReason) -> Result<Outcome, DirectoryError> {
    match reason.code() {
        None | Some("None") => Ok(Outcome::Passed),
        Some("ConditionalCheckFailed") => {
            Ok(Outcome::ConditionFailed(reason.item().map(|item| parse(key, item)).transpose()?))
        }
        Some(code) => match classify_cancellation_reason(code) {
            Class::Contended => Ok(Outcome::Contended),
            class => Err(class.into_error(code)),
        },
    }
}

fn parse(key: &str, item: &Item) -> Result<DirectoryEntry, DirectoryError> {
    schema::entry_from_item(key, item).map_err(|reason| DirectoryError::Corrupt { key: key.to_owned(), reason })
}
