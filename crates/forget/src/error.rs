//! Every way a forget can fail, mapped once: each leaves the user to be forgotten again
//! (a redelivered message or a re-run continues where this one stopped).

use directory::DirectoryError;
use lambda_foundation::aws_failure::AwsFailure;

/// A forget that did not finish. Nothing is reported forgotten until the directory's
/// transaction commits, which comes last.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ForgetError {
    /// The directory failed (throttled, unavailable, or a deployment fault).
    #[error("directory: {0}")]
    Directory(#[from] DirectoryError),
    /// A Cognito identity call failed.
    #[error("Cognito identity: {0}")]
    Cognito(AwsFailure),
    /// Cognito left these many identities undeleted after every retry.
    #[error("Cognito left {0} identities undeleted")]
    Unprocessed(usize),
    /// An S3 call failed (throttling included, once the SDK's retries are spent).
    #[error("S3: {0}")]
    S3(AwsFailure),
    /// The user is in none of the configured pools' directory entries and the message
    /// named no pool: nothing to do.
    #[error("no user pool is configured")]
    NoUserPool,
}
