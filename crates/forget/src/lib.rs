//! forget: erases a deleted user everywhere, for the `cognito-bridge forget` command and
//! the forget Lambda (SQS queue fed by a CloudTrail-event rule and the reconciler).
//!
//! 1. [`forget_message`]: what a queue message asks for (pure);
//! 2. [`forget_engine`]: the order of the work, shared by the CLI and the Lambda:
//!    [`identity_deletion`] (Cognito `DeleteIdentities`), then [`folder_erasure`] (owner
//!    tags removed or every version deleted, as [`folder_action`] says), then the
//!    directory's one transaction (`directory::forget_plan`): items gone, tombstone written;
//! 3. [`batch`]: a batch's messages, each failing alone; [`metrics`]: one EMF line a batch.

pub mod batch;
pub mod config;
pub mod error;
pub mod folder_action;
pub mod folder_erasure;
pub mod forget_engine;
pub mod forget_message;
pub mod identity_deletion;
pub mod metrics;

pub use config::ForgetConfig;
pub use error::ForgetError;
pub use folder_action::FolderAction;
pub use forget_engine::{ForgetReport, Forgetter, Forgot};

use std::time::Duration;

use lambda_foundation::sdk_config::SdkDeadlines;

/// The function's AWS deadlines: a forget pages through a folder, so each call is short
/// and retried by the SDK, and the whole forget is retried by SQS.
pub const DEADLINES: SdkDeadlines = SdkDeadlines {
    max_attempts: 3,
    initial_backoff: Duration::from_millis(100),
    connect_timeout: Duration::from_secs(2),
    attempt_timeout: Duration::from_secs(5),
    operation_timeout: Duration::from_secs(10),
};
