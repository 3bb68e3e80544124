//! Every way a link request can fail, mapped once to a status and a JSON body.

use directory::DirectoryError;
use lambda_foundation::aws_failure::{AwsFailure, FailureKind};
use lambda_http::http::StatusCode;
use lambda_http::http::header::{ALLOW, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
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
    /// The directory already links this user, or this IdentityId, differently. Nothing
    /// was changed; who holds what is logged, never shown.
    #[error("the identity directory already links this user or IdentityId differently")]
    Conflict,
    /// The token's user was forgotten (erased after their deletion): their tombstone in
    /// the directory refuses any new link, for good. Nothing was changed.
    #[error("this user was deleted and forgotten; they cannot be linked again")]
    Forgotten,
    /// An upstream (Cognito, or the identity directory) kept throttling after the SDK's
    /// retries; the field names it for the client.
    #[error("{0} is throttling requests; retry later")]
    Throttled(Upstream),
    /// An upstream (Cognito, the user pool's JWKS, or the directory) is unavailable.
    #[error("{0} is unavailable; retry later")]
    Unavailable(Upstream),
    /// Any other upstream failure (a deployment fault); the code is logged, not shown.
    #[error("an upstream call failed ({0})")]
    Upstream(String),
}

/// Which service a retryable failure came from, as the client-facing message names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upstream {
    /// Cognito user pools or identity pools (or the pool's JWKS).
    Cognito,
    /// The identity directory's DynamoDB table.
    Directory,
}

impl std::fmt::Display for Upstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Upstream::Cognito => "Cognito",
            Upstream::Directory => "the identity directory",
        })
    }
}

impl LinkError {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        match self {
            LinkError::BadRequest(_) => 400,
            LinkError::InvalidToken(_) => 401,
            LinkError::Forbidden(_) => 403,
            LinkError::MethodNotAllowed => 405,
            LinkError::Conflict => 409,
            LinkError::Forgotten => 410,
            LinkError::Throttled(_) => 429,
            LinkError::Upstream(_) => 502,
            LinkError::Unavailable(_) => 503,
        }
    }

    /// The stable `error` code in the JSON body.
    pub fn code(&self) -> &'static str {
        match self {
            LinkError::BadRequest(_) => "bad_request",
            LinkError::MethodNotAllowed => "method_not_allowed",
            LinkError::InvalidToken(_) => "invalid_token",
            LinkError::Forbidden(_) => "forbidden",
            LinkError::Conflict => "conflict",
            LinkError::Forgotten => "forgotten",
            LinkError::Throttled(_) => "throttled",
            LinkError::Unavailable(_) => "unavailable",
            LinkError::Upstream(_) => "upstream_error",
        }
    }

    /// Seconds a client should wait before retrying, for 429 and 503.
    pub fn retry_after_secs(&self) -> Option<u32> {
        match self {
            LinkError::Throttled(_) => FailureKind::Throttled.retry_after_secs(),
            LinkError::Unavailable(_) => FailureKind::Unavailable.retry_after_secs(),
            _ => None,
        }
    }

    /// The `{"error", "message"}` response.
    pub fn to_response(&self) -> Response<Body> {
        let body = serde_json::json!({ "error": self.code(), "message": self.to_string() });
        let mut response = json_response(body.to_string());
        *response.status_mut() = StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let headers = response.headers_mut();
        if let Some(secs) = self.retry_after_secs() {
            headers.insert(RETRY_AFTER, HeaderValue::from(secs));
        }
        if matches!(self, LinkError::MethodNotAllowed) {
            headers.insert(ALLOW, HeaderValue::from_static("POST"));
        }
        response
    }
}

impl From<VerifyError> for LinkError {
    fn from(err: VerifyError) -> Self {
        if err.is_upstream() {
            LinkError::Unavailable(Upstream::Cognito)
        } else {
            LinkError::InvalidToken(err.to_string())
        }
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
            FailureKind::Throttled => LinkError::Throttled(Upstream::Cognito),
            FailureKind::Unavailable => LinkError::Unavailable(Upstream::Cognito),
            FailureKind::Fault => LinkError::Upstream(failure.operation.to_owned()),
        }
    }
}

/// The link's answer to each directory failure: a conflict is 409 (nothing changed),
/// throttling 429 and an outage 503 (both with `Retry-After`), anything else a 502 that
/// names no table, key or code.
impl From<DirectoryError> for LinkError {
    fn from(err: DirectoryError) -> Self {
        match err {
            DirectoryError::Conflict(_) => LinkError::Conflict,
            DirectoryError::Forgotten => LinkError::Forgotten,
            DirectoryError::Throttled { .. } => LinkError::Throttled(Upstream::Directory),
            DirectoryError::Unavailable { .. } => LinkError::Unavailable(Upstream::Directory),
            DirectoryError::Corrupt { .. } | DirectoryError::Invalid(_) | DirectoryError::Failed { .. } => {
                LinkError::Upstream("identity directory".into())
            }
        }
    }
}

/// A 200 response with a JSON body; callers set another status or more headers.
pub(crate) fn json_response(body: String) -> Response<Body> {
    let mut response = Response::new(Body::from(body));
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use directory::{LinkConflict, NewLink};

    fn status_and_retry(err: DirectoryError) -> (u16, &'static str, Option<u32>) {
        let err = LinkError::from(err);
        (err.status(), err.code(), err.retry_after_secs())
    }

    #[test]
    fn directory_failures_map_to_statuses_once() {
        let requested = NewLink {
            identity_id: directory::IdentityId::parse("us-east-1:0f0c7e2a-1111-4222-8333-444455556666").unwrap(),
            user_pool_id: directory::UserPoolId::parse("us-east-1_AbC").unwrap(),
            sub: "s".into(),
            username: "u".into(),
            linked_at: 1,
        };
        let conflict = LinkConflict { requested, identity_owner: None, user_link: None };
        assert_eq!(status_and_retry(DirectoryError::Conflict(Box::new(conflict))), (409, "conflict", None));
        assert_eq!(status_and_retry(DirectoryError::Forgotten), (410, "forgotten", None));
        assert_eq!(
            status_and_retry(DirectoryError::Throttled { code: "ThrottlingException".into() }),
            (429, "throttled", Some(1))
        );
        assert_eq!(
            status_and_retry(DirectoryError::Unavailable { code: "InternalServerError".into() }),
            (503, "unavailable", Some(5))
        );
        for other in [
            DirectoryError::Failed { code: "AccessDeniedException".into() },
            DirectoryError::Corrupt { key: "pk".into(), reason: "x" },
            DirectoryError::Invalid("x"),
        ] {
            let err = LinkError::from(other);
            assert_eq!((err.status(), err.code()), (502, "upstream_error"));
            assert!(!err.to_string().contains("AccessDenied") && !err.to_string().contains("pk"), "{err}");
        }
    }
}
