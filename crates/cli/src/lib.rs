//! `cognito-bridge`, the developer's tool for Cognito Bridge: sign up and in,
//! get identity pool credentials, call `/link` signed with SigV4, call a
//! protected route, and look a user up by either id.
//!
//! `main` parses the command line and prints what [`run`] returns; every
//! failure is a [`CliError`] with one exit code and a one-line message.

#![warn(missing_docs)]

pub mod api_client;
pub mod aws_failure;
pub mod cli_args;
pub mod credentials;
pub mod error;
pub mod id_token;
pub mod link;
pub mod output;
pub mod password_input;
pub mod session;
pub mod sign_in;
pub mod sign_up;
pub mod signed_request;
pub mod srp_sign_in;
pub mod stack_config;
pub mod token_cache;
pub mod whoami;
pub mod whois;

use std::path::PathBuf;

use aws_sdk_cognitoidentity as identity;
use aws_sdk_cognitoidentityprovider as idp;

pub use cli_args::Cli;
pub use error::{CliError, ExitCode};
pub use output::Output;

use crate::cli_args::Command;
use crate::stack_config::StackConfig;
use crate::token_cache::TokenCache;

/// What every command gets: the resolved settings and the output switches.
#[derive(Debug, Clone)]
pub struct Context {
    /// Pools, client, API URL, region and the SDK configuration.
    pub config: StackConfig,
    /// `--token-cache`, when given.
    pub token_cache_dir: Option<PathBuf>,
    /// `--show-tokens`.
    pub show_tokens: bool,
    /// `--json`.
    pub json: bool,
}

impl Context {
    /// The token cache folder (located, not created).
    pub fn token_cache(&self) -> Result<TokenCache, CliError> {
        TokenCache::locate(self.token_cache_dir.as_deref())
    }

    /// A user pool client.
    pub fn idp(&self) -> Result<idp::Client, CliError> {
        Ok(idp::Client::new(self.config.sdk()?))
    }

    /// An identity pool client.
    pub fn identity(&self) -> Result<identity::Client, CliError> {
        Ok(identity::Client::new(self.config.sdk()?))
    }
}

/// Runs the command `cli` names and returns what to print.
pub async fn run(cli: Cli) -> Result<Output, CliError> {
    let context = Context {
        config: StackConfig::resolve(&cli.target).await?,
        token_cache_dir: cli.output.token_cache,
        show_tokens: cli.output.show_tokens,
        json: cli.output.json,
    };
    match cli.command {
        Command::Signup(args) => sign_up::sign_up(&context, &args).await,
        Command::Confirm(args) => sign_up::confirm(&context, &args).await,
        Command::Login(args) => sign_in::login(&context, &args).await,
        Command::Refresh => sign_in::refresh(&context).await,
        Command::Credentials(args) => credentials::credentials(&context, &args).await,
        Command::Link => link::link(&context).await,
        Command::Whoami(args) => whoami::whoami(&context, &args).await,
        Command::Whois(args) => whois::whois(&context, &args).await,
        Command::Token(args) => session::print_token(&context, &args),
        Command::Logout => session::logout(&context),
    }
}
