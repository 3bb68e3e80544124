//! `cognito-bridge`, the developer's tool for Cognito Bridge: sign up and in,
//! get identity pool credentials, call `/link` signed with SigV4, call a
//! protected route, and look a user up by either id.
//!
//! `main` parses the command line ([`Cli`]) and prints what [`run`] returns; every
//! failure is a [`CliError`] with one exit code and a one-line message.
//!
//! # Where things live
//!
//! Each subcommand has its file under `src/commands/`, and `commands/mod.rs` maps
//! every subcommand to it:
//!
//! | file | subcommands |
//! |---|---|
//! | `commands/sign_up.rs` | `signup`, `confirm` |
//! | `commands/sign_in.rs` | `login` (SRP and password flows), `logout` |
//! | `commands/refresh.rs` | `refresh` |
//! | `commands/credentials.rs` | `credentials` (env, JSON, `credential_process`) |
//! | `commands/link.rs` | `link` |
//! | `commands/whoami.rs` | `whoami` |
//! | `commands/whois.rs` | `whois` (and an object's owner tags) |
//! | `commands/upload.rs` | `upload`, `ls` (the user's private folder) |
//! | `commands/usage.rs` | `usage` |
//! | `commands/backfill.rs` | `backfill` |
//! | `commands/token.rs` | `token` |
//! | `commands/adopt.rs` | `adopt` (its plan, reads and writes in `src/adopt/`) |
//! | `commands/dlq.rs` | `dlq` (list, `--redrive`) |
//! | `commands/web_config.rs` | `web-config` |
//!
//! What the commands share sits at the top of `src/`, in the order data flows:
//!
//! | file | what it is |
//! |---|---|
//! | `cli_args.rs` | the command line (clap), and where a password comes from |
//! | `settings.rs` | every flag and environment variable, named once |
//! | `stack_config.rs` | settings resolved from flags, environment and a stack's Outputs; the SDK configuration |
//! | `context.rs` | what every command gets: the settings, the output switches, the AWS clients |
//! | `token_cache.rs` | the cached tokens on disk (mode 0600, replaced atomically) |
//! | `session.rs` | the signed-in session: expiry checks and refresh |
//! | `identity_credentials.rs` | GetId + GetCredentialsForIdentity with the id token |
//! | `api_client.rs` | HTTP calls to the Bridge API, SigV4-signed when the route takes IAM auth |
//! | `whois_query.rs` | what an id given to `whois` or `usage` is (IdentityId, S3 key, sub, username) |
//! | `dead_letter.rs` | what a dead-lettered message says (read with object-owner's own parser) |
//! | `web_app_config.rs` | the web app's `config.json` from a stack's outputs |
//! | `aws_call_error.rs` | a failed AWS or directory call, sorted by what the user can do |
//! | `error.rs` | [`CliError`], its one-line messages and [`ExitCode`]s |
//! | `output.rs` | [`Output`]: text, `--json`, or a fixed format |
//!
//! ```
//! use clap::Parser;
//!
//! let cli = cli::Cli::try_parse_from(["cognito-bridge", "credentials", "--format", "process"]).unwrap();
//! assert!(!cli.output.json);
//! ```

#![warn(missing_docs)]

mod adopt;
mod api_client;
mod aws_call_error;
mod cli_args;
mod commands;
mod context;
mod dead_letter;
mod error;
mod identity_credentials;
mod output;
mod session;
mod settings;
mod stack_config;
mod sweep_run;
mod token_cache;
mod web_app_config;
mod whois_query;

pub use cli_args::Cli;
pub use commands::run;
pub use error::{CliError, ExitCode};
pub use output::Output;
