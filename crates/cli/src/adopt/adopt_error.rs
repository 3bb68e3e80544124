//! Why `adopt` stopped, sorted into the exit codes a script can act on: bad input,
//! a resource that does not exist, a denied action, or a conflict with what the
//! team's resources hold (or a change made by another tool while adopt ran).
//!
//! Every variant names the resource it is about; none carries a token or a secret.

use crate::aws_call_error::AwsCallError;
use crate::error::ExitCode;

/// What kind of AWS resource a message or a change is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    /// A Cognito user pool.
    UserPool,
    /// An app client of the user pool.
    AppClient,
    /// A Cognito identity pool.
    IdentityPool,
    /// An S3 bucket.
    Bucket,
    /// The identity directory's DynamoDB table.
    DirectoryTable,
    /// An IAM role (the identity pool's authenticated role).
    Role,
}

impl ResourceKind {
    /// The kind as `--json` and messages spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::UserPool => "user-pool",
            ResourceKind::AppClient => "app-client",
            ResourceKind::IdentityPool => "identity-pool",
            ResourceKind::Bucket => "bucket",
            ResourceKind::DirectoryTable => "directory-table",
            ResourceKind::Role => "iam-role",
        }
    }

    /// The kind in a sentence: "user pool", "app client", ….
    pub fn words(self) -> &'static str {
        match self {
            ResourceKind::UserPool => "user pool",
            ResourceKind::AppClient => "app client",
            ResourceKind::IdentityPool => "identity pool",
            ResourceKind::Bucket => "bucket",
            ResourceKind::DirectoryTable => "directory table",
            ResourceKind::Role => "role",
        }
    }
}

/// Why `adopt` stopped. Nothing was written unless the message says so.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdoptError {
    /// The command line or a resource's relation to another is wrong.
    #[error("adopt: {0}")]
    BadInput(String),
    /// A named resource does not exist.
    #[error("adopt: {} {id} not found: {cause}", .kind.words())]
    NotFound {
        /// What kind of resource.
        kind: ResourceKind,
        /// Its id or name.
        id: String,
        /// AWS's answer.
        cause: String,
    },
    /// AWS refused an action for lack of permission.
    #[error("adopt: access denied to {action} on {} {id}: {cause}; grant {action} to the caller's IAM identity", .kind.words())]
    AccessDenied {
        /// The IAM action, e.g. `cognito-idp:UpdateUserPoolClient`.
        action: &'static str,
        /// What kind of resource.
        kind: ResourceKind,
        /// Its id or name.
        id: String,
        /// AWS's answer.
        cause: String,
    },
    /// What a resource holds conflicts with what adopt would write, or it changed
    /// while adopt ran.
    #[error("adopt: {} {id}: {reason}", .kind.words())]
    Conflict {
        /// What kind of resource.
        kind: ResourceKind,
        /// Its id or name.
        id: String,
        /// What is wrong, and what to do.
        reason: String,
    },
    /// The sweep did not start (no queue given, or a run already going); see `sweep_start`.
    #[error("adopt: the sweep did not start: {reason}")]
    SweepNotStarted {
        /// Why, and what to run instead.
        reason: String,
    },
    /// Any other failed call.
    #[error("adopt: {action} on {} {id} failed: {}", .kind.words(), .cause.cause())]
    Failed {
        /// The API action.
        action: &'static str,
        /// What kind of resource.
        kind: ResourceKind,
        /// Its id or name.
        id: String,
        /// The failure, sorted.
        cause: AwsCallError,
    },
}

/// AWS error codes that mean "this resource does not exist", per service (IAM: `NoSuchEntity`).
const NOT_FOUND_CODES: [&str; 5] =
    ["ResourceNotFoundException", "NoSuchBucket", "NotFound", "NoSuchKey", "NoSuchEntity"];

impl AdoptError {
    /// The process exit code: bad input 2, not found 5, denied 6, conflict 7, other 1.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            AdoptError::BadInput(_) => ExitCode::Usage,
            AdoptError::NotFound { .. } => ExitCode::NotFound,
            AdoptError::AccessDenied { .. } => ExitCode::AccessDenied,
            AdoptError::Conflict { .. } => ExitCode::Conflict,
            AdoptError::SweepNotStarted { .. } | AdoptError::Failed { .. } => ExitCode::Refused,
        }
    }

    /// Sorts a failed call of `action` on a resource: not found, denied, or other.
    pub fn from_call(action: &'static str, kind: ResourceKind, id: &str, cause: AwsCallError) -> Self {
        let code = cause.code().unwrap_or_default().to_owned();
        if NOT_FOUND_CODES.contains(&code.as_str()) {
            return AdoptError::NotFound { kind, id: id.to_owned(), cause: cause.cause() };
        }
        if is_access_denied(&code) {
            return AdoptError::AccessDenied { action, kind, id: id.to_owned(), cause: cause.cause() };
        }
        AdoptError::Failed { action, kind, id: id.to_owned(), cause }
    }
}

/// Whether an AWS error code is a refusal for lack of permission (each service spells it its way).
fn is_access_denied(code: &str) -> bool {
    matches!(code, "AccessDenied" | "AccessDeniedException" | "NotAuthorizedException" | "UnauthorizedOperation")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(code: &str) -> AwsCallError {
        AwsCallError::Service { code: code.into(), message: "m".into() }
    }

    #[test]
    fn failures_are_sorted_by_what_can_be_done() {
        let missing = AdoptError::from_call(
            "s3:GetBucketNotificationConfiguration",
            ResourceKind::Bucket,
            "b",
            service("NoSuchBucket"),
        );
        assert_eq!(missing.to_string(), "adopt: bucket b not found: NoSuchBucket: m");
        let denied = AdoptError::from_call(
            "cognito-idp:UpdateUserPoolClient",
            ResourceKind::AppClient,
            "c1",
            service("AccessDeniedException"),
        );
        assert!(
            denied.to_string().starts_with("adopt: access denied to cognito-idp:UpdateUserPoolClient on app client c1")
        );
        let other =
            AdoptError::from_call("dynamodb:DescribeTable", ResourceKind::DirectoryTable, "t", service("Throttling"));
        assert!(matches!(other, AdoptError::Failed { .. }));
    }
}
