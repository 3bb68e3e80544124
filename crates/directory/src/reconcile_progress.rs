//! Where the reconciler's sweep of one user pool's users stands, on its own directory
//! item `reconcile#<userPoolId>` (see [`crate::schema`]): the key of the last user it
//! handled, so that a run that runs out of time continues there, and the current pass's
//! counts. One writer at a time (the reconciler runs with a concurrency of one), so a
//! plain `PutItem` records it.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::{DirectoryError, classify_sdk_error};
use crate::identity_directory::IdentityDirectory;
use crate::schema::{self, Item};
use lambda_foundation::UserPoolId;

/// A pass of the reconciler over a pool's users, as its item holds it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReconcileProgress {
    /// The last item handled in this pass; `None` when the pass starts at the table's top.
    pub position: Option<String>,
    /// When this pass started, Unix seconds.
    pub pass_started_at: u64,
    /// Passes finished before this one.
    pub passes: u64,
    /// Users checked in this pass.
    pub checked: u64,
    /// Users found missing (and sent to be forgotten) in this pass.
    pub missing: u64,
    /// Checks that failed in this pass (those users are checked again next time).
    pub errors: u64,
    /// When the last pass finished, Unix seconds.
    pub last_pass_finished_at: Option<u64>,
    /// When the item was written, Unix seconds.
    pub updated_at: u64,
}

impl IdentityDirectory {
    /// The reconciler's progress for `user_pool_id`: one consistent `GetItem`.
    pub async fn reconcile_progress(
        &self,
        user_pool_id: &UserPoolId,
    ) -> Result<Option<ReconcileProgress>, DirectoryError> {
        let key = schema::reconcile_key(user_pool_id);
        self.get_item(&key)
            .await?
            .map(|item| reconcile_progress_from_item(&item))
            .transpose()
            .map_err(|reason| DirectoryError::Corrupt { key, reason })
    }

    /// Records `progress` for `user_pool_id`: one `PutItem`.
    pub async fn save_reconcile_progress(
        &self,
        user_pool_id: &UserPoolId,
        progress: &ReconcileProgress,
    ) -> Result<(), DirectoryError> {
        self.client
            .put_item()
            .table_name(self.table.as_ref())
            .set_item(Some(reconcile_progress_item(user_pool_id, progress)))
            .send()
            .await
            .map_err(|error| {
                let (class, code) = classify_sdk_error("PutItem", &error);
                class.into_error(code)
            })?;
        Ok(())
    }
}

/// The `reconcile#` item of `progress`.
pub fn reconcile_progress_item(user_pool_id: &UserPoolId, progress: &ReconcileProgress) -> Item {
    let number = |n: u64| AttributeValue::N(n.to_string());
    let mut item = Item::from([
        (schema::PARTITION_KEY.to_owned(), AttributeValue::S(schema::reconcile_key(user_pool_id))),
        (schema::KIND.to_owned(), AttributeValue::S(schema::KIND_RECONCILE.into())),
        (schema::USER_POOL_ID.to_owned(), AttributeValue::S(user_pool_id.to_string())),
        (schema::PASS_STARTED_AT.to_owned(), number(progress.pass_started_at)),
        (schema::PASSES.to_owned(), number(progress.passes)),
        (schema::CHECKED.to_owned(), number(progress.checked)),
        (schema::MISSING.to_owned(), number(progress.missing)),
        (schema::ERRORS.to_owned(), number(progress.errors)),
        (schema::UPDATED_AT.to_owned(), number(progress.updated_at)),
    ]);
    if let Some(position) = &progress.position {
        item.insert(schema::POSITION.to_owned(), AttributeValue::S(position.clone()));
    }
    if let Some(at) = progress.last_pass_finished_at {
        item.insert(schema::LAST_PASS_FINISHED_AT.to_owned(), number(at));
    }
    item
}

/// Reads a `reconcile#` item back.
pub fn reconcile_progress_from_item(item: &Item) -> Result<ReconcileProgress, &'static str> {
    let number = |name: &'static str| match item.get(name) {
        Some(AttributeValue::N(value)) => {
            value.parse::<u64>().map(Some).map_err(|_| "a reconcile counter is not a whole number")
        }
        Some(_) => Err("a reconcile counter is not a number"),
        None => Ok(None),
    };
    match item.get(schema::KIND) {
        Some(AttributeValue::S(kind)) if kind == schema::KIND_RECONCILE => {}
        _ => return Err("kind is not reconcile"),
    }
    let position = match item.get(schema::POSITION) {
        Some(AttributeValue::S(key)) if !key.is_empty() => Some(key.clone()),
        None => None,
        _ => return Err("the reconcile position is not a key"),
    };
    Ok(ReconcileProgress {
        position,
        pass_started_at: number(schema::PASS_STARTED_AT)?.unwrap_or(0),
        passes: number(schema::PASSES)?.unwrap_or(0),
        checked: number(schema::CHECKED)?.unwrap_or(0),
        missing: number(schema::MISSING)?.unwrap_or(0),
        errors: number(schema::ERRORS)?.unwrap_or(0),
        last_pass_finished_at: number(schema::LAST_PASS_FINISHED_AT)?,
        updated_at: number(schema::UPDATED_AT)?.unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_round_trips_through_its_item() {
        let pool = UserPoolId::parse("us-east-1_Pool1").unwrap();
        for progress in [
            ReconcileProgress::default(),
            ReconcileProgress {
                position: Some("user#us-east-1_Pool1#s".into()),
                pass_started_at: 10,
                passes: 2,
                checked: 7,
                missing: 1,
                errors: 3,
                last_pass_finished_at: Some(9),
                updated_at: 11,
            },
        ] {
            let item = reconcile_progress_item(&pool, &progress);
            assert_eq!(item["pk"], AttributeValue::S("reconcile#us-east-1_Pool1".into()));
            assert_eq!(reconcile_progress_from_item(&item).unwrap(), progress);
        }
    }

    #[test]
    fn another_kind_of_item_is_refused() {
        let item = Item::from([("kind".to_owned(), AttributeValue::S("sweep".into()))]);
        assert_eq!(reconcile_progress_from_item(&item), Err("kind is not reconcile"));
    }
}
