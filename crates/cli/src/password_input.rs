//! Where a password comes from: stdin (`--password-stdin`) or the
//! `COGNITO_BRIDGE_PASSWORD` environment variable, never a flag value that
//! would land in shell history and `ps` output.

use std::io::BufRead;

use crate::cli_args::PasswordArgs;
use crate::error::CliError;

pub use crate::settings::PASSWORD_ENV;

/// The password: the first line of stdin with `--password-stdin`, else `COGNITO_BRIDGE_PASSWORD`.
pub fn read_password(args: &PasswordArgs) -> Result<String, CliError> {
    let password = if args.password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|err| CliError::Usage(format!("cannot read the password from stdin: {err}")))?;
        line.trim_end_matches(['\n', '\r']).to_owned()
    } else {
        std::env::var(PASSWORD_ENV).unwrap_or_default()
    };
    if password.is_empty() {
        let source =
            if args.password_stdin { "stdin was empty".to_owned() } else { format!("{PASSWORD_ENV} is not set") };
        return Err(CliError::Usage(format!(
            "no password: {source}; pipe it with --password-stdin or set {PASSWORD_ENV}"
        )));
    }
    Ok(password)
}
