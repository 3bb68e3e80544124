//! Every way a command can fail, mapped once to a one-line message and an exit code,
//! and the exit codes themselves (also printed by `--help`).
//!
//! A message says what failed, the cause, and what to do, in one line, so a
//! person reads it and a script can log it. It never carries a token, a
//! password or a secret key.

use std::path::PathBuf;

use crate::settings::Setting;

/// The exit codes, also printed by `--help` and listed in the README.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success
  1  AWS or the API refused the request (wrong password, user exists, user not found, API 4xx/5xx but 401)
  2  usage or configuration error (bad flag, missing setting, unknown stack, no AWS credentials for an
     admin command, unwritable token cache)
  3  not signed in or session expired (no cached tokens, expired or refused token, API 401): run login or refresh
  4  network error: AWS endpoint or API unreachable, or timed out
  5  a named resource does not exist (adopt), or the user is unknown (unlink, relink, forget)
  6  adopt: access denied (the message names the action)
  7  adopt: conflict with what a resource holds, or it changed while adopt ran";

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
    /// `adopt`: a named resource does not exist; `unlink`/`relink`: the user is unknown.
    NotFound = 5,
    /// `adopt`: AWS denied an action.
    AccessDenied = 6,
    /// `adopt`: a resource conflicts with the change, or changed meanwhile.
    Conflict = 7,
}

/// A failed command. `Display` is the one-line message printed after `error: `.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A setting no flag, environment variable or stack output provided.
    #[error("{} is not set; pass {} or set {}{}", .setting.description(), .setting.flag(), .setting.env_var(), .setting.stack_hint())]
    MissingSetting {
        /// Which setting.
        setting: Setting,
    },
    /// `--stack` names a stack without the output a command needs.
    #[error("{} is not set: stack {stack} has no output {}; pass {} or set {}", .setting.description(), .setting.stack_output().unwrap_or("for it"), .setting.flag(), .setting.env_var())]
    MissingStackOutput {
        /// Which setting.
        setting: Setting,
        /// The stack named by `--stack`.
        stack: String,
    },
    /// A setting has a value of the wrong shape.
    #[error("{} {value:?} is invalid: {reason}; fix {} or {}", .setting.description(), .setting.flag(), .setting.env_var())]
    InvalidSetting {
        /// Which setting.
        setting: Setting,
        /// The value given (never a secret: settings are ids and URLs).
        value: String,
        /// What shape was expected.
        reason: String,
    },
    /// An IAM-authenticated call (admin APIs, DescribeStacks) found no credentials in the default chain.
    #[error(
        "{action} failed: no AWS credentials found; this call needs IAM credentials: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or sign in with SSO"
    )]
    NoAwsCredentials {
        /// What was attempted.
        action: &'static str,
    },
    /// Any other problem with the command line or local input.
    #[error("{0}")]
    Usage(String),
    /// `--stack` names a stack CloudFormation does not know.
    #[error("stack {stack} not found in {region}: {cause}; check {} and {} (or {})", Setting::Stack.flag(), Setting::Region.flag(), Setting::Region.env_var())]
    StackNotFound {
        /// The stack name.
        stack: String,
        /// The region it was looked up in.
        region: String,
        /// CloudFormation's answer.
        cause: String,
    },
    /// The token cache could not be written or its folder created.
    #[error("cannot write the token cache {}: {cause}; check {} (or {}) and its permissions", .path.display(), Setting::TokenCache.flag(), Setting::TokenCache.env_var())]
    CacheNotWritable {
        /// The file or folder.
        path: PathBuf,
        /// The I/O error.
        cause: String,
    },
    /// No cached tokens for this user pool and app client.
    #[error(
        "not signed in: no cached tokens for user pool {pool} and app client {client}; run 'cognito-bridge login --username <name>'"
    )]
    NotSignedIn {
        /// The user pool id.
        pool: String,
        /// The app client id.
        client: String,
    },
    /// The cache file exists but holds no usable tokens.
    #[error("not signed in: the token cache {} is unusable ({cause}); run 'cognito-bridge login --username <name>' to replace it", .path.display())]
    CacheUnusable {
        /// The cache file.
        path: PathBuf,
        /// What is wrong with it.
        cause: String,
    },
    /// The cached id token (or the access token a command sends) has expired.
    #[error(
        "session expired: the cached {token} of {username} expired at {expired_at}; run 'cognito-bridge refresh' (or 'cognito-bridge login --username {username}')"
    )]
    SessionExpired {
        /// Which token: `id token` or `access token`.
        token: &'static str,
        /// Who was signed in.
        username: String,
        /// RFC 3339 expiry.
        expired_at: String,
    },
    /// Cognito or the API refused the cached session (bad or revoked token).
    #[error("{action} failed: {cause}; run 'cognito-bridge login --username {username}' to sign in again")]
    SessionRefused {
        /// What was attempted.
        action: &'static str,
        /// Who was signed in.
        username: String,
        /// The refusal.
        cause: String,
    },
    /// AWS answered with an error.
    #[error("{action} failed: {cause}{}", hint_suffix(.hint))]
    Aws {
        /// What was attempted, e.g. `login`.
        action: &'static str,
        /// `Code: message` from AWS.
        cause: String,
        /// What to do, when there is a useful hint.
        hint: Option<String>,
    },
    /// The API answered with an error status.
    #[error("{action} failed: the API answered {status}{}{}", message_suffix(.message), hint_suffix(.hint))]
    Api {
        /// What was attempted, e.g. `link`.
        action: &'static str,
        /// The HTTP status.
        status: u16,
        /// The API's `message`, when it sent one.
        message: Option<String>,
        /// What to do.
        hint: Option<String>,
    },
    /// The gateway refused the token on an authorizer-protected route (403 from the
    /// authorizer's policy): the token lacks the scope or group the route requires (or,
    /// under `REQUIRE_LINKED`, the user is not linked: the hint says so when that can be).
    #[error("{action} failed: the API refused this {token} on {route} (403): the token lacks the route's scope or group, or its custom:identity_id is not the directory's{}", hint_suffix(.hint))]
    RouteRefused {
        /// What was attempted, e.g. `whoami`.
        action: &'static str,
        /// Which token was sent: `id token` or `access token` (never the token itself).
        token: &'static str,
        /// Method and path below the API URL, e.g. `GET /scoped/whoami`.
        route: String,
        /// What to do.
        hint: Option<String>,
    },
    /// AWS or the API answered, but not with what the flow expects.
    #[error("{action} failed: {cause}{}", hint_suffix(.hint))]
    Unexpected {
        /// What was attempted.
        action: &'static str,
        /// What came back instead.
        cause: String,
        /// What to do.
        hint: Option<String>,
    },
    /// The user a command names does not exist, or is not linked (`unlink`, `relink`).
    #[error("{action} failed: {cause}{}", hint_suffix(.hint))]
    NotFound {
        /// What was attempted.
        action: &'static str,
        /// Which user, and where they were looked for.
        cause: String,
        /// What to do.
        hint: Option<String>,
    },
    /// `adopt` stopped (its own exit codes: see `adopt::adopt_error`).
    #[error("{0}")]
    Adopt(crate::adopt::adopt_error::AdoptError),
    /// AWS or the API could not be reached.
    #[error("{action} failed: cannot reach {target}: {cause}; check {check} and the network")]
    Unreachable {
        /// What was attempted.
        action: &'static str,
        /// The endpoint (an URL or a service name).
        target: String,
        /// The transport error.
        cause: String,
        /// Which setting points there, e.g. `--api-url (COGNITO_BRIDGE_API_URL)`.
        check: String,
    },
}

