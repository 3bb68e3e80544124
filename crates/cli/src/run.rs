//! From the parsed command line to the command's output: the one place that
//! knows every command.

use crate::cli_args::{Cli, Command};
use crate::context::Context;
use crate::error::CliError;
use crate::output::Output;
use crate::stack_config::StackConfig;
use crate::{backfill, credentials, link, private_folder, session, sign_in, sign_up, usage, whoami, whois};

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
        Command::Upload(args) => private_folder::upload(&context, &args).await,
        Command::Ls => private_folder::list(&context).await,
        Command::Usage(args) => usage::usage(&context, &args).await,
        Command::Backfill(args) => backfill::backfill(&context, &args).await,
        Command::Token(args) => session::print_token(&context, &args),
        Command::Logout => session::logout(&context),
    }
}
