//! `cognito-bridge`, the developer's tool for Cognito Bridge: sign up and in,
//! get identity pool credentials, call `/link` signed with SigV4, call a
//! protected route, and look a user up by either id.
//!
//! `main` parses the command line and prints what [`run`] returns; every
//! failure is a [`CliError`] with one exit code and a one-line message.

#![warn(missing_docs)]

pub mod api_client;
pub mod aws_failure;
pub mod backfill;
pub mod backfill_plan;
pub mod cli_args;
pub mod context;
pub mod credentials;
pub mod directory_failure;
pub mod error;
pub mod exit_codes;
pub mod link;
pub mod object_tags;
pub mod output;
pub mod password_input;
pub mod private_folder;
pub mod private_key_name;
pub mod run;
pub mod session;
pub mod settings;
pub mod sign_in;
pub mod sign_up;
pub mod signed_request;
pub mod srp_sign_in;
pub mod stack_config;
pub mod token_cache;
pub mod usage;
pub mod whoami;
pub mod whois;
pub mod whois_query;

pub use cli_args::Cli;
pub use context::Context;
pub use error::CliError;
pub use exit_codes::ExitCode;
pub use output::Output;
pub use run::run;
