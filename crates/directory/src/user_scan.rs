//! The directory's users, page by page: a `Scan` of the table filtered on
//! `kind = "user"`, for sweeps that must visit every linked user (the reconciler).
//!
//! The table has one partition key and no index, so no query reaches the `user#` items
//! alone: the scan reads every item (links' two items, usage, object state) and returns
//! the users. Its read cost is the size of the whole table, not of the users (see
//! docs/forget-events.md for the numbers). Reads are eventually consistent (half the
//! cost): a user linked during the sweep is checked by the next one.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::{DirectoryError, classify_sdk_error};
use crate::identity_directory::IdentityDirectory;
use crate::schema::{self, Item};

/// One linked user as a sweep sees them: their pool, their `sub`, and their item's key
/// (a position to resume from). No username: a sweep has no use for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRef {
    /// The `user#` item's partition key.
    pub key: String,
    /// The user pool id as the item holds it (checked by the caller).
    pub user_pool_id: String,
    /// The user's `sub`.
    pub sub: String,
}

/// One scan page: the users among the items it read, and where the next page starts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UsersPage {
    /// The users, in the scan's order.
    pub users: Vec<UserRef>,
    /// Items DynamoDB read for this page (users or not): what the page cost.
    pub items_read: u64,
    /// The key to resume after, or `None` when the table is done.
    pub next: Option<String>,
}

impl IdentityDirectory {
    /// Up to `limit` items of the table, read after the item keyed `after` (from the
    /// start when `None`), and the users among them: one eventually consistent `Scan`.
    /// `after` may be any item's key, a user's included: the next page starts right after
    /// it, so a sweep can stop between two users and resume there.
    pub async fn scan_users(&self, after: Option<&str>, limit: i32) -> Result<UsersPage, DirectoryError> {
        if limit < 1 {
            return Err(DirectoryError::Invalid("a scan page reads at least one item"));
        }
        let output = self
            .client
            .scan()
            .table_name(self.table.as_ref())
            .limit(limit)
            .filter_expression("#kind = :user")
            .projection_expression("#pk, #pool, #sub")
            .expression_attribute_names("#kind", schema::KIND)
            .expression_attribute_names("#pk", schema::PARTITION_KEY)
            .expression_attribute_names("#pool", schema::USER_POOL_ID)
            .expression_attribute_names("#sub", schema::SUB)
            .expression_attribute_values(":user", AttributeValue::S(schema::KIND_USER.into()))
            .set_exclusive_start_key(
                after.map(|key| Item::from([(schema::PARTITION_KEY.to_owned(), AttributeValue::S(key.to_owned()))])),
            )
            .send()
            .await
            .map_err(|error| {
                let (class, code) = classify_sdk_error("Scan", &error);
                class.into_error(code)
            })?;
        let users = output.items().iter().map(user_ref_from_item).collect::<Result<Vec<_>, _>>()?;
        let next = match output.last_evaluated_key() {
            Some(key) => match key.get(schema::PARTITION_KEY) {
                Some(AttributeValue::S(pk)) => Some(pk.clone()),
                _ => return Err(DirectoryError::Failed { code: "LastEvaluatedKeyWithoutPk".into() }),
            },
            None => None,
        };
        Ok(UsersPage { users, items_read: output.scanned_count().max(0) as u64, next })
    }
}

/// Reads a scanned `user#` item (its key, pool and `sub` only).
pub fn user_ref_from_item(item: &Item) -> Result<UserRef, DirectoryError> {
    let text = |name: &str| match item.get(name) {
        Some(AttributeValue::S(value)) if !value.is_empty() => Some(value.clone()),
        _ => None,
    };
    let key = text(schema::PARTITION_KEY)
        .ok_or(DirectoryError::Corrupt { key: "?".into(), reason: "a scanned user item has no pk" })?;
    match (text(schema::USER_POOL_ID), text(schema::SUB)) {
        (Some(user_pool_id), Some(sub)) => Ok(UserRef { key, user_pool_id, sub }),
        _ => Err(DirectoryError::Corrupt { key, reason: "a user item lacks userPoolId or sub" }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(value: &str) -> AttributeValue {
        AttributeValue::S(value.into())
    }

    #[test]
    fn a_user_item_gives_its_key_pool_and_sub() {
        let item = Item::from([
            ("pk".to_owned(), s("user#us-east-1_Pool1#sub-1")),
            ("userPoolId".to_owned(), s("us-east-1_Pool1")),
            ("sub".to_owned(), s("sub-1")),
        ]);
        let user = user_ref_from_item(&item).unwrap();
        assert_eq!(
            user,
            UserRef {
                key: "user#us-east-1_Pool1#sub-1".into(),
                user_pool_id: "us-east-1_Pool1".into(),
                sub: "sub-1".into()
            }
        );
    }

    #[test]
    fn a_user_item_without_its_sub_is_corrupt() {
        let item = Item::from([("pk".to_owned(), s("user#p#x")), ("userPoolId".to_owned(), s("p"))]);
        assert!(matches!(user_ref_from_item(&item), Err(DirectoryError::Corrupt { .. })));
    }
}
