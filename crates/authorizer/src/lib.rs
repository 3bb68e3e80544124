//! The Cognito Bridge API Gateway Lambda authorizer.
//!
//! One function serves every API Gateway flavour: REST API `TOKEN` and `REQUEST`
//! authorizers, HTTP API payload 1.0 and HTTP API payload 2.0 (simple or IAM-policy
//! responses). For each event it:
//!
//! 1. works out the flavour and pulls the token out of the event (`src/event/`);
//! 2. verifies the token, or finds it in the cache of tokens already verified by this
//!    instance (`src/token_cache.rs`);
//! 3. finds the caller's IdentityId: from `custom:identity_id` when the user is linked,
//!    else from the identity directory by `sub`, else with Cognito Identity `GetId`
//!    (then recorded in the directory), cached per `sub` (`src/identity_resolver.rs`);
//!    which of these a token may use, and when `REQUIRE_LINKED` denies it, is decided in
//!    `src/decision.rs`;
//! 4. answers in the shape the flavour expects, with a policy covering the whole stage
//!    and both ids in the context (`src/response.rs`).
//!
//! A token that does not verify never costs an AWS call. Everything that is not an
//! Allow or an explicit Deny is an [`AuthorizerError`], mapped once to what API
//! Gateway expects (`src/error.rs`).
//!
//! Where each behaviour lives (every module's own documentation says why it is so):
//!
//! | module | what it holds |
//! |---|---|
//! | `config` | [`AuthorizerConfig`]: every setting, read once from the environment |
//! | `handler` | [`Authorizer`]: one call per event, the only place that does I/O |
//! | `deadline` | [`Deadline`]: one time budget per request (`AUTHORIZER_DEADLINE_MS`), every wait's share of it |
//! | `event` | reading an event ([`AuthorizerRequest`]); `event/wire.rs` streams it, `event/oracle.rs` is the test oracle |
//! | `token_cache` | verified tokens kept per instance, and when they are dropped |
//! | `caller` | the caller a verified token describes |
//! | `decision` | pure decisions: how to find an IdentityId, the verdict |
//! | `token_identity` | `TRUST_TOKEN_IDENTITY_ID`: whether `custom:identity_id` is believed, or checked against the directory |
//! | `identity_resolver` | the directory, then `GetId`, per user, cached |
//! | `route_rules` | `ROUTE_SCOPES` and `ROUTE_GROUPS` ([`RouteRules`]) |
//! | `resource_arn` | the stage-wide policy resource, the called route |
//! | `response` | [`AuthorizerResponse`], serialized straight to API Gateway's JSON |
//! | `context` | the context keys downstream functions read |
//! | `error` | [`AuthorizerError`] and what API Gateway answers for each |
//! | `bounded_map` | the size-bounded map both caches use |
//! | `metrics` | the call's EMF metrics line: decision, IdentityId source, `GetId` and directory counts |
//! | `identity_notes` | where the IdentityId came from and what it cost, noted for the metrics |
//!
//! The crate's public surface is what the function's entry point, the tests and the
//! benches use: the types re-exported here. With the `event-oracle` feature it also has
//! `read_event`, the test oracle; with `cache-introspection`,
//! `Authorizer::cached_token_count`. The crate's own tests and benches turn both on.
//!
//! ```no_run
//! use authorizer::{Authorizer, AuthorizerConfig};
//! use token_verifier::CognitoJwtVerifier;
//!
//! # async fn run(event: serde_json::Value) -> Result<(), Box<dyn std::error::Error>> {
//! let config = AuthorizerConfig::from_env()?;
//! let region = Some(config.identity_pool_id.region());
//! let sdk = lambda_foundation::sdk_config::load_sdk_config(region, authorizer::sdk_deadlines(config.deadline)).await;
//! let verifier = CognitoJwtVerifier::new(config.verifier.clone());
//! let directory = (config.directory_table.clone())
//!     .map(|table| directory::IdentityDirectory::new(aws_sdk_dynamodb::Client::new(&sdk), table));
//! let mut authorizer = Authorizer::new(config, verifier, aws_sdk_cognitoidentity::Client::new(&sdk));
//! if let Some(directory) = directory {
//!     authorizer = authorizer.with_directory(directory);
//! }
//! let answer = authorizer.authorize(&event, lambda_foundation::unix_now()).await;
//! # Ok(()) }
//! ```

mod bounded_map;
mod caller;
mod config;
mod context;
mod deadline;
mod decision;
mod error;
mod event;
mod handler;
mod identity_notes;
mod identity_resolver;
pub mod metrics;
mod resource_arn;
mod response;
mod route_rules;
mod token_cache;
mod token_identity;

pub use config::{AuthorizerConfig, HttpApiResponseFormat};
pub use deadline::{DEFAULT_DEADLINE, Deadline, MAX_DEADLINE, MIN_DEADLINE, invocation_budget, sdk_deadlines};
pub use error::{AuthorizerError, RejectReason};
#[cfg(feature = "event-oracle")]
pub use event::oracle::read_event;
pub use event::{AuthorizerRequest, EventFlavour, EventParts};
pub use handler::Authorizer;
pub use response::AuthorizerResponse;
pub use route_rules::{RouteRuleError, RouteRules};
