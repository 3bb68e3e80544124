//! Moving an IdentityId's unattributed usage to its user, once, when the link is known.
//!
//! Objects of an IdentityId the directory did not know were counted on its
//! `unattributed#` item. When a link for it is recorded, those counters belong to the
//! user: they are added to the `identity#` item and taken off the `unattributed#` one in
//! one `TransactWriteItems`, conditioned on the counters read (so a move that raced
//! another move, or a settle, is redone from a fresh read and never adds twice). An item
//! that still holds in-flight markers (`usage#…`: an event being settled on it) is not
//! moved: the caller comes back later. What remains possible (the residual window): an
//! event whose owner was read before the link existed, and whose settle reaches the
//! `unattributed#` item after the move, stays there until the next move (a later
//! attribution job or sweep of the folder moves it).

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, TransactWriteItem, Update};
use lambda_foundation::IdentityId;

use crate::backoff;
use crate::entry::Usage;
use crate::error::{Class, DirectoryError, classify_cancellation_reason, classify_sdk_error};
use crate::identity_directory::IdentityDirectory;
use crate::schema::{self, Item};

/// Reads and transactions tried before a move that keeps meeting other writers fails.
const MAX_MOVE_ATTEMPTS: u32 = 5;

/// What to do with an `unattributed#` item, read. Pure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MovePlan {
    /// No item, or both counters at zero.
    Nothing,
    /// Events are being settled on it (markers present): come back later.
    InFlight,
    /// Move these counters, if the item still holds exactly them.
    Move(Usage),
}

/// Decides the move from the `unattributed#` item (`None`: there is none).
pub fn plan_move(item: Option<&Item>) -> Result<MovePlan, &'static str> {
    let Some(item) = item else { return Ok(MovePlan::Nothing) };
    if item.keys().any(|name| name.starts_with(schema::MARKER_PREFIX)) {
        return Ok(MovePlan::InFlight);
    }
    let usage = schema::unattributed_usage_from_item(item)?;
    Ok(if usage == Usage::default() { MovePlan::Nothing } else { MovePlan::Move(usage) })
}

/// What [`IdentityDirectory::move_unattributed_usage`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsageMoved {
    /// These counters moved to the user.
    Moved(Usage),
    /// Nothing was counted as unattributed (or it moved before: a repeat).
    NothingToMove,
    /// Events are being settled on the unattributed item: nothing moved; try later.
    InFlight,
    /// The IdentityId has no identity item (no link): nothing moved.
    NotLinked,
}

impl IdentityDirectory {
    /// Moves `identity_id`'s `unattributed#` counters to its `identity#` item, once: one
    /// consistent read, then one transaction (the unattributed item deleted if it still
    /// holds what was read, the identity item's counters added to if it exists). Needs
    /// `dynamodb:GetItem`, `dynamodb:DeleteItem` and `dynamodb:UpdateItem` on both keys.
    pub async fn move_unattributed_usage(&self, identity_id: &IdentityId) -> Result<UsageMoved, DirectoryError> {
        let from = schema::unattributed_key(identity_id);
        let to = schema::identity_key(identity_id);
        for attempt in 1..=MAX_MOVE_ATTEMPTS {
            let item = self.get_item(&from).await?;
            let usage = match plan_move(item.as_ref())
                .map_err(|reason| DirectoryError::Corrupt { key: from.clone(), reason })?
            {
                MovePlan::Nothing => return Ok(UsageMoved::NothingToMove),
                MovePlan::InFlight => return Ok(UsageMoved::InFlight),
                MovePlan::Move(usage) => usage,
            };
            match self.transact_move(&from, &to, usage).await? {
                MoveTry::Committed => return Ok(UsageMoved::Moved(usage)),
                MoveTry::NotLinked => return Ok(UsageMoved::NotLinked),
                MoveTry::Changed => tracing::debug!(attempt, "the unattributed counters changed; reading them again"),
                MoveTry::Contended => backoff::pause(attempt).await,
            }
        }
        Err(DirectoryError::Unavailable { code: "UsageMoveContended".into() })
    }

