//! The subcommands, one file each, and [`run`]: the one place that knows every
//! command and which file does it.

mod adopt;
mod backfill;
mod credentials;
mod dlq;
mod forget;
mod link;
mod reconcile;
mod refresh;
mod relink;
mod sign_in;
mod sign_up;
pub mod sweep;
mod token;
mod unlink;
mod upload;
mod usage;
mod web_config;
mod whoami;
mod whois;

use crate::cli_args::{Cli, Command};
use crate::context::Context;
use crate::error::CliError;
use crate::output::Output;
use crate::stack_config::StackConfig;

/// Runs the command `cli` names and returns what to print.
pub async fn run(cli: Cli) -> Result<Output, CliError> {
    // A saved DescribeStacks answer needs no AWS call, not even the stack's.
    if let Command::WebConfig(args) = &cli.command
        && let Some(file) = &args.from_file
    {
        return web_config::from_file(file, &cli.target, &args.out);
    }
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
        Command::Logout => sign_in::logout(&context),
        Command::Refresh => refresh::refresh(&context).await,
        Command::Credentials(args) => credentials::credentials(&context, &args).await,
        Command::Link => link::link(&context).await,
        Command::Whoami(args) => whoami::whoami(&context, &args).await,
        Command::Whois(args) => whois::whois(&context, &args).await,
        Command::Upload(args) => upload::upload(&context, &args).await,
        Command::Ls => upload::list(&context).await,
        Command::Usage(args) => usage::usage(&context, &args).await,
        Command::Backfill(args) => backfill::backfill(&context, &args).await,
        Command::Sweep(args) => sweep::sweep(&context, &args).await,
        Command::Token(args) => token::print_token(&context, &args),
        Command::Adopt(args) => adopt::adopt(&context, &args).await,
        Command::Unlink(args) => unlink::unlink(&context, &args).await,
        Command::Relink(args) => relink::relink(&context, &args).await,
        Command::Forget(args) => forget::forget(&context, &args).await,
        Command::Reconcile(args) => reconcile::reconcile(&context, &args).await,
        Command::Dlq(args) => dlq::dlq(&context, &args).await,
        Command::WebConfig(args) => web_config::from_stack(&context, &cli.target, &args.out),
    }
}
