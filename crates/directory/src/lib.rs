//! The identity directory: every Cognito link, readable both ways in one read.
//!
//! A user pool knows a user by `sub`; an identity pool knows the same person by an
//! IdentityId (the folder of their `private/<IdentityId>/` objects). The directory is a
//! DynamoDB table holding each link twice, once keyed by IdentityId and once by
//! (user pool, `sub`), so that either question is one strongly consistent `GetItem`:
//!
//! - [`IdentityDirectory::get_by_identity_id`]: who owns this IdentityId?
//! - [`IdentityDirectory::get_by_user`]: which IdentityId has this user?
//! - [`IdentityDirectory::record_link`]: both directions in one conditional
//!   transaction; a mapping to someone else is a [`DirectoryError::Conflict`], never an
//!   overwrite, and a repeat is a no-op.
//! - [`IdentityDirectory::mark_user_pool_written`]: records that the user pool's
//!   `custom:identity_id` now holds the link, so a repeat link has nothing left to do.
//! - [`IdentityDirectory::record_usage_changes`]: keeps an IdentityId's usage counters
//!   equal to what its folder holds, from S3's put, overwrite and removal events in any
//!   order and however often delivered, without ever putting the shared counter item in
//!   a transaction (see [`usage_plan`]); [`IdentityDirectory::add_usage`] is one put.
//! - [`IdentityDirectory::relink`]: a user's IdentityId replaced by a new one that
//!   Cognito gave them (both directions in one conditional transaction, the old identity
//!   item marked `movedTo`); [`IdentityDirectory::unlink`]: a user's link removed, its
//!   counters moved to `unattributed#` (see [`relink_plan`]'s module for both).
//! - [`IdentityDirectory::get_many_by_identity_id`]: the owners of a page of folders in
//!   `BatchGetItem`s of 100.
//! - [`IdentityDirectory::move_unattributed_usage`]: an IdentityId's unattributed
//!   counters moved to its user once the link is known, once.
//! - [`IdentityDirectory::plan_forget`], [`IdentityDirectory::forget`]: a deleted user's
//!   items removed and a tombstone written in one transaction (see [`forget_plan`]);
//!   [`IdentityDirectory::is_forgotten_user`] and
//!   [`IdentityDirectory::is_forgotten_identity`] read the tombstones.
//! - [`IdentityDirectory::start_sweep`], [`IdentityDirectory::sweep_progress`],
//!   [`IdentityDirectory::record_sweep_page`]: a sweep's progress item, `sweep#<bucket>`.
//! - [`IdentityDirectory::scan_users`]: the linked users, a scan page at a time;
//!   [`IdentityDirectory::reconcile_progress`], [`IdentityDirectory::save_reconcile_progress`]:
//!   the reconciler's position, `reconcile#<userPoolId>`.
//!
//! The table's layout is public (other services read it directly): see [`schema`].
//!
//! # Example: who uploaded this object?
//!
//! An S3-event handler (S3 → Lambda, or S3 → SQS → Lambda with the S3 event in each
//! message body) that resolves `private/<IdentityId>/…` to the user. It needs
//! `dynamodb:GetItem` on the table and the table's name in `DIRECTORY_TABLE`.
//!
//! ```no_run
//! use directory::{IdentityDirectory, identity_id_from_private_key};
//! use lambda_runtime::{Error, LambdaEvent, service_fn};
//! use serde_json::Value;
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Error> {
//!     let config = aws_config::load_from_env().await;
//!     let table = std::env::var("DIRECTORY_TABLE")?;
//!     // Built once per process; every invocation shares it.
//!     let directory = IdentityDirectory::new(aws_sdk_dynamodb::Client::new(&config), table);
//!     lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| {
//!         let directory = directory.clone();
//!         async move {
//!             let records = event.payload["Records"].as_array().cloned().unwrap_or_default();
//!             for record in records {
//!                 let Some(key) = record["s3"]["object"]["key"].as_str() else { continue };
//!                 let identity_id = match identity_id_from_private_key(key) {
//!                     Ok(identity_id) => identity_id,
//!                     Err(why) => {
//!                         eprintln!("skipping an object: {why}");
//!                         continue;
//!                     }
//!                 };
//!                 // Throttling or an outage is worth a retry of the event: return it.
//!                 match directory.get_by_identity_id(&identity_id).await? {
//!                     Some(owner) => println!("{identity_id} is {} (sub {})", owner.username, owner.sub),
//!                     None => println!("{identity_id} is not linked to any user"),
//!                 }
//!             }
//!             Ok::<(), Error>(())
//!         }
//!     }))
//!     .await
//! }
//! ```

mod backoff;
mod entry;
mod error;
pub mod forget_plan;
mod forget_writes;
mod identity_directory;
mod link_plan;
mod owner_reads;
mod private_key;
mod reconcile_progress;
pub mod relink_plan;
mod relink_writes;
pub mod schema;
mod sequencer;
mod sub_key;
mod sweep_progress;
mod usage;
mod usage_ledger;
mod usage_move;
pub mod usage_plan;
mod user_scan;

pub use entry::{DirectoryEntry, LinkConflict, LinkRecorded, NewLink, Usage};
pub use error::DirectoryError;
pub use forget_plan::{ForgetFindings, ForgetOutcome, ForgetPlan, ForgetTargets, identity_id_hash, plan_forget};
pub use forget_writes::ForgetProgress;
pub use identity_directory::IdentityDirectory;
/// The id types the directory is keyed by, shared with every function of the stack.
pub use lambda_foundation::{IdError, IdentityId, UserPoolId};
pub use owner_reads::{MAX_KEYS_PER_BATCH_GET, Owners};
pub use private_key::{
    PRIVATE_PREFIX, PrivateKeyError, decode_event_key, identity_id_from_object_key, identity_id_from_private_key,
};
pub use reconcile_progress::{ReconcileProgress, reconcile_progress_from_item, reconcile_progress_item};
pub use relink_plan::{RelinkNext, RelinkOutcome, UnlinkPlan, UnlinkRefusal, after_relink_cancellation, plan_unlink};
pub use relink_writes::{RelinkRecorded, UnlinkDone};
pub use sequencer::{SEQUENCER_WIDTH, Sequencer, SequencerError};
pub use sub_key::{FolderSub, SUB_PREFIX, SubKeyError, sub_from_event_key, sub_from_object_key};
pub use sweep_progress::{
    PageStatus, SweepPageCounts, SweepProgress, SweepStart, page_status, sweep_progress_from_item,
};
pub use usage::{
    ChangeRecorded, ObjectChange, ObjectChangeEvent, ObjectEvent, SubUsageChange, UsageAccount, UsageChange,
    UsageRecorded,
};
pub use usage_move::{MovePlan, UsageMoved, plan_move};
pub use user_scan::{UserRef, UsersPage, user_ref_from_item};
