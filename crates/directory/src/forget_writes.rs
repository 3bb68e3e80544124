//! The directory's side of forgetting a user: what is read before (decided by
//! [`crate::forget_plan`]), the progress of the folder work, the one transaction at the
//! end, and the tombstone reads of every later writer.

use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem};
use lambda_foundation::{IdentityId, UserPoolId};

use crate::backoff;
use crate::error::{Class, DirectoryError, classify_cancellation_reason, classify_sdk_error};
use crate::forget_plan::{ForgetFindings, ForgetOutcome, ForgetPlan, ForgetTargets, identity_id_hash, plan_forget};
use crate::identity_directory::IdentityDirectory;
use crate::schema::{self, Item};

/// Forget transactions sent at most (a concurrent writer of the same user re-plans).
const MAX_TRANSACTIONS: u32 = 4;

/// Where a forget's folder work stands: the folder being cleared and the last key done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForgetProgress {
    /// The IdentityId whose folder is being cleared.
    pub identity_id: IdentityId,
    /// The last key done in it (listing resumes after it).
    pub start_after: String,
}

fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

impl IdentityDirectory {
    /// What the directory holds for the user: consistent `GetItem`s of the user item, the
    /// tombstone, the progress item, each identity item and its `unattributed#` item, and
    /// one filtered `Scan` for earlier identity items marked `movedTo` (a relink leaves no
    /// pointer back to them; the scan reads the whole table, 1 MB a page, and only a forget
    /// pays it).
    pub async fn forget_findings(
        &self,
        user_pool_id: &UserPoolId,
        sub: &str,
    ) -> Result<ForgetFindings, DirectoryError> {
        if !schema::is_valid_sub(sub) {
            return Err(DirectoryError::Invalid("sub must be 1-128 printable characters"));
        }
        let user = self.get_by_user(user_pool_id, sub).await?;
        let tombstone = self.get_item(&schema::forgotten_key(user_pool_id, sub)).await?.is_some();
        let progress = self.get_item(&schema::forget_progress_key(user_pool_id, sub)).await?.is_some();
        let mut ids: Vec<IdentityId> = user.iter().map(|user| user.identity_id.clone()).collect();
        for moved in self.moved_identity_ids(user_pool_id, sub).await? {
            if !ids.contains(&moved) {
                ids.push(moved);
            }
        }
        let mut identities = Vec::new();
        let mut unattributed = Vec::new();
        for identity_id in ids {
            if let Some(entry) = self.get_by_identity_id(&identity_id).await? {
                identities.push(entry);
            }
            if self.get_item(&schema::unattributed_key(&identity_id)).await?.is_some() {
                unattributed.push(identity_id);
            }
        }
        Ok(ForgetFindings { user, identities, unattributed, progress, tombstone })
    }

    /// What forgetting the user would do now. Writes nothing.
    pub async fn plan_forget(&self, user_pool_id: &UserPoolId, sub: &str) -> Result<ForgetPlan, DirectoryError> {
        Ok(plan_forget(user_pool_id, sub, &self.forget_findings(user_pool_id, sub).await?))
    }

