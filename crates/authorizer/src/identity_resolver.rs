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
use lambda_foundation::IdentityPoolId;
use lambda_foundation::aws_failure::AwsFailure;

use crate::bounded_map::BoundedFifoMap;
use crate::error::AuthorizerError;

/// Default bound on cached IdentityIds (one per user).
pub const DEFAULT_IDENTITY_CACHE_CAPACITY: usize = 10_000;

/// Resolves and remembers IdentityIds of one identity pool.
pub struct IdentityResolver {
    client: Client,
    identity_pool_id: IdentityPoolId,
    /// The user pool's key in the `Logins` map: `cognito-idp.<region>.amazonaws.com/<pool>`.
    login_provider: String,
    by_sub: Mutex<BoundedFifoMap<String, Arc<str>>>,
}

impl IdentityResolver {
    /// A resolver for `identity_pool_id`, presenting tokens as logins of `login_provider`.
    pub fn new(client: Client, identity_pool_id: IdentityPoolId, login_provider: String, capacity: usize) -> Self {
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
            .identity_pool_id(self.identity_pool_id.as_str())
            .logins(&self.login_provider, id_token)
            .send()
            .await
            .map_err(|err| {
                let failure = AwsFailure::from_sdk_error("GetId", &err);
                failure.log();
                AuthorizerError::from(failure)
            })?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::RejectReason;

    fn answer(code: &str) -> AuthorizerError {
        AuthorizerError::from(AwsFailure::from_code("GetId", code))
    }

    #[test]
    fn the_caller_is_refused_only_when_cognito_refuses_the_login() {
        assert_eq!(answer("NotAuthorizedException"), AuthorizerError::Unauthorized(RejectReason::IdentityRefused));
        for code in [
            "TooManyRequestsException",
            "InternalErrorException",
            "timeout",
            "dispatch_failure",
            "ResourceNotFoundException",
            "LimitExceededException",
            "Unknown",
        ] {
            assert!(!answer(code).is_unauthorized(), "{code}");
        }
    }

    #[test]
    fn transient_failures_are_told_apart_from_deployment_faults() {
        assert_eq!(answer("TooManyRequestsException"), AuthorizerError::IdentityThrottled);
        assert_eq!(answer("InternalErrorException"), AuthorizerError::IdentityUnavailable);
        assert_eq!(answer("timeout"), AuthorizerError::IdentityUnavailable);
        assert_eq!(
            answer("ResourceNotFoundException"),
            AuthorizerError::IdentityCallFailed("ResourceNotFoundException".into())
        );
        assert_eq!(
            answer("LimitExceededException"),
            AuthorizerError::IdentityCallFailed("LimitExceededException".into())
        );
    }
}
