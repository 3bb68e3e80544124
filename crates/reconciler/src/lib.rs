//! The reconciler: notices users deleted from the user pool by a sweep of the identity
//! directory, for deletions the CloudTrail events did not bring (no trail was logging,
//! an event went to the dead-letter queue, users deleted before the bridge was deployed).
//!
//! A scheduled run continues the pool's pass over the directory's `user#` items from the
//! position saved on `reconcile#<userPoolId>`, checks each user with `AdminGetUser` (by
//! `sub`) at a steady pace under Cognito's UserRead quota, and sends one message per user
//! the pool no longer has to the forget queue:
//!
//! ```json
//! {"source":"cognito-bridge.reconciler","detail-type":"Cognito user not found",
//!  "detail":{"userPoolId":"us-east-1_AbCdEf123","sub":"7d8ca528-…"}}
//! ```
//!
//! - [`config`]: the environment it runs with;
//! - [`pace`]: the spacing of `AdminGetUser` calls, widened by throttling;
//! - [`user_check`]: what `AdminGetUser` says of one user;
//! - [`forget_message`]: the message, ten to a `SendMessageBatch`;
//! - [`reconcile_run`]: one run, resumable, never past an unchecked or unsent user;
//! - [`run_report`]: what a run found, as a log line and EMF metrics.
//!
//! See docs/forget-events.md for the pace and the cost.

pub mod config;
pub mod forget_message;
pub mod pace;
pub mod reconcile_run;
pub mod run_report;
pub mod user_check;

pub use config::ReconcilerConfig;
pub use reconcile_run::{Reconciler, RunLimits};
pub use run_report::{RunReport, StopReason};

use std::time::Duration;

use lambda_foundation::sdk_config::SdkDeadlines;

/// The reconciler's AWS deadlines: a scheduled job with minutes to spare, so a call may
/// retry throttling a few times before the run's own backoff takes over.
pub const DEADLINES: SdkDeadlines = SdkDeadlines {
    max_attempts: 3,
    initial_backoff: Duration::from_millis(200),
    connect_timeout: Duration::from_secs(2),
    attempt_timeout: Duration::from_secs(5),
    operation_timeout: Duration::from_secs(15),
};