    /// Ends a forget, once the identities and folders are done: in one transaction, deletes
    /// every item in `targets` (the user item on condition that it still names the same
    /// IdentityId) and writes the tombstone and one `forgotten-identity#` item per
    /// IdentityId (see [`crate::forget_plan`]). Read again and retried when another writer
    /// changed the user's items meanwhile; items it finds that `targets` did not name are
    /// left to the caller (`Err(Unavailable)` after the retries, so the caller forgets again).
    pub async fn forget(&self, targets: &ForgetTargets, now: u64) -> Result<ForgetOutcome, DirectoryError> {
        let mut targets = targets.clone();
        for attempt in 1..=MAX_TRANSACTIONS {
            let tombstone = self.get_item(&schema::forgotten_key(&targets.user_pool_id, &targets.sub)).await?.is_some();
            let items = self.forget_items(&targets, tombstone, now)?;
            let count = items.len();
            let deleted =
                count - usize::from(!tombstone) - targets.identity_ids.len() - usize::from(!targets.progress_item);
            match self.client.transact_write_items().set_transact_items(Some(items)).send().await {
                Ok(_) => return Ok(ForgetOutcome::Forgotten { items_deleted: deleted }),
                Err(error) => {
                    use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
                    if let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) =
                        error.as_service_error()
                    {
                        for reason in cancelled.cancellation_reasons() {
                            match reason.code() {
                                None | Some("None" | "ConditionalCheckFailed") => {}
                                Some(code) => match classify_cancellation_reason(code) {
                                    Class::Contended => {}
                                    class => return Err(class.into_error(code)),
                                },
                            }
                        }
                    } else {
                        match classify_sdk_error("TransactWriteItems", &error) {
                            (Class::Contended, _) => {}
                            (class, code) => return Err(class.into_error(code)),
                        }
                    }
                }
            }
            backoff::pause(attempt).await;
            match self.plan_forget(&targets.user_pool_id, &targets.sub).await? {
                ForgetPlan::Forget(next) => targets = next,
                ForgetPlan::AlreadyForgotten => return Ok(ForgetOutcome::AlreadyForgotten),
                ForgetPlan::NotFound => return Ok(ForgetOutcome::NotFound),
            }
        }
        Err(DirectoryError::Unavailable { code: "TransactionConflict".into() })
    }

    fn forget_items(
        &self,
        targets: &ForgetTargets,
        tombstone: bool,
        now: u64,
    ) -> Result<Vec<TransactWriteItem>, DirectoryError> {
        let table = self.table.as_ref();
        let now = AttributeValue::N(now.to_string());
        let delete = |key: String| {
            Delete::builder()
                .table_name(table)
                .key(schema::PARTITION_KEY, s(&key))
                .build()
                .map(|delete| TransactWriteItem::builder().delete(delete).build())
        };
        let mut items = Vec::new();
        if targets.user_item {
            let current = targets.current.as_ref().map(IdentityId::as_str).unwrap_or_default();
            items.push(
                Delete::builder()
                    .table_name(table)
                    .key(schema::PARTITION_KEY, s(&schema::user_key(&targets.user_pool_id, &targets.sub)))
                    .condition_expression("#identity = :identity")
                    .expression_attribute_names("#identity", schema::IDENTITY_ID)
                    .expression_attribute_values(":identity", s(current))
                    .build()
                    .map(|delete| TransactWriteItem::builder().delete(delete).build()),
            );
        }
        for identity_id in &targets.identity_items {
            items.push(delete(schema::identity_key(identity_id)));
        }
        for identity_id in &targets.unattributed_items {
            items.push(delete(schema::unattributed_key(identity_id)));
        }
        // Always: the folder work may have saved progress after the plan was read.
        items.push(delete(schema::forget_progress_key(&targets.user_pool_id, &targets.sub)));
        if !tombstone {
            let mut item = Item::from([
                (schema::PARTITION_KEY.to_owned(), s(&schema::forgotten_key(&targets.user_pool_id, &targets.sub))),
                (schema::KIND.to_owned(), s(schema::KIND_FORGOTTEN)),
                (schema::FORGOTTEN_AT.to_owned(), now.clone()),
            ]);
            if let Some(last) = targets.identity_ids.first() {
                item.insert(schema::IDENTITY_ID_HASH.to_owned(), s(&identity_id_hash(last)));
            }
            items.push(
                Put::builder()
                    .table_name(table)
                    .set_item(Some(item))
                    .condition_expression("attribute_not_exists(#pk)")
                    .expression_attribute_names("#pk", schema::PARTITION_KEY)
                    .build()
                    .map(|put| TransactWriteItem::builder().put(put).build()),
            );
        }
        for identity_id in &targets.identity_ids {
            let item = Item::from([
                (schema::PARTITION_KEY.to_owned(), s(&schema::forgotten_identity_key(&identity_id_hash(identity_id)))),
                (schema::KIND.to_owned(), s(schema::KIND_FORGOTTEN_IDENTITY)),
                (schema::FORGOTTEN_AT.to_owned(), now.clone()),
            ]);
            items.push(
                Put::builder()
                    .table_name(table)
                    .set_item(Some(item))
                    .build()
                    .map(|put| TransactWriteItem::builder().put(put).build()),
            );
        }
        items
            .into_iter()
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| DirectoryError::Failed { code: "RequestConstruction".into() })
    }

    /// The IdentityIds of the user's earlier identity items (marked `movedTo`): a filtered,
    /// paginated `Scan` that reads only their keys.
    async fn moved_identity_ids(
        &self,
        user_pool_id: &UserPoolId,
        sub: &str,
    ) -> Result<Vec<IdentityId>, DirectoryError> {
        let mut found = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let output = self
                .client
                .scan()
                .table_name(self.table.as_ref())
                .filter_expression("#kind = :kind AND #pool = :pool AND #sub = :sub AND attribute_exists(#moved)")
                .projection_expression("#identity")
                .expression_attribute_names("#kind", schema::KIND)
                .expression_attribute_names("#pool", schema::USER_POOL_ID)
                .expression_attribute_names("#sub", schema::SUB)
                .expression_attribute_names("#moved", schema::MOVED_TO)
                .expression_attribute_names("#identity", schema::IDENTITY_ID)
                .expression_attribute_values(":kind", s(schema::KIND_IDENTITY))
                .expression_attribute_values(":pool", s(user_pool_id.as_str()))
                .expression_attribute_values(":sub", s(sub))
                .set_exclusive_start_key(start.take())
                .consistent_read(true)
                .send()
                .await
                .map_err(|error| {
                    let (class, code) = classify_sdk_error("Scan", &error);
                    class.into_error(code)
                })?;
            for item in output.items() {
                if let Some(AttributeValue::S(text)) = item.get(schema::IDENTITY_ID)
                    && let Ok(identity_id) = IdentityId::parse(text)
                {
                    found.push(identity_id);
                }
            }
            match output.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(found),
            }
        }
    }

    /// Whether the user was forgotten: one consistent `GetItem` of the tombstone.
    pub async fn is_forgotten_user(&self, user_pool_id: &UserPoolId, sub: &str) -> Result<bool, DirectoryError> {
        if !schema::is_valid_sub(sub) {
            return Err(DirectoryError::Invalid("sub must be 1-128 printable characters"));
        }
        Ok(self.get_item(&schema::forgotten_key(user_pool_id, sub)).await?.is_some())
    }

    /// Whether `identity_id` belonged to a forgotten user: one consistent `GetItem` of
    /// `forgotten-identity#<hash>`.
    pub async fn is_forgotten_identity(&self, identity_id: &IdentityId) -> Result<bool, DirectoryError> {
        Ok(self.get_item(&schema::forgotten_identity_key(&identity_id_hash(identity_id))).await?.is_some())
    }

    /// Where the user's forget stands, when its folder work was interrupted.
    pub async fn forget_progress(
        &self,
        user_pool_id: &UserPoolId,
        sub: &str,
    ) -> Result<Option<ForgetProgress>, DirectoryError> {
        let key = schema::forget_progress_key(user_pool_id, sub);
        let Some(item) = self.get_item(&key).await? else { return Ok(None) };
        let corrupt = |reason| DirectoryError::Corrupt { key: key.clone(), reason };
        let text = |name: &'static str| match item.get(name) {
            Some(AttributeValue::S(text)) => Ok(text.clone()),
            _ => Err(corrupt("a forget progress attribute is missing or not a string")),
        };
        let identity_id =
            IdentityId::parse(&text(schema::IDENTITY_ID)?).map_err(|_| corrupt("identityId is not an IdentityId"))?;
        Ok(Some(ForgetProgress { identity_id, start_after: text(schema::START_AFTER)? }))
    }

    /// Records that the folder of `progress.identity_id` is done up to `start_after`: one
    /// `PutItem` (a page of up to 1,000 keys costs one).
    pub async fn save_forget_progress(
        &self,
        user_pool_id: &UserPoolId,
        sub: &str,
        progress: &ForgetProgress,
    ) -> Result<(), DirectoryError> {
        self.client
            .put_item()
            .table_name(self.table.as_ref())
            .item(schema::PARTITION_KEY, s(&schema::forget_progress_key(user_pool_id, sub)))
            .item(schema::KIND, s(schema::KIND_FORGET))
            .item(schema::IDENTITY_ID, s(progress.identity_id.as_str()))
            .item(schema::START_AFTER, s(&progress.start_after))
            .send()
            .await
            .map(|_| ())
            .map_err(|error| {
                let (class, code) = classify_sdk_error("PutItem", &error);
                class.into_error(code)
            })
    }
}
