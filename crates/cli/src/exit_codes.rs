//! The process exit codes of a failed command, and their description for `--help`.

/// The exit codes, also printed by `--help` and listed in the README.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success
  1  AWS or the API refused the request (wrong password, user exists, user not found, API 4xx/5xx but 401)
  2  usage or configuration error (bad flag, missing setting, unknown stack, no AWS credentials for an
     admin command, unwritable token cache)
  3  not signed in or session expired (no cached tokens, expired or refused token, API 401): run login or refresh
  4  network error: AWS endpoint or API unreachable, or timed out";

/// The process exit code of a failed command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// AWS or the API answered and refused the request.
    Refused = 1,
    /// The command line or the configuration is wrong.
    Usage = 2,
    /// There is no usable session: sign in (again) or refresh.
    NotSignedIn = 3,
    /// AWS or the API could not be reached.
    Unreachable = 4,
}
