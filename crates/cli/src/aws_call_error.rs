//! Turning a failed AWS call into what the CLI reports: an SDK error becomes an
//! unreachable endpoint, the service's error code and message, or missing credentials
//! ([`AwsCallError`]); a failed identity directory call becomes the same, with what to
//! check ([`directory_error`]).
//!
//! The Lambda functions classify failures by the answer they owe their caller
//! (`lambda_foundation::AwsFailure`); the CLI sorts them by what the developer can do.

use std::error::Error;
use std::fmt::Debug;

use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_cognitoidentityprovider::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use directory::DirectoryError;

use crate::error::CliError;
use crate::settings::Setting;

/// An AWS SDK call that failed, sorted by what the user can do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AwsCallError {
    /// The request never got an answer (connection refused, DNS, TLS, timeout).
    Unreachable(String),
    /// The service answered with an error code.
    Service {
        /// e.g. `NotAuthorizedException`.
        code: String,
        /// The service's message.
        message: String,
    },
    /// The call needs IAM credentials and the default chain found none.
    NoCredentials,
    /// Anything else (a malformed request or response, …).
    Other(String),
}

impl AwsCallError {
    /// Sorts `err`; works for every SDK crate, they share `SdkError`.
    pub fn from_sdk<E, R>(err: &SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + Error + 'static,
        R: Debug + 'static,
    {
        match err {
            SdkError::DispatchFailure(failure) if failure.is_io() || failure.is_timeout() => {
                AwsCallError::Unreachable(innermost_cause(err))
            }
            SdkError::TimeoutError(_) => AwsCallError::Unreachable("timed out".into()),
            SdkError::ServiceError(service) => {
                let inner = service.err();
                AwsCallError::Service {
                    code: inner.code().unwrap_or("UnknownError").to_owned(),
                    message: inner.message().unwrap_or("no message").to_owned(),
                }
            }
            _ if credentials_not_loaded(err) => AwsCallError::NoCredentials,
            _ => AwsCallError::Other(DisplayErrorContext(err).to_string()),
        }
    }

    /// The same failure with every occurrence of `secret` (a password, a token) replaced,
    /// should a service echo it back in a message: error lines never show secrets.
    pub fn redacting(self, secret: &str) -> Self {
        if secret.is_empty() {
            return self;
        }
        let scrub = |text: String| text.replace(secret, "<redacted>");
        match self {
            AwsCallError::Service { code, message } => AwsCallError::Service { code, message: scrub(message) },
            AwsCallError::Unreachable(cause) => AwsCallError::Unreachable(scrub(cause)),
            AwsCallError::Other(cause) => AwsCallError::Other(scrub(cause)),
            AwsCallError::NoCredentials => AwsCallError::NoCredentials,
        }
    }

    /// The service's error code, when it answered.
    pub fn code(&self) -> Option<&str> {
        match self {
            AwsCallError::Service { code, .. } => Some(code),
            _ => None,
        }
    }

    /// `Code: message`, or the transport / client error.
    pub fn cause(&self) -> String {
        match self {
            AwsCallError::Service { code, message } => format!("{code}: {message}"),
            AwsCallError::Unreachable(cause) | AwsCallError::Other(cause) => cause.clone(),
            AwsCallError::NoCredentials => "no AWS credentials found".into(),
        }
    }

    /// The CLI error: [`CliError::Unreachable`] for transport failures (exit 4),
    /// [`CliError::Aws`] otherwise (exit 1), with `hint` as what to do.
    pub fn into_error(self, action: &'static str, target: &str, hint: Option<String>) -> CliError {
        match self {
            AwsCallError::Unreachable(cause) => {
                let check = format!("AWS_ENDPOINT_URL / {}", Setting::Region.flag());
                CliError::Unreachable { action, target: target.to_owned(), cause, check }
            }
            AwsCallError::NoCredentials => CliError::NoAwsCredentials { action },
            other => CliError::Aws { action, cause: other.cause(), hint },
        }
    }
}

/// The CLI error for `err` from the directory table `table` during `action`: an outage is
/// exit 4 (unreachable), everything else exit 1 with a hint.
pub fn directory_error(err: DirectoryError, action: &'static str, table: &str) -> CliError {
    let hint = match &err {
        DirectoryError::Failed { code } if code == "ResourceNotFoundException" => Some(format!(
            "no table {table}: check {} or the stack's DirectoryTableName output",
            Setting::DirectoryTable.names()
        )),
        DirectoryError::Failed { code } if code.contains("AccessDenied") || code == "UnrecognizedClientException" => {
            Some(format!(
                "{action} needs admin IAM credentials allowed to call dynamodb:GetItem (and, for backfill, dynamodb:PutItem and dynamodb:ConditionCheckItem) on {table}"
            ))
        }
        DirectoryError::Throttled { .. } => Some("the directory is throttled: wait and retry".into()),
        DirectoryError::Corrupt { .. } => {
            Some("the item does not have the directory's schema: see README, the identity directory".into())
        }
        _ => None,
    };
    match err {
        DirectoryError::Unavailable { code } => CliError::Unreachable {
            action,
            target: format!("the directory table {table}"),
            cause: code,
            check: format!("AWS_ENDPOINT_URL / {}", Setting::Region.flag()),
        },
        other => CliError::Aws { action, cause: other.to_string(), hint },
    }
}

/// Whether the SDK gave up because no credential provider had credentials.
fn credentials_not_loaded(err: &(dyn Error + 'static)) -> bool {
    let mut current = Some(err);
    while let Some(error) = current {
        if let Some(CredentialsError::CredentialsNotLoaded(_)) = error.downcast_ref::<CredentialsError>() {
            return true;
        }
        current = error.source();
    }
    false
}

/// The last error of the chain: for a refused connection, "Connection refused (os error 111)".
/// What the CLI reports as the cause of any failed call, to AWS or to the API.
pub(crate) fn innermost_cause(err: &(dyn Error + 'static)) -> String {
    let mut current = err;
    while let Some(source) = current.source() {
        current = source;
    }
    current.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_blanked_out_of_causes() {
        let failure =
            AwsCallError::Service { code: "NotAuthorizedException".into(), message: "bad token abc.def".into() };
        assert_eq!(failure.redacting("abc.def").cause(), "NotAuthorizedException: bad token <redacted>");
        assert_eq!(AwsCallError::Other("x".into()).redacting("").cause(), "x");
    }

    #[test]
    fn unreachable_endpoints_are_exit_4_and_service_errors_exit_1() {
        let unreachable = AwsCallError::Unreachable("Connection refused (os error 111)".into());
        let err = unreachable.into_error("login", "http://127.0.0.1:1", None);
        assert_eq!(err.exit_code(), crate::error::ExitCode::Unreachable);
        assert_eq!(
            err.one_line(),
            "login failed: cannot reach http://127.0.0.1:1: Connection refused (os error 111); check AWS_ENDPOINT_URL / --region and the network"
        );
        let refused = AwsCallError::Service { code: "X".into(), message: "y".into() }.into_error("login", "t", None);
        assert_eq!(refused.exit_code(), crate::error::ExitCode::Refused);
    }
}
