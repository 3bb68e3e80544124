//! `adopt`: bring a team's existing user pool, app clients and bucket under the
//! bridge, by read–merge–write, after showing a plan.
//!
//! | file | what it is |
//! |---|---|
//! | `attribute_plan.rs` | step 1, decided: does the pool need `custom:identity_id`? |
//! | `client_plan.rs` | step 2, decided: a client's read/write lists |
//! | `notification_plan.rs` | step 3, decided: the bucket's EventBridge switch, overlaps |
//! | `trigger_plan.rs` | step 4, decided: attach the Pre Token Generation trigger, or report the pool's own |
//! | `trust_policy_plan.rs` | layout `sub`/`both`, decided: `sts:TagSession` in the role's Cognito statements |
//! | `principal_tag_plan.rs` | layout `sub`/`both`, decided: the tag `sub` merged into a provider's map |
//! | `policy_document.rs` | IAM's URL-encoded policy documents, decoded |
//! | `planning.rs` | the whole plan over what was read |
//! | `plan.rs` | the plan's changes, as text and JSON |
//! | `reads.rs` | the preflight: every read before any decision |
//! | `layout_reads.rs` | the preflight of layout `sub`/`both`: the role, its trust policy, the tag maps |
//! | `layout_writes.rs` | UpdateAssumeRolePolicy and SetPrincipalTagAttributeMap, whole documents |
//! | `client_update.rs` | UpdateUserPoolClient carrying every field over |
//! | `pool_update.rs` | UpdateUserPool carrying every field over, the trigger added |
//! | `writes.rs` | `--apply`: re-read, compare, write |
//! | `sweep_start.rs` | the one place the sweep of existing objects starts |
//! | `adopt_error.rs` | why adopt stopped, and its exit codes |

pub mod adopt_error;
pub mod attribute_plan;
pub mod client_plan;
pub mod client_update;
pub mod layout_reads;
pub mod layout_writes;
pub mod notification_plan;
pub mod plan;
pub mod planning;
pub mod policy_document;
pub mod pool_update;
pub mod principal_tag_plan;
pub mod reads;
pub mod sweep_start;
pub mod trigger_plan;
pub mod trust_policy_plan;
#[cfg(feature = "adopt-test-hook")]
pub mod write_pause;
pub mod writes;
