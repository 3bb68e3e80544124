//! Many owners in few reads: the directory's `identity#` items of a page of folders, read
//! with `BatchGetItem` (at most 100 keys a call, strongly consistent), and the keys
//! DynamoDB leaves unprocessed read again after a jittered pause.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes};
use lambda_foundation::IdentityId;

use crate::backoff;
use crate::entry::DirectoryEntry;
use crate::error::{DirectoryError, classify_sdk_error};
use crate::identity_directory::IdentityDirectory;
use crate::schema;

/// DynamoDB's limit of keys in one `BatchGetItem`.
pub const MAX_KEYS_PER_BATCH_GET: usize = 100;
/// Calls made for one chunk of keys while DynamoDB keeps leaving some unprocessed.
const MAX_UNPROCESSED_ROUNDS: u32 = 8;

/// The owners of `identity_ids` (repeats read once): `None` for an IdentityId the
/// directory does not know.
pub type Owners = HashMap<IdentityId, Option<DirectoryEntry>>;

impl IdentityDirectory {
    /// Who owns each of `identity_ids`: one strongly consistent `BatchGetItem` per 100
    /// distinct IdentityIds, `UnprocessedKeys` read again with backoff. Needs
    /// `dynamodb:BatchGetItem` on the table.
    pub async fn get_many_by_identity_id(&self, identity_ids: &[IdentityId]) -> Result<Owners, DirectoryError> {
        let mut distinct: Vec<IdentityId> = identity_ids.to_vec();
        distinct.sort();
        distinct.dedup();
        let mut owners: Owners = distinct.iter().map(|id| (id.clone(), None)).collect();
        for chunk in distinct.chunks(MAX_KEYS_PER_BATCH_GET) {
            let keys: Vec<HashMap<String, AttributeValue>> = chunk
                .iter()
                .map(|id| {
                    HashMap::from([(schema::PARTITION_KEY.to_owned(), AttributeValue::S(schema::identity_key(id)))])
                })
                .collect();
            for (key, item) in self.batch_get(keys).await? {
                let entry = schema::entry_from_item(&key, &item)
                    .map_err(|reason| DirectoryError::Corrupt { key: key.clone(), reason })?;
                owners.insert(entry.identity_id.clone(), Some(entry));
            }
        }
        Ok(owners)
    }

    /// The items of `keys` (at most 100) that exist, by partition key.
    async fn batch_get(
        &self,
        mut keys: Vec<HashMap<String, AttributeValue>>,
    ) -> Result<Vec<(String, schema::Item)>, DirectoryError> {
        let mut found = Vec::new();
        for round in 1..=MAX_UNPROCESSED_ROUNDS {
            let request = KeysAndAttributes::builder()
                .set_keys(Some(keys))
                .consistent_read(true)
                .build()
                .map_err(|_| DirectoryError::Invalid("a batch read needs at least one key"))?;
            let output =
                self.client.batch_get_item().request_items(self.table.as_ref(), request).send().await.map_err(
                    |error| {
                        let (class, code) = classify_sdk_error("BatchGetItem", &error);
                        class.into_error(code)
                    },
                )?;
            for item in output.responses.unwrap_or_default().remove(self.table.as_ref()).unwrap_or_default() {
                let Some(AttributeValue::S(key)) = item.get(schema::PARTITION_KEY) else {
                    return Err(DirectoryError::Corrupt { key: "?".into(), reason: "an item has no string pk" });
                };
                found.push((key.clone(), item));
            }
            keys = output
                .unprocessed_keys
                .unwrap_or_default()
                .remove(self.table.as_ref())
                .map(|left| left.keys)
                .unwrap_or_default();
            if keys.is_empty() {
                return Ok(found);
            }
            tracing::debug!(round, left = keys.len(), "BatchGetItem left keys unprocessed; reading them again");
            backoff::pause(round).await;
        }
        Err(DirectoryError::Throttled { code: "UnprocessedKeys".into() })
    }
}
