//! The IdentityId of a user whose token is not linked yet: Cognito Identity `GetId`
//! with the id token as the user pool login, cached per `sub`.
//!
//! `GetId` is Cognito's own answer to "which IdentityId is this user", and for a given
//! identity pool it never changes, so one call per user per instance is enough.
//!
//! How a failed `GetId` is answered (see [`crate::error`] for what API Gateway does
//! with each):
//!
//! - `NotAuthorizedException`: Cognito itself refuses the login (the token's app client
//!   is not a provider of the identity pool, the user is disabled, …) → `Unauthorized`,
//!   exactly as if the token had not verified;
//! - throttling, 5xx, timeouts, connection failures (after the SDK's retries) → an
//!   error that is not `Unauthorized`, so API Gateway answers 500 and the client
//!   retries. A valid user is neither told their token is bad nor allowed in without
//!   an IdentityId, and no Deny lands in API Gateway's authorizer cache;
//! - anything else (unknown identity pool, invalid parameters) is a deployment fault:
//!   also 500, logged at error level with the service's error code.
//!
//! Failures are never cached: the next request asks again.

use std::sync::{Arc, Mutex};

use aws_sdk_cognitoidentity::Client;
use aws_sdk_cognitoidentity::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_cognitoidentity::operation::get_id::GetIdError;

use crate::bounded_map::BoundedFifoMap;
use crate::error::{AuthorizerError, RejectReason};

/// Default bound on cached IdentityIds (one per user).
pub const DEFAULT_IDENTITY_CACHE_CAPACITY: usize = 10_000;

/// Resolves and remembers IdentityIds of one identity pool.
pub struct IdentityResolver {
    client: Client,
    identity_pool_id: String,
    /// The user pool's key in the `Logins` map: `cognito-idp.<region>.amazonaws.com/<pool>`.
    login_provider: String,
    by_sub: Mutex<BoundedFifoMap<String, Arc<str>>>,
}

impl IdentityResolver {
    /// A resolver for `identity_pool_id`, presenting tokens as logins of `login_provider`.
    pub fn new(client: Client, identity_pool_id: String, login_provider: String, capacity: usize) -> Self {
        IdentityResolver { client, identity_pool_id, login_provider, by_sub: Mutex::new(BoundedFifoMap::new(capacity)) }
    }

    /// The IdentityId already resolved for `sub`, without any call.
    pub fn cached(&self, sub: &str) -> Option<Arc<str>> {
        self.lock().get(sub).cloned()
    }

    /// The IdentityId of the user `sub` whose verified id token is `id_token`: from the
    /// cache, else from `GetId` (then cached).
    pub async fn resolve(&self, sub: &str, id_token: &str) -> Result<Arc<str>, AuthorizerError> {
        if let Some(identity_id) = self.cached(sub) {
            return Ok(identity_id);
        }
        let output = self
            .client
            .get_id()
            .identity_pool_id(&self.identity_pool_id)
            .logins(&self.login_provider, id_token)
            .send()
            .await
            .map_err(|err| classify_get_id_error(&err))?;
        let identity_id: Arc<str> = output
            .identity_id
            .filter(|id| !id.is_empty())
            .map(Arc::from)
            .ok_or_else(|| AuthorizerError::IdentityCallFailed("GetId returned no IdentityId".into()))?;
        self.lock().insert(sub.to_owned(), identity_id.clone());
        Ok(identity_id)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BoundedFifoMap<String, Arc<str>>> {
        self.by_sub.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Maps a `GetId` failure to the answer the module documentation describes, and logs
/// it with the service's error code (never the request, which holds the token).
pub fn classify_get_id_error<R>(err: &SdkError<GetIdError, R>) -> AuthorizerError {
    let code = match err {
        SdkError::ServiceError(service) => get_id_error_code(service.err()),
        SdkError::TimeoutError(_) => "timeout",
        SdkError::DispatchFailure(_) => "dispatch_failure",
        SdkError::ResponseError(_) => "unreadable_response",
        _ => "construction_failure",
    };
    let mapped = classify_error_code(code);
    if matches!(mapped, AuthorizerError::IdentityCallFailed(_)) {
        tracing::error!(operation = "GetId", code, "Cognito Identity call failed");
    } else {
        tracing::warn!(operation = "GetId", code, "Cognito Identity call failed");
    }
    mapped
}

/// The error code of a modeled or unmodeled `GetId` error.
fn get_id_error_code(err: &GetIdError) -> &str {
    match err {
        GetIdError::NotAuthorizedException(_) => "NotAuthorizedException",
        GetIdError::TooManyRequestsException(_) => "TooManyRequestsException",
        GetIdError::InternalErrorException(_) => "InternalErrorException",
        GetIdError::ExternalServiceException(_) => "ExternalServiceException",
        GetIdError::ResourceNotFoundException(_) => "ResourceNotFoundException",
        GetIdError::ResourceConflictException(_) => "ResourceConflictException",
        GetIdError::InvalidParameterException(_) => "InvalidParameterException",
        GetIdError::LimitExceededException(_) => "LimitExceededException",
        _ => err.code().unwrap_or("Unknown"),
    }
}

/// The answer for a failure code (a service error code, or the SDK's transport failures).
///
/// `LimitExceededException` is the identity pool's quota of identities, not a rate
/// limit: a deployment fault like an unknown pool.
pub fn classify_error_code(code: &str) -> AuthorizerError {
    match code {
        "NotAuthorizedException" => AuthorizerError::Unauthorized(RejectReason::IdentityRefused),
        "TooManyRequestsException" | "ThrottlingException" => AuthorizerError::IdentityThrottled,
        "InternalErrorException"
        | "ExternalServiceException"
        | "ServiceUnavailable"
        | "ServiceUnavailableException"
        | "InternalFailure"
        | "timeout"
        | "dispatch_failure"
        | "unreadable_response" => AuthorizerError::IdentityUnavailable,
        other => AuthorizerError::IdentityCallFailed(other.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_caller_is_refused_only_when_cognito_refuses_the_login() {
        assert_eq!(
            classify_error_code("NotAuthorizedException"),
            AuthorizerError::Unauthorized(RejectReason::IdentityRefused)
        );
        for code in [
            "TooManyRequestsException",
            "InternalErrorException",
            "timeout",
            "dispatch_failure",
            "ResourceNotFoundException",
            "LimitExceededException",
            "Unknown",
        ] {
            assert!(!classify_error_code(code).is_unauthorized(), "{code}");
        }
    }

    #[test]
    fn transient_failures_are_told_apart_from_deployment_faults() {
        assert_eq!(classify_error_code("TooManyRequestsException"), AuthorizerError::IdentityThrottled);
        assert_eq!(classify_error_code("ThrottlingException"), AuthorizerError::IdentityThrottled);
        assert_eq!(classify_error_code("InternalErrorException"), AuthorizerError::IdentityUnavailable);
        assert_eq!(classify_error_code("timeout"), AuthorizerError::IdentityUnavailable);
        assert_eq!(
            classify_error_code("ResourceNotFoundException"),
            AuthorizerError::IdentityCallFailed("ResourceNotFoundException".into())
        );
    }
}
