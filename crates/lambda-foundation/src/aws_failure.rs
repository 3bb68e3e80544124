//! What a failed AWS call means, decided in one table for every function.
//!
//! Each failure is one of four kinds, and each kind has one answer everywhere:
//!
//! | kind | meaning | link (HTTP) | authorizer |
//! |---|---|---|---|
//! | [`FailureKind::Refused`] | AWS refuses the caller's own credential (a token Cognito will not take as a login, a user that no longer exists) | 401 | `Unauthorized` (401) |
//! | [`FailureKind::Throttled`] | a rate limit, after the SDK's retries | 429 + `Retry-After` | error → 500, retried by the client, never cached |
//! | [`FailureKind::Unavailable`] | the service did not answer (5xx, timeout, connection) | 503 + `Retry-After` | error → 500 |
//! | [`FailureKind::Fault`] | a deployment fault: unknown pool or table, missing permission, a quota of resources | 502, logged at `error` | error → 500, logged at `error` |
//!
//! The same code can mean different things per API, so the table is per operation:
//! `LimitExceededException` from Cognito Identity `GetId` is the identity pool's quota
//! of identities (a [`FailureKind::Fault`]: retrying will not help), while from DynamoDB
//! or the user pool APIs it is a rate limit; `NotAuthorizedException` from `GetId` is the
//! caller's token refused, while from a user pool admin API it is our own role or pool
//! refusing us (a fault).

use std::borrow::Cow;

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// The kinds of failure; see the module doc for the answer each gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// AWS refuses the caller's own credential.
    Refused,
    /// A rate limit: retry after a pause.
    Throttled,
    /// No answer from the service: retry later.
    Unavailable,
    /// A deployment fault: retrying will not help.
    Fault,
}

impl FailureKind {
    /// Seconds a client should wait before retrying, for the kinds worth retrying.
    pub fn retry_after_secs(self) -> Option<u32> {
        match self {
            FailureKind::Throttled => Some(1),
            FailureKind::Unavailable => Some(5),
            FailureKind::Refused | FailureKind::Fault => None,
        }
    }
}

/// A failed AWS call: the operation, the service's error code (or the SDK's transport
/// category) and what it means. Holds no request or response body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{operation} failed: {code}")]
pub struct AwsFailure {
    /// The API operation, e.g. `GetId`.
    pub operation: &'static str,
    /// The service's error code, or `timeout` / `dispatch_failure` / `unreadable_response`
    /// / `construction_failure` for the SDK's own failures.
    pub code: String,
    /// What it means.
    pub kind: FailureKind,
}

impl AwsFailure {
    /// Classifies a failed SDK call of `operation`.
    pub fn from_sdk_error<E: ProvideErrorMetadata, R>(operation: &'static str, err: &SdkError<E, R>) -> Self {
        Self::from_code(operation, &sdk_error_code(err))
    }

    /// Classifies an error code of `operation` (see the module doc).
    pub fn from_code(operation: &'static str, code: &str) -> Self {
        AwsFailure { operation, code: code.to_owned(), kind: classify(operation, code) }
    }

    /// Writes one log line for this failure: `error` for a fault, `warn` otherwise.
    pub fn log(&self) {
        let (operation, code) = (self.operation, self.code.as_str());
        match self.kind {
            FailureKind::Fault => tracing::error!(operation, code, kind = ?self.kind, "AWS call failed"),
            _ => tracing::warn!(operation, code, kind = ?self.kind, "AWS call failed"),
        }
    }
}

/// The service's error code of a failed call, or the SDK's category for failures that
/// have none. Never the message, which may echo request values.
pub fn sdk_error_code<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> Cow<'static, str> {
    match err {
        SdkError::ServiceError(service) => Cow::Owned(service.err().code().unwrap_or("Unknown").to_owned()),
        SdkError::TimeoutError(_) => Cow::Borrowed("timeout"),
        SdkError::DispatchFailure(_) => Cow::Borrowed("dispatch_failure"),
        SdkError::ResponseError(_) => Cow::Borrowed("unreadable_response"),
        _ => Cow::Borrowed("construction_failure"),
    }
}

