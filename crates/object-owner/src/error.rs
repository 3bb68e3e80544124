//! Why one object could not be attributed this time: the directory or S3 failed. Every
//! such record is reported back to SQS as failed, so that SQS delivers it again and the
//! dead-letter queue keeps what keeps failing.

use directory::DirectoryError;
use lambda_foundation::aws_failure::{AwsFailure, FailureKind};

/// A failed record.
#[derive(Debug, Clone, thiserror::Error)]
pub enum RecordError {
    /// The directory failed (throttled, down, a corrupt item, a missing table).
    #[error(transparent)]
    Directory(#[from] DirectoryError),
    /// An S3 tagging or listing call failed.
    #[error(transparent)]
    S3(#[from] AwsFailure),
    /// Deleting a forgotten folder's new object failed (`FORGET_OBJECTS=delete`). Its
    /// `Display` names no key: the key holds a forgotten user's IdentityId.
    #[error("deleting a new object of a forgotten folder failed: {0}")]
    ForgottenObject(AwsFailure),
    /// Sending a folder job's next page to the queue failed.
    #[error("sending the next page of a folder job failed: {0}")]
    Queue(AwsFailure),
    /// The folder's unattributed counters have events being settled on them: the move
    /// waits for them (the page comes back after its visibility timeout).
    #[error("the unattributed counters have events in flight; the move is retried later")]
    MoveWaiting,
}

impl RecordError {
    /// Whether a redelivery may succeed by itself (throttling, timeouts, 5xx). The others
    /// are deployment faults or corrupt data: they are retried too, and end in the
    /// dead-letter queue for an operator unless someone fixes the cause first.
    pub fn is_transient(&self) -> bool {
        match self {
            RecordError::Directory(error) => error.is_retryable(),
            RecordError::S3(failure) | RecordError::Queue(failure) | RecordError::ForgottenObject(failure) => {
                matches!(failure.kind, FailureKind::Throttled | FailureKind::Unavailable)
            }
            RecordError::MoveWaiting => true,
        }
    }
}

/// A failed record whose message has no id to report it by: only failing the whole batch
/// makes SQS deliver it again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a failed SQS message has no messageId; the whole batch is failed so that it is delivered again")]
pub struct UnidentifiedFailure;

impl From<UnidentifiedFailure> for lambda_runtime::Diagnostic {
    fn from(error: UnidentifiedFailure) -> Self {
        lambda_runtime::Diagnostic { error_type: "UnidentifiedFailure".into(), error_message: error.to_string() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttling_and_outages_are_transient_faults_are_not() {
        assert!(RecordError::from(AwsFailure::from_code("PutObjectTagging", "SlowDown")).is_transient());
        assert!(RecordError::from(AwsFailure::from_code("GetObjectTagging", "timeout")).is_transient());
        assert!(RecordError::from(AwsFailure::from_code("GetObjectTagging", "InternalError")).is_transient());
        assert!(!RecordError::from(AwsFailure::from_code("GetObjectTagging", "AccessDenied")).is_transient());
        assert!(RecordError::ForgottenObject(AwsFailure::from_code("DeleteObject", "SlowDown")).is_transient());
        assert!(!RecordError::ForgottenObject(AwsFailure::from_code("DeleteObject", "AccessDenied")).is_transient());
        assert!(RecordError::from(DirectoryError::Throttled { code: "ThrottlingException".into() }).is_transient());
        assert!(!RecordError::from(DirectoryError::Failed { code: "ResourceNotFoundException".into() }).is_transient());
    }
}
