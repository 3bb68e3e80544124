//! Every way a link request can fail, mapped once to a status and a JSON body.

use lambda_foundation::aws_failure::{AwsFailure, FailureKind};
use lambda_http::{Body, Response};
use token_verifier::VerifyError;

/// A link failure. `Display` is the client-facing message: it never contains a
/// token, a credential or an upstream error body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// The body is not `{"idToken": "<jwt>"}`.
    #[error("{0}")]
    BadRequest(&'static str),
    /// The request is not a POST.
    #[error("only POST is allowed")]
    MethodNotAllowed,
    /// The id token does not verify (or Cognito refused it in `GetId`).
    #[error("the id token is not valid: {0}")]
    InvalidToken(String),
    /// The IAM caller is someone other than the token's user.
    #[error("{0}")]
    Forbidden(&'static str),
    /// Cognito kept throttling after the SDK's retries.
    #[error("Cognito is throttling requests; retry later")]
    Throttled,
    /// Cognito (or the user pool's JWKS) is unavailable.
    #[error("Cognito is unavailable; retry later")]
    Unavailable,
    /// Any other upstream failure (a deployment fault); the code is logged, not shown.
    #[error("an upstream call failed ({0})")]
    Upstream(String),
}

impl LinkError {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            LinkError::BadRequest(_) => 400,
            LinkError::InvalidToken(_) => 401,
            LinkError::Forbidden(_) => 403,
            LinkError::MethodNotAllowed => 405,
            LinkError::Throttled => 429,
            LinkError::Upstream(_) => 502,
            LinkError::Unavailable => 503,
        }
    }

    /// The stable `error` code in the JSON body.
    pub fn code(&self) -> &'static str {
        match self {
            LinkError::BadRequest(_) => "bad_request",
            LinkError::MethodNotAllowed => "method_not_allowed",
            LinkError::InvalidToken(_) => "invalid_token",
            LinkError::Forbidden(_) => "forbidden",
            LinkError::Throttled => "throttled",
            LinkError::Unavailable => "unavailable",
            LinkError::Upstream(_) => "upstream_error",
        }
    }

    /// Seconds a client should wait before retrying, for 429 and 503.
    pub fn retry_after_secs(&self) -> Option<u32> {
        match self {
            LinkError::Throttled => FailureKind::Throttled.retry_after_secs(),
            LinkError::Unavailable => FailureKind::Unavailable.retry_after_secs(),
            _ => None,
        }
    }

    /// The `{"error", "message"}` response.
    pub fn to_response(&self) -> Response<Body> {
        let body = serde_json::json!({ "error": self.code(), "message": self.to_string() });
        let mut builder = Response::builder().status(self.status()).header("content-type", "application/json");
        if let Some(secs) = self.retry_after_secs() {
            builder = builder.header("retry-after", secs.to_string());
        }
        if matches!(self, LinkError::MethodNotAllowed) {
            builder = builder.header("allow", "POST");
        }
        builder.body(Body::from(body.to_string())).expect("static response parts are valid")
    }
}

impl From<VerifyError> for LinkError {
    fn from(err: VerifyError) -> Self {
        if err.is_upstream() { LinkError::Unavailable } else { LinkError::InvalidToken(err.to_string()) }
    }
}

/// The link's answer to each kind of AWS failure (the table in
/// [`lambda_foundation::aws_failure`]).
impl From<AwsFailure> for LinkError {
    fn from(failure: AwsFailure) -> Self {
        match failure.kind {
            FailureKind::Refused if failure.code == "UserNotFoundException" => {
                LinkError::InvalidToken("the token's user no longer exists".into())
            }
            FailureKind::Refused => LinkError::InvalidToken("Cognito refused the token".into()),
            FailureKind::Throttled => LinkError::Throttled,
            FailureKind::Unavailable => LinkError::Unavailable,
            FailureKind::Fault => LinkError::Upstream(failure.operation.to_owned()),
        }
    }
}
