//! The Cognito Bridge API Gateway Lambda authorizer.
//!
//! One function serves every API Gateway flavour: REST API `TOKEN` and `REQUEST`
//! authorizers, HTTP API payload 1.0 and HTTP API payload 2.0 (simple or IAM-policy
//! responses). For each event it:
//!
//! 1. works out the flavour and pulls the id token out of the event ([`event`]);
//! 2. verifies the token, or finds it in the cache of tokens already verified by this
//!    instance ([`token_cache`]);
//! 3. finds the caller's IdentityId: from `custom:identity_id` when the user is linked,
//!    else from the identity directory by `sub`, else with Cognito Identity `GetId`
//!    (then recorded in the directory), cached per `sub` ([`identity_resolver`]);
//!    `REQUIRE_LINKED` denies tokens the directory does not know ([`decision`]);
//! 4. answers in the shape the flavour expects, with a policy covering the whole stage
//!    and both ids in the context ([`response`]).
//!
//! A token that does not verify never costs an AWS call. Everything that is not an
//! Allow or an explicit Deny is an [`AuthorizerError`], mapped once to what API
//! Gateway expects (see [`error`]).
//!
//! ```no_run
//! use authorizer::{Authorizer, AuthorizerConfig};
//! use token_verifier::CognitoJwtVerifier;
//!
//! # async fn run(event: serde_json::Value) -> Result<(), Box<dyn std::error::Error>> {
//! let config = AuthorizerConfig::from_env()?;
//! let region = Some(config.identity_pool_id.region());
//! let sdk = lambda_foundation::sdk_config::load_sdk_config(region, lambda_foundation::sdk_config::SdkDeadlines::AUTHORIZER).await;
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

pub mod bounded_map;
pub mod caller;
pub mod config;
pub mod context;
pub mod decision;
pub mod error;
pub mod event;
pub mod handler;
pub mod identity_resolver;
pub mod resource_arn;
pub mod response;
pub mod route_rules;
pub mod token_cache;

pub use config::{AuthorizerConfig, HttpApiResponseFormat};
pub use error::{AuthorizerError, RejectReason};
pub use event::AuthorizerRequest;
pub use handler::Authorizer;
pub use response::AuthorizerResponse;
