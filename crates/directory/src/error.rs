//! What can go wrong talking to the directory, and one classification of DynamoDB's
//! failures into those few cases.

use std::time::Duration;

use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use lambda_foundation::aws_failure::{FailureKind, classify, sdk_error_code};

use crate::entry::LinkConflict;

/// A failed directory operation, classified so that callers can answer with the right
/// status (409, 429, 503, 502) and retry only what a retry can fix.
#[derive(Debug, Clone, thiserror::Error)]
pub enum DirectoryError {
    /// The IdentityId already belongs to another user, or the user is already linked to
    /// another IdentityId. Nothing was written.
    #[error("the directory already links {} differently", conflict_subject(.0))]
    Conflict(Box<LinkConflict>),
    /// The user was forgotten (erased on deletion): their tombstone refuses any new link.
    /// Nothing was written.
    #[error("the user was forgotten and cannot be linked again")]
    Forgotten,
    /// DynamoDB refused the request for its rate (throttling); retry after a pause.
    #[error("the directory is throttled ({code})")]
    Throttled {
        /// DynamoDB's error code, e.g. `ThrottlingException`.
        code: String,
    },
    /// DynamoDB did not answer usably (5xx, timeout, connection failure, or writers kept
    /// colliding on the same items); retrying later may succeed.
    #[error("the directory is unavailable ({code})")]
    Unavailable {
        /// DynamoDB's error code, or what failed before there was one (`Timeout`, `Dispatch`).
        code: String,
    },
    /// An item in the table does not have the published schema. Nothing a retry fixes.
    #[error("directory item {key} is corrupt: {reason}")]
    Corrupt {
        /// The item's partition key.
        key: String,
        /// What is wrong with it (names the attribute, never its value).
        reason: &'static str,
    },
    /// The request itself is unusable (an empty `sub`, say). Nothing was sent.
    #[error("invalid directory request: {0}")]
    Invalid(&'static str),
    /// A deployment fault: the table is missing, access is denied, the request is
    /// malformed. Retrying does not help; an operator has to.
    #[error("directory call failed ({code})")]
    Failed {
        /// DynamoDB's error code, e.g. `ResourceNotFoundException` or `AccessDeniedException`.
        code: String,
    },
}

fn conflict_subject(conflict: &LinkConflict) -> String {
    let requested = &conflict.requested;
    match (&conflict.identity_owner, &conflict.user_link) {
        (Some(_), Some(_)) => format!("{} and user {}", requested.identity_id, requested.sub),
        (Some(_), None) => requested.identity_id.to_string(),
        (None, _) => format!("user {}", requested.sub),
    }
}

impl DirectoryError {
    /// Whether the same call may succeed later (throttling and outages only).
    pub fn is_retryable(&self) -> bool {
        matches!(self, DirectoryError::Throttled { .. } | DirectoryError::Unavailable { .. })
    }

    /// How long to wait before that retry, for a `Retry-After` header (the stack's one
    /// table: 1 s when throttled, 5 s when unavailable); `None` when a retry cannot help.
    pub fn retry_after(&self) -> Option<Duration> {
        let kind = match self {
            DirectoryError::Throttled { .. } => FailureKind::Throttled,
            DirectoryError::Unavailable { .. } => FailureKind::Unavailable,
            _ => return None,
        };
        kind.retry_after_secs().map(|secs| Duration::from_secs(secs.into()))
    }
}

/// How a failure classifies, before it becomes a [`DirectoryError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    Throttled,
    Unavailable,
    /// Writers collided on the same items; `record_link` retries these itself.
    Contended,
    Failed,
}

impl Class {
    pub(crate) fn into_error(self, code: impl Into<String>) -> DirectoryError {
        let code = code.into();
        match self {
            Class::Throttled => DirectoryError::Throttled { code },
            Class::Unavailable | Class::Contended => DirectoryError::Unavailable { code },
            Class::Failed => DirectoryError::Failed { code },
        }
    }
}

/// A failed API call of `operation`, classified by the stack's one table of AWS failures
/// (`lambda_foundation::aws_failure`). Two refinements: a transaction collision is
/// contention that `record_link` retries, and a 5xx whose code the table does not know is
/// an outage, not a deployment fault.
pub(crate) fn classify_sdk_error<E: ProvideErrorMetadata>(
    operation: &'static str,
    error: &SdkError<E, HttpResponse>,
) -> (Class, String) {
    let code = sdk_error_code(error).into_owned();
    let server_side = error.raw_response().is_some_and(|raw| raw.status().is_server_error());
    let class = match (code.as_str(), classify(operation, &code)) {
        ("TransactionConflictException" | "TransactionInProgressException", _) => Class::Contended,
        (_, FailureKind::Throttled) => Class::Throttled,
        (_, FailureKind::Unavailable) => Class::Unavailable,
        (_, FailureKind::Fault | FailureKind::Refused) if server_side => Class::Unavailable,
        (_, FailureKind::Fault | FailureKind::Refused) => Class::Failed,
    };
    (class, code)
}

/// A transaction's cancellation reason code (DynamoDB's own vocabulary, which differs
/// from its API error codes: `ThrottlingError`, `TransactionConflict`, …).
pub(crate) fn classify_cancellation_reason(code: &str) -> Class {
    match code {
        "TransactionConflict" => Class::Contended,
        "ThrottlingError" | "ProvisionedThroughputExceeded" | "RequestLimitExceeded" => Class::Throttled,
        _ => match classify("TransactWriteItems", code) {
            FailureKind::Throttled => Class::Throttled,
            FailureKind::Unavailable => Class::Unavailable,
            FailureKind::Fault | FailureKind::Refused => Class::Failed,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancellation_reasons_classify_like_the_api_codes() {
        for code in ["ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"] {
            assert_eq!(classify_cancellation_reason(code), Class::Throttled, "{code}");
        }
        assert_eq!(classify_cancellation_reason("TransactionConflict"), Class::Contended);
        for code in ["ValidationError", "ItemCollectionSizeLimitExceeded"] {
            assert_eq!(classify_cancellation_reason(code), Class::Failed, "{code}");
        }
    }

    #[test]
    fn only_throttling_and_outages_are_retryable() {
        let throttled = Class::Throttled.into_error("ThrottlingException");
        assert!(throttled.is_retryable());
        assert_eq!(throttled.retry_after(), Some(Duration::from_secs(1)));
        let contended = Class::Contended.into_error("TransactionConflict");
        assert!(contended.is_retryable());
        assert_eq!(contended.retry_after(), Some(Duration::from_secs(5)));
        let failed = Class::Failed.into_error("ResourceNotFoundException");
        assert!(!failed.is_retryable());
        assert_eq!(failed.retry_after(), None);
        assert!(!DirectoryError::Corrupt { key: "pk".into(), reason: "x" }.is_retryable());
        assert!(!DirectoryError::Invalid("x").is_retryable());
    }
}
