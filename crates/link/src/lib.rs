//! The link function: writes a user's Cognito IdentityId into their user pool
//! attribute `custom:identity_id`, the server-side flow the Cognito team recommends.
//!
//! `POST /link` with `{"idToken": "…"}` → verify the token → (under IAM auth) check the
//! caller is the token's user → the identity directory by (pool, `sub`) → on a miss,
//! `GetId` with the token (Cognito is the authority) and the directory's conditional
//! link transaction → `AdminUpdateUserAttributes` until the directory marks it written.
//! A repeat link costs no Cognito call ([`link_flow`]). A caller whose IdentityId is not
//! the directory's costs one `GetId`, and relinks when Cognito confirms the caller
//! ([`relink_decision`]). Each request writes one CloudWatch EMF metrics line with its
//! outcome ([`metrics`]).

pub mod cognito_calls;
pub mod config;
pub mod directory_failure;
pub mod error;
pub mod handler;
pub mod link_decision;
pub mod link_flow;
pub mod link_request;
pub mod link_service;
pub mod metrics;
pub mod relink_decision;
mod relink_flow;

pub use config::LinkConfig;
pub use error::LinkError;
pub use handler::handle_link;
pub use link_decision::LinkOutcome;
pub use link_service::LinkService;