fn hint_suffix(hint: &Option<String>) -> String {
    hint.as_ref().map(|h| format!("; {h}")).unwrap_or_default()
}

fn message_suffix(message: &Option<String>) -> String {
    message.as_ref().map(|m| format!(": {m}")).unwrap_or_default()
}

impl CliError {
    /// The exit code this failure ends the process with.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            CliError::MissingSetting { .. }
            | CliError::MissingStackOutput { .. }
            | CliError::InvalidSetting { .. }
            | CliError::Usage(_)
            | CliError::NoAwsCredentials { .. }
            | CliError::StackNotFound { .. }
            | CliError::CacheNotWritable { .. } => ExitCode::Usage,
            CliError::NotSignedIn { .. }
            | CliError::CacheUnusable { .. }
            | CliError::SessionExpired { .. }
            | CliError::SessionRefused { .. } => ExitCode::NotSignedIn,
            CliError::Api { status: 401, .. } => ExitCode::NotSignedIn,
            CliError::Aws { .. }
            | CliError::Api { .. }
            | CliError::RouteRefused { .. }
            | CliError::Unexpected { .. } => ExitCode::Refused,
            CliError::Unreachable { .. } => ExitCode::Unreachable,
            CliError::NotFound { .. } => ExitCode::NotFound,
            CliError::Adopt(err) => err.exit_code(),
        }
    }

    /// The message on one line (causes from AWS may contain newlines).
    pub fn one_line(&self) -> String {
        self.to_string().split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_is_one_line_and_names_what_to_do() {
        let missing = CliError::MissingSetting { setting: Setting::ClientId };
        assert_eq!(
            missing.one_line(),
            "the app client id is not set; pass --client-id or set COGNITO_BRIDGE_CLIENT_ID (or name a stack with --stack)"
        );
        assert_eq!(missing.exit_code(), ExitCode::Usage);
        let refused = CliError::Aws { action: "login", cause: "A:\nB".into(), hint: Some("check it".into()) };
        assert_eq!(refused.one_line(), "login failed: A: B; check it");
        assert_eq!(refused.exit_code(), ExitCode::Refused);
        let unauthorized =
            CliError::Api { action: "whoami", status: 401, message: Some("Unauthorized".into()), hint: None };
        assert_eq!(unauthorized.exit_code(), ExitCode::NotSignedIn);
        assert_eq!(unauthorized.one_line(), "whoami failed: the API answered 401: Unauthorized");
        let route = CliError::RouteRefused {
            action: "whoami",
            token: "access token",
            route: "GET /scoped/whoami".into(),
            hint: None,
        };
        assert_eq!(
            route.one_line(),
            "whoami failed: the API refused this access token on GET /scoped/whoami (403): the token lacks the route's scope or group, or its custom:identity_id is not the directory's"
        );
        assert_eq!(route.exit_code(), ExitCode::Refused, "a refusal (1), not a session problem (3)");
    }
}
