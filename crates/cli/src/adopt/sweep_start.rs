//! Where `adopt --apply` starts the sweep of the objects already in the bucket.
//!
//! The sweep (count every object under `private/`, attribute the folders of known
//! IdentityIds) is its own command; [`start_sweep`] is the one call site adopt has for
//! it. Until it is connected it fails with [`AdoptError::SweepNotWired`], which adopt
//! reports as a pending step without undoing or failing the changes it made.

use super::adopt_error::AdoptError;
use super::reads::{AdoptClients, AdoptTarget};

/// How the sweep step ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SweepStart {
    /// A sweep run started, with this run id.
    Started(String),
    /// The sweep is not started by adopt yet: why, and what to run instead.
    Pending(String),
}

/// Starts a sweep run over `bucket`'s `private/` folders with the directory `target`
/// names, and returns its run id.
pub async fn start_sweep(_clients: &AdoptClients, target: &AdoptTarget, bucket: &str) -> Result<String, AdoptError> {
    // TO BE WIRED AT MERGE: start the sweep run here (the `sweep` command's entry point)
    // with `bucket` and `target.directory_table`, and return its run id.
    Err(AdoptError::SweepNotWired {
        reason: format!(
            "the sweep is not wired into adopt yet: sweep s3://{bucket}/private/ against the directory {} with its own command",
            target.directory_table
        ),
    })
}
