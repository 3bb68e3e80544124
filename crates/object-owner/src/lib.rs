//! object-owner: S3 → SQS → Lambda. Every object created under `private/<IdentityId>/`
//! is attributed to its owner as it arrives, and every creation, overwrite and removal
//! keeps the owner's usage equal to what the folder holds:
//!
//! 1. [`notification`]: the SQS message body is an S3 event notification (or S3's test
//!    event), an EventBridge S3 event, a directory stream record of a new link (through
//!    EventBridge Pipes), a page of a folder job, or unreadable (skipped);
//! 2. [`record_plan`]: each record's key is decoded, its IdentityId and sequencer taken,
//!    or the record is skipped for good (outside `private/`, malformed);
//! 3. [`object_owner`]: the directory names the owner, a created object gets the owner
//!    tags ([`owner_tags`]: `owner-sub` and `owner-username`, or `owner-identity-id` when
//!    the directory does not know the IdentityId), merged with its own, and the change is
//!    counted in the owner's usage by the key's sequencer, whatever the order and number
//!    of deliveries (`directory::usage_plan` says how, without ever putting the shared
//!    counter item in a transaction);
//!    A late event of a forgotten user's folder ([`forgotten_folder`]) is neither tagged
//!    nor counted; its new object is deleted when `FORGET_OBJECTS=delete`;
//! 4. [`batch`]: a record that failed fails its message only (`batchItemFailures`), so
//!    SQS delivers it again and its dead-letter queue keeps what keeps failing;
//! 5. [`folder_job`] and [`folder_page`]: the objects already stored, one listing page per
//!    message: a folder's when its link is recorded (tags, counts, then its unattributed
//!    counters moved to the user), or every folder's in a sweep;
//! 6. [`metrics`]: one CloudWatch EMF line per batch, the sums of what its events became.
//!
//! ```
//! use object_owner::batch::{MessageOutcome, batch_response};
//!
//! let response = batch_response([(Some("m1".to_owned()), MessageOutcome::Done), (Some("m2".to_owned()), MessageOutcome::Failed)]).unwrap();
//! assert_eq!(response.batch_item_failures[0].item_identifier, "m2");
//! ```

pub mod batch;
pub mod config;
pub mod error;
pub mod folder_job;
pub mod folder_page;
pub mod forgotten_folder;
pub mod metrics;
pub mod notification;
pub mod object_owner;
pub mod object_tagging;
pub mod owner_tags;
pub mod record_log;
pub mod record_plan;
pub mod sub_folder;

pub use config::ObjectOwnerConfig;
pub use folder_page::FolderJobs;
pub use forgotten_folder::FolderAction;
pub use object_owner::ObjectOwner;
pub use sub_folder::FolderLayout;

use std::time::Duration;

use lambda_foundation::sdk_config::SdkDeadlines;

/// The function's AWS deadlines: a record waits on the directory and S3 in turn, and the
/// whole batch of 10 must end well within the function's 30 s timeout.
pub const DEADLINES: SdkDeadlines = SdkDeadlines {
    max_attempts: 3,
    initial_backoff: Duration::from_millis(100),
    connect_timeout: Duration::from_secs(2),
    attempt_timeout: Duration::from_secs(3),
    operation_timeout: Duration::from_secs(6),
};
