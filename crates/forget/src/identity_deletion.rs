//! Cognito's side: the user's identities deleted from the identity pool with
//! `DeleteIdentities` (at most 60 ids a call), retrying, paced, what Cognito reports in
//! `UnprocessedIdentityIds`. Never done while any id is left.

use std::time::Duration;

use aws_sdk_cognitoidentity::Client;
use directory::IdentityId;
use lambda_foundation::aws_failure::AwsFailure;

use crate::error::ForgetError;

/// The most ids one `DeleteIdentities` takes.
pub const MAX_IDS_PER_DELETE: usize = 60;
/// Calls made for the same ids at most (the first and the retries of what is unprocessed).
pub const MAX_DELETE_ATTEMPTS: u32 = 4;

/// The calls to make: the ids in chunks of [`MAX_IDS_PER_DELETE`].
pub fn delete_chunks(ids: &[IdentityId]) -> Vec<Vec<String>> {
    ids.chunks(MAX_IDS_PER_DELETE).map(|chunk| chunk.iter().map(|id| id.as_str().to_owned()).collect()).collect()
}

/// Deletes `ids` from whichever identity pool holds them (an id nobody holds is not an
/// error). Unprocessed ids are retried after `pace` × attempt; still unprocessed after
/// [`MAX_DELETE_ATTEMPTS`] calls: [`ForgetError::Unprocessed`]. Returns the calls made.
pub async fn delete_identities(cognito: &Client, ids: &[IdentityId], pace: Duration) -> Result<u32, ForgetError> {
    let mut calls = 0;
    for chunk in delete_chunks(ids) {
        let mut remaining = chunk;
        for attempt in 1..=MAX_DELETE_ATTEMPTS {
            calls += 1;
            let output =
                cognito
                    .delete_identities()
                    .set_identity_ids_to_delete(Some(remaining.clone()))
                    .send()
                    .await
                    .map_err(|error| ForgetError::Cognito(AwsFailure::from_sdk_error("DeleteIdentities", &error)))?;
            remaining = output
                .unprocessed_identity_ids()
                .iter()
                .filter_map(|unprocessed| unprocessed.identity_id().map(str::to_owned))
                .collect();
            if remaining.is_empty() {
                break;
            }
            tracing::warn!(unprocessed = remaining.len(), attempt, "DeleteIdentities left identities unprocessed");
            if attempt == MAX_DELETE_ATTEMPTS {
                return Err(ForgetError::Unprocessed(remaining.len()));
            }
            tokio::time::sleep(pace * attempt).await;
        }
    }
    Ok(calls)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_go_sixty_to_a_call() {
        let ids: Vec<IdentityId> = (0..121)
            .map(|n| IdentityId::parse(&format!("us-east-1:{n:08x}-0000-4000-8000-000000000000")).unwrap())
            .collect();
        let sizes: Vec<usize> = delete_chunks(&ids).iter().map(Vec::len).collect();
        assert_eq!(sizes, [60, 60, 1]);
        assert!(delete_chunks(&[]).is_empty());
    }
}
