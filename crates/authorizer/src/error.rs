//! Every way an authorization can end without an Allow or an explicit Deny, and the
//! one place where that becomes what API Gateway expects.
//!
//! API Gateway reads a Lambda authorizer's failure by its error message alone:
//! exactly `Unauthorized` makes it answer **401**; any other error makes it answer
//! **500**. So:
//!
//! - a caller's fault (no token, a bad token, a malformed event, Cognito refusing the
//!   login) is [`AuthorizerError::Unauthorized`] → 401 (HTTP API simple responses turn
//!   it into `{"isAuthorized": false}` instead, see [`crate::response`]);
//! - our side failing (the pool's keys, Cognito Identity or the identity directory
//!   unavailable, throttling, or not answering within the request's deadline, see
//!   `crate::deadline`) is any other variant → 500. The client retries later; nothing is cached by API
//!   Gateway (it caches policies, not errors), and the user is neither told their
//!   token is bad (a 401 makes clients sign the user out) nor refused (a cached
//!   Deny would lock a legitimate user out for the authorizer cache TTL).

use lambda_foundation::aws_failure::{AwsFailure, FailureKind};
use lambda_runtime::Diagnostic;
use token_verifier::VerifyError;

/// The exact error message (and type) that makes API Gateway answer 401.
pub const UNAUTHORIZED: &str = "Unauthorized";
/// The error type reported for failures on our side (API Gateway answers 500).
pub const DEPENDENCY_FAILURE: &str = "AuthorizerDependencyFailure";

/// Why a request is answered 401. Kept for the log line and for tests; never shown
/// to the caller, who only ever sees `Unauthorized`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RejectReason {
    /// The event is not an API Gateway authorizer event this function understands.
    MalformedEvent(&'static str),
    /// The event carries no token (no header, an empty value, or `Bearer` alone).
    MissingToken,
    /// The token does not verify.
    InvalidToken(VerifyError),
    /// The token verified but Cognito Identity refused it as a login (`NotAuthorizedException`
    /// from `GetId`, e.g. an app client the identity pool does not list).
    IdentityRefused,
}

impl RejectReason {
    /// A short stable code for logs and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            RejectReason::MalformedEvent(_) => "malformed_event",
            RejectReason::MissingToken => "missing_token",
            RejectReason::InvalidToken(err) => err.code(),
            RejectReason::IdentityRefused => "identity_refused",
        }
    }
}

/// An authorization that ends without a policy or a simple answer.
///
/// `Display` is the error message API Gateway sees; it never contains a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthorizerError {
    /// The caller is not authenticated: API Gateway answers 401.
    #[error("Unauthorized")]
    Unauthorized(RejectReason),
    /// The user pool's signing keys could not be fetched for a token naming an unknown key.
    #[error("the user pool's signing keys are unavailable")]
    KeysUnavailable,
    /// Cognito Identity kept throttling `GetId` after the SDK's retries.
    #[error("Cognito Identity is throttling GetId")]
    IdentityThrottled,
    /// Cognito Identity did not answer `GetId` (5xx, timeout, connection failure).
    #[error("Cognito Identity is unavailable")]
    IdentityUnavailable,
    /// The identity directory did not answer a read in time (5xx, throttling, or not
    /// within the request's deadline) when nothing else could name the caller's
    /// IdentityId: an access token, or `REQUIRE_LINKED`. Not an Allow without identity,
    /// which API Gateway would cache for its whole TTL.
    #[error("the identity directory is unavailable")]
    DirectoryUnavailable,
    /// `GetId` failed in a way that points at the deployment (unknown identity pool,
    /// invalid parameters): the code is logged and reported, never the request.
    #[error("Cognito Identity GetId failed: {0}")]
    IdentityCallFailed(String),
}

impl AuthorizerError {
    /// A short stable code for logs and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            AuthorizerError::Unauthorized(reason) => reason.code(),
            AuthorizerError::KeysUnavailable => "keys_unavailable",
            AuthorizerError::IdentityThrottled => "identity_throttled",
            AuthorizerError::IdentityUnavailable => "identity_unavailable",
            AuthorizerError::DirectoryUnavailable => "directory_unavailable",
            AuthorizerError::IdentityCallFailed(_) => "identity_call_failed",
        }
    }

    /// True for a caller's fault (401); false for a failure on our side (500).
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, AuthorizerError::Unauthorized(_))
    }
}

impl From<VerifyError> for AuthorizerError {
    fn from(err: VerifyError) -> Self {
        if err.is_upstream() {
            AuthorizerError::KeysUnavailable
        } else {
            AuthorizerError::Unauthorized(RejectReason::InvalidToken(err))
        }
    }
}

/// The authorizer's answer to each kind of failed `GetId` (the table in
/// [`lambda_foundation::aws_failure`]): only Cognito refusing the login is the caller's
/// fault; everything else is ours, and API Gateway answers 500 without caching it.
impl From<AwsFailure> for AuthorizerError {
    fn from(failure: AwsFailure) -> Self {
        match failure.kind {
            FailureKind::Refused => AuthorizerError::Unauthorized(RejectReason::IdentityRefused),
            FailureKind::Throttled => AuthorizerError::IdentityThrottled,
            FailureKind::Unavailable => AuthorizerError::IdentityUnavailable,
            FailureKind::Fault => AuthorizerError::IdentityCallFailed(failure.code),
        }
    }
}

impl From<AuthorizerError> for Diagnostic {
    fn from(err: AuthorizerError) -> Self {
        let error_type = if err.is_unauthorized() { UNAUTHORIZED } else { DEPENDENCY_FAILURE };
        Diagnostic { error_type: error_type.into(), error_message: err.to_string() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unauthorized_is_reported_exactly_as_api_gateway_expects() {
        for reason in [
            RejectReason::MissingToken,
            RejectReason::MalformedEvent("x"),
            RejectReason::InvalidToken(VerifyError::Expired),
            RejectReason::IdentityRefused,
        ] {
            let diagnostic = Diagnostic::from(AuthorizerError::Unauthorized(reason));
            assert_eq!(diagnostic.error_message, "Unauthorized");
            assert_eq!(diagnostic.error_type, "Unauthorized");
        }
    }

    #[test]
    fn failures_on_our_side_are_not_unauthorized() {
        for err in [
            AuthorizerError::KeysUnavailable,
            AuthorizerError::IdentityThrottled,
            AuthorizerError::IdentityUnavailable,
            AuthorizerError::DirectoryUnavailable,
            AuthorizerError::IdentityCallFailed("ResourceNotFoundException".into()),
        ] {
            let diagnostic = Diagnostic::from(err);
            assert_ne!(diagnostic.error_message, "Unauthorized");
            assert_eq!(diagnostic.error_type, DEPENDENCY_FAILURE);
        }
    }

    #[test]
    fn verify_errors_split_into_caller_fault_and_ours() {
        assert_eq!(
            AuthorizerError::from(VerifyError::BadSignature),
            AuthorizerError::Unauthorized(RejectReason::InvalidToken(VerifyError::BadSignature))
        );
        assert_eq!(AuthorizerError::from(VerifyError::JwksUnavailable("503".into())), AuthorizerError::KeysUnavailable);
        assert_eq!(AuthorizerError::from(VerifyError::Expired).code(), "expired");
    }
}