/// Cognito Identity operations that take the caller's own login token.
const IDENTITY_LOGIN_OPERATIONS: &[&str] = &["GetId", "GetCredentialsForIdentity", "GetOpenIdToken"];

/// The table of the module doc, as code.
pub fn classify(operation: &str, code: &str) -> FailureKind {
    match code {
        "timeout" | "dispatch_failure" | "unreadable_response" => FailureKind::Unavailable,
        "InternalErrorException"
        | "InternalServerError"
        | "InternalFailure"
        | "InternalError"
        | "ServiceUnavailable"
        | "ServiceUnavailableException"
        | "ExternalServiceException" => FailureKind::Unavailable,
        "TooManyRequestsException"
        | "ThrottlingException"
        | "Throttling"
        | "ThrottledException"
        | "RequestLimitExceeded"
        | "ProvisionedThroughputExceededException"
        | "TransactionConflictException"
        | "SlowDown" => FailureKind::Throttled,
        "LimitExceededException" if operation == "GetId" => FailureKind::Fault,
        "LimitExceededException" => FailureKind::Throttled,
        "NotAuthorizedException" if IDENTITY_LOGIN_OPERATIONS.contains(&operation) => FailureKind::Refused,
        "UserNotFoundException" => FailureKind::Refused,
        _ => FailureKind::Fault,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttling_is_throttling_in_every_service() {
        for (operation, code) in [
            ("GetId", "TooManyRequestsException"),
            ("AdminUpdateUserAttributes", "TooManyRequestsException"),
            ("ListUsers", "TooManyRequestsException"),
            ("GetItem", "ProvisionedThroughputExceededException"),
            ("TransactWriteItems", "ThrottlingException"),
            ("PutItem", "RequestLimitExceeded"),
            ("PutObjectTagging", "SlowDown"),
            ("UpdateItem", "LimitExceededException"),
        ] {
            assert_eq!(classify(operation, code), FailureKind::Throttled, "{operation} {code}");
        }
        assert_eq!(FailureKind::Throttled.retry_after_secs(), Some(1));
    }

    #[test]
    fn get_id_limit_exceeded_is_the_identity_quota_not_a_rate() {
        assert_eq!(classify("GetId", "LimitExceededException"), FailureKind::Fault);
        assert_eq!(FailureKind::Fault.retry_after_secs(), None);
    }

    #[test]
    fn only_a_login_operation_refuses_the_caller() {
        assert_eq!(classify("GetId", "NotAuthorizedException"), FailureKind::Refused);
        assert_eq!(classify("AdminUpdateUserAttributes", "NotAuthorizedException"), FailureKind::Fault);
        assert_eq!(classify("AdminUpdateUserAttributes", "UserNotFoundException"), FailureKind::Refused);
    }

    #[test]
    fn outages_and_deployment_faults_are_told_apart() {
        for code in
            ["InternalErrorException", "InternalServerError", "ServiceUnavailable", "timeout", "dispatch_failure"]
        {
            assert_eq!(classify("GetId", code), FailureKind::Unavailable, "{code}");
        }
        assert_eq!(FailureKind::Unavailable.retry_after_secs(), Some(5));
        for code in ["ResourceNotFoundException", "AccessDeniedException", "InvalidParameterException", "Unknown"] {
            assert_eq!(classify("GetItem", code), FailureKind::Fault, "{code}");
        }
    }

    #[test]
    fn a_failure_names_its_operation_and_code_only() {
        let failure = AwsFailure::from_code("GetId", "TooManyRequestsException");
        assert_eq!(failure.to_string(), "GetId failed: TooManyRequestsException");
        assert_eq!(failure.kind, FailureKind::Throttled);
    }
}
