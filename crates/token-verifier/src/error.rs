//! One error type per way a token can fail, so callers can log the reason
//! while answering every failure the same way (401).

use thiserror::Error;

/// Why a token was rejected.
///
/// The variants mirror the checks in the order the verifier runs them. None of
/// them carries the token itself, so an error can be logged safely.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum VerifyError {
    /// The token is longer than the configured bound; nothing was decoded.
    #[error("token is larger than {limit} bytes")]
    TooLarge {
        /// The configured bound in bytes.
        limit: usize,
    },
    /// The token is not a compact JWS with valid base64url parts and JSON.
    #[error("malformed token: {0}")]
    Malformed(&'static str),
    /// The header names an algorithm other than RS256 (including `none`).
    #[error("algorithm {0:?} is not accepted (only RS256)")]
    UnsupportedAlgorithm(String),
    /// The header has no `kid`, so no key can be chosen.
    #[error("token header has no kid")]
    MissingKeyId,
    /// The header carries `crit` extensions, which this verifier does not understand.
    #[error("token header has critical extensions")]
    CriticalHeader,
    /// No key of the pool's JWKS has this `kid`, even after a refetch.
    #[error("no key with kid {0:?} in the user pool's JWKS")]
    UnknownKey(String),
    /// The RS256 signature does not match the key.
    #[error("signature does not verify")]
    BadSignature,
    /// A claim the checks need is absent or of the wrong type.
    #[error("claim {0} is missing or invalid")]
    MissingClaim(&'static str),
    /// `exp` (plus leeway) is in the past.
    #[error("token expired")]
    Expired,
    /// `nbf` (minus leeway) is in the future.
    #[error("token not valid yet")]
    NotYetValid,
    /// `iss` is not this user pool.
    #[error("issuer is not the configured user pool")]
    WrongIssuer,
    /// `aud` (id token) or `client_id` (access token) is not an accepted app client.
    #[error("audience is not an accepted app client")]
    WrongAudience,
    /// `token_use` is not the expected one (e.g. an access token where an id token is required).
    #[error("token_use is not {expected}")]
    WrongTokenUse {
        /// The token use the verifier was built for.
        expected: &'static str,
    },
    /// The key was unknown and the JWKS could not be fetched.
    #[error("user pool JWKS unavailable: {0}")]
    JwksUnavailable(String),
}

impl VerifyError {
    /// A short stable code for logs and metrics (`"expired"`, `"bad_signature"`, …).
    pub fn code(&self) -> &'static str {
        match self {
            VerifyError::TooLarge { .. } => "too_large",
            VerifyError::Malformed(_) => "malformed",
            VerifyError::UnsupportedAlgorithm(_) => "unsupported_algorithm",
            VerifyError::MissingKeyId => "missing_kid",
            VerifyError::CriticalHeader => "critical_header",
            VerifyError::UnknownKey(_) => "unknown_kid",
            VerifyError::BadSignature => "bad_signature",
            VerifyError::MissingClaim(_) => "missing_claim",
            VerifyError::Expired => "expired",
            VerifyError::NotYetValid => "not_yet_valid",
            VerifyError::WrongIssuer => "wrong_issuer",
            VerifyError::WrongAudience => "wrong_audience",
            VerifyError::WrongTokenUse { .. } => "wrong_token_use",
            VerifyError::JwksUnavailable(_) => "jwks_unavailable",
        }
    }

    /// True when the failure is on our side (keys could not be fetched), not the caller's.
    pub fn is_upstream(&self) -> bool {
        matches!(self, VerifyError::JwksUnavailable(_))
    }
}
