//! Where `adopt --apply` starts the sweep of the objects already in the bucket: the
//! last step, a run of the object-owner function started through the stack's queue
//! (see [`crate::sweep_run`]).

use directory::IdentityDirectory;

use super::adopt_error::AdoptError;
use super::reads::{AdoptClients, AdoptTarget};

/// How the sweep step ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SweepStart {
    /// A sweep run started, with this run id.
    Started(String),
    /// The sweep did not start: why, and what to run instead. The changes before it stand.
    Pending(String),
}

/// Starts a sweep run over `bucket`'s `private/` folders with the directory `target`
/// names, through the stack's queue, and returns its run id. Without the queue, or
/// when a run is already going, the sweep is [`AdoptError::SweepNotStarted`]: adopt's
/// other changes are made and stay, and the message says what to run.
pub async fn start_sweep(clients: &AdoptClients, target: &AdoptTarget, bucket: &str) -> Result<String, AdoptError> {
    let Some(queue_url) = target.queue_url.as_deref() else {
        return Err(AdoptError::SweepNotStarted {
            reason: format!(
                "no --queue-url: deploy the stack, then run adopt --apply again with --queue-url <ObjectEventsQueueUrl>, \
                 or `cognito-bridge sweep` (s3://{bucket}/private/ against the directory {})",
                target.directory_table
            ),
        });
    };
    let directory = IdentityDirectory::new(clients.dynamodb.clone(), target.directory_table.clone());
    crate::sweep_run::start_sweep(&directory, &clients.sqs, bucket, queue_url, false)
        .await
        .map_err(|err| AdoptError::SweepNotStarted { reason: err.to_string() })
}