    async fn transact_move(&self, from: &str, to: &str, usage: Usage) -> Result<MoveTry, DirectoryError> {
        let number = |n: u64| AttributeValue::N(n.to_string());
        let delete = Delete::builder()
            .table_name(self.table.as_ref())
            .key(schema::PARTITION_KEY, AttributeValue::S(from.to_owned()))
            .condition_expression("#objects = :objects AND #bytes = :bytes")
            .expression_attribute_names("#objects", schema::OBJECTS)
            .expression_attribute_names("#bytes", schema::BYTES)
            .expression_attribute_values(":objects", number(usage.objects))
            .expression_attribute_values(":bytes", number(usage.bytes))
            .build();
        let add = Update::builder()
            .table_name(self.table.as_ref())
            .key(schema::PARTITION_KEY, AttributeValue::S(to.to_owned()))
            .update_expression("ADD #objects :objects, #bytes :bytes")
            .condition_expression("attribute_exists(#pk) AND #kind = :kind")
            .expression_attribute_names("#pk", schema::PARTITION_KEY)
            .expression_attribute_names("#kind", schema::KIND)
            .expression_attribute_names("#objects", schema::OBJECTS)
            .expression_attribute_names("#bytes", schema::BYTES)
            .expression_attribute_values(":kind", AttributeValue::S(schema::KIND_IDENTITY.into()))
            .expression_attribute_values(":objects", number(usage.objects))
            .expression_attribute_values(":bytes", number(usage.bytes))
            .build();
        let (Ok(delete), Ok(add)) = (delete, add) else {
            return Err(DirectoryError::Failed { code: "RequestConstruction".into() });
        };
        let items =
            vec![TransactWriteItem::builder().delete(delete).build(), TransactWriteItem::builder().update(add).build()];
        let error = match self.client.transact_write_items().set_transact_items(Some(items)).send().await {
            Ok(_) => return Ok(MoveTry::Committed),
            Err(error) => error,
        };
        let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) = error.as_service_error() else {
            return match classify_sdk_error("TransactWriteItems", &error) {
                (Class::Contended, _) => Ok(MoveTry::Contended),
                (class, code) => Err(class.into_error(code)),
            };
        };
        let code =
            |n: usize| cancelled.cancellation_reasons().get(n).and_then(|reason| reason.code()).unwrap_or("None");
        match (code(0), code(1)) {
            (_, "ConditionalCheckFailed") => Ok(MoveTry::NotLinked),
            ("ConditionalCheckFailed", _) => Ok(MoveTry::Changed),
            (first, second) => {
                let failed = if first == "None" { second } else { first };
                match classify_cancellation_reason(failed) {
                    Class::Contended => Ok(MoveTry::Contended),
                    class => Err(class.into_error(failed)),
                }
            }
        }
    }
}

/// How one move transaction ended.
enum MoveTry {
    Committed,
    /// The unattributed counters are no longer what was read.
    Changed,
    /// No identity item to move them to.
    NotLinked,
    /// Collided with another transaction.
    Contended,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn item(objects: &str, bytes: &str) -> Item {
        HashMap::from([
            (schema::KIND.to_owned(), AttributeValue::S(schema::KIND_UNATTRIBUTED.into())),
            (schema::OBJECTS.to_owned(), AttributeValue::N(objects.into())),
            (schema::BYTES.to_owned(), AttributeValue::N(bytes.into())),
        ])
    }

    #[test]
    fn counters_move_zero_or_absent_is_nothing_markers_wait() {
        assert_eq!(plan_move(None), Ok(MovePlan::Nothing));
        assert_eq!(plan_move(Some(&item("0", "0"))), Ok(MovePlan::Nothing));
        assert_eq!(plan_move(Some(&item("3", "30"))), Ok(MovePlan::Move(Usage { objects: 3, bytes: 30 })));
        let mut marked = item("3", "30");
        marked.insert(format!("{}00ff#A", schema::MARKER_PREFIX), AttributeValue::N("1".into()));
        assert_eq!(plan_move(Some(&marked)), Ok(MovePlan::InFlight));
        let mut wrong = item("1", "1");
        wrong.insert(schema::KIND.into(), AttributeValue::S(schema::KIND_IDENTITY.into()));
        assert!(plan_move(Some(&wrong)).is_err());
    }
}
