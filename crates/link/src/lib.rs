//! The link function: writes a user's Cognito IdentityId into their user pool
//! attribute `custom:identity_id`, the server-side flow the Cognito team recommends.
//!
//! `POST /link` with `{"idToken": "…"}` → verify the token → (under IAM auth) check the
//! caller is the token's user → `GetId` with the token (Cognito is the authority) →
//! `AdminUpdateUserAttributes` only when the token does not already carry that value.

pub mod cognito_calls;
pub mod config;
pub mod error;
pub mod handler;
pub mod link_decision;
pub mod link_request;

pub use config::LinkConfig;
pub use error::LinkError;
pub use handler::{LinkService, handle_link};
pub use link_decision::LinkOutcome;
