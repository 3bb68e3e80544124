//! The IdentityId of a user whose token is not linked yet: the identity directory by
//! (the token's own pool, `sub`) first, Cognito Identity `GetId` only on a miss and only
//! for id tokens, with `Logins` keyed by the token's own pool (then written to the
//! directory, so that user never costs another `GetId` on any instance), cached per pool
//! and `sub`.
//!
//! `GetId` is Cognito's own answer to "which IdentityId is this user", and for a given
//! identity pool it never changes, so one call per user over the fleet's lifetime is
//! enough: the directory shares it between instances.
//!
//! - Directory read fails (throttled, down): one log line, then `GetId`, and no write
//!   (the directory is not answering). A directory outage never locks users out.
//! - A failed write after `GetId` (conflict, throttling, outage): logged; the caller is
//!   still allowed with Cognito's answer. No `AdminUpdateUserAttributes` here: its quota
//!   (UserUpdate, 25/s, not adjustable) does not belong on the request path.
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
//! Failures and directory misses are never cached: the next request asks again. An
//! IdentityId found is cached for `IDENTITY_CACHE_TTL_SECONDS` (default 600), not for the
//! instance's life: an IdentityId can change under a user (identities merged, an identity
//! pool re-created, a relink), and the directory's new answer must be picked up. The
//! clock is the `now` each call is given, so tests move it instead of sleeping.

use std::sync::{Arc, Mutex};

use aws_sdk_cognitoidentity::Client;
use directory::{DirectoryEntry, DirectoryError, IdentityDirectory, IdentityId, NewLink};
use lambda_foundation::aws_failure::AwsFailure;
use lambda_foundation::{IdentityPoolId, UserPoolId};

use crate::bounded_map::BoundedFifoMap;
use crate::error::AuthorizerError;
use crate::identity_notes::{IdentityNotes, IdentitySource};

/// Default bound on cached IdentityIds (one per user).
pub const DEFAULT_IDENTITY_CACHE_CAPACITY: usize = 10_000;

/// A cached IdentityId and the second (since the epoch) from which it is no longer used.
#[derive(Debug, Clone)]
struct CachedIdentity {
    resolved: Resolved,
    expires_at: u64,
}

/// An unlinked caller's IdentityId, and whether the directory holds the link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The IdentityId.
    pub identity_id: Arc<str>,
    /// `true` when the directory holds this link (read from it, or written by this
    /// instance); `false` when only `GetId` answered.
    pub in_directory: bool,
    /// Which source gave it: only a directory read can contradict a token's own
    /// `custom:identity_id` (see [`crate::token_identity`]).
    pub found_by: FoundBy,
}

/// Where an IdentityId came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FoundBy {
    /// The identity directory's entry for (pool, `sub`).
    DirectoryRead,
    /// Cognito Identity `GetId`, after the directory did not know the user (or could not
    /// be read).
    GetId,
}

/// The user a token speaks for, as the resolver needs it.
#[derive(Debug, Clone, Copy)]
pub struct UnlinkedUser<'a> {
    /// The user pool that issued the token (the directory's key and the `Logins` key).
    pub user_pool_id: &'a UserPoolId,
    /// The verified token's `sub`.
    pub sub: &'a str,
    /// Its user name (for a directory entry written after `GetId`).
    pub username: Option<&'a str>,
    /// The verified id token itself (the `Logins` value of `GetId`); `None` for an access
    /// token, which `GetId` does not take.
    pub id_token: Option<&'a str>,
}

/// The directory table the resolver reads (by each token's own pool and `sub`).
#[derive(Debug, Clone)]
pub struct DirectoryLookup {
    /// The directory client.
    pub directory: IdentityDirectory,
}

/// One trusted user pool's `Logins` key and resolved users.
struct PoolIdentities {
    user_pool_id: UserPoolId,
    /// The pool's key in the `Logins` map: `cognito-idp.<region>.amazonaws.com/<pool>`.
    login_provider: String,
    by_sub: Mutex<BoundedFifoMap<String, CachedIdentity>>,
}

/// Resolves and remembers IdentityIds of one identity pool, for users of several user pools.
pub struct IdentityResolver {
    client: Client,
    identity_pool_id: IdentityPoolId,
    pools: Vec<PoolIdentities>,
    directory: Option<DirectoryLookup>,
    /// How long a found IdentityId is used without asking again, in seconds (0: never cached).
    ttl_secs: u64,
}

impl IdentityResolver {
    /// A resolver for `identity_pool_id`, presenting each token as a login of its own
    /// pool among `user_pools`; `capacity` bounds the cached users of each pool, and each
    /// is cached for `ttl_secs` seconds.
    pub fn new(
        client: Client,
        identity_pool_id: IdentityPoolId,
        user_pools: &[UserPoolId],
        capacity: usize,
        ttl_secs: u64,
    ) -> Self {
        let pools = user_pools
            .iter()
            .map(|pool| PoolIdentities {
                user_pool_id: pool.clone(),
                login_provider: pool.login_provider(),
                by_sub: Mutex::new(BoundedFifoMap::new(capacity)),
            })
            .collect();
        IdentityResolver { client, identity_pool_id, pools, directory: None, ttl_secs }
    }

    /// The same resolver reading (and, after `GetId`, writing) the identity directory.
    pub fn with_directory(mut self, directory: DirectoryLookup) -> Self {
        self.directory = Some(directory);
        self
    }

    /// Whether a directory is configured.
    pub fn has_directory(&self) -> bool {
        self.directory.is_some()
    }

    fn pool(&self, user_pool_id: &UserPoolId) -> Option<&PoolIdentities> {
        self.pools.iter().find(|pool| pool.user_pool_id == *user_pool_id)
    }

    /// The IdentityId of `user` as of `now` (seconds since the epoch): from the cache while
    /// its entry is younger than the TTL, else from the directory by (pool, sub), else
    /// (when `may_get_id` and the token is an id token) from `GetId`, then written to the
    /// directory. `Ok(None)`: the directory does not know the user and `GetId` is not
    /// allowed (`REQUIRE_LINKED`, or an access token).
    pub async fn resolve(
        &self,
        user: UnlinkedUser<'_>,
        may_get_id: bool,
        now: u64,
        notes: &mut IdentityNotes,
    ) -> Result<Option<Resolved>, AuthorizerError> {
        let Some(pool) = self.pool(user.user_pool_id) else {
            // The verifier accepts only the configured pools: this is a deployment fault.
            return Err(AuthorizerError::IdentityCallFailed("token of a user pool the resolver does not serve".into()));
        };
        if let Some(cached) = lock(pool).get(user.sub).filter(|cached| is_fresh(cached.expires_at, now)) {
            notes.source = Some(IdentitySource::Cache);
            return Ok(Some(cached.resolved.clone()));
        }
        let remember = |resolved: Resolved| self.remember(pool, user.sub, resolved, now);
        let may_get_id = may_get_id && user.id_token.is_some();
        let read = match &self.directory {
            Some(lookup) => Some(lookup.directory.get_by_user(user.user_pool_id, user.sub).await),
            None => None,
        };
        let directory_answered = match read {
            Some(Ok(Some(entry))) => {
                notes.source = Some(IdentitySource::Directory);
                return Ok(Some(remember(from_entry(&entry))));
            }
            Some(Ok(None)) => {
                notes.directory_miss = true;
                true
            }
            Some(Err(err)) if may_get_id => {
                (notes.directory_error, notes.get_id_fallback) = (true, true);
                tracing::warn!(error = %err, sub = user.sub, "directory read failed; resolving with GetId");
                false
            }
            // REQUIRE_LINKED and the directory cannot say whether the user is linked:
            // neither Allow nor a cacheable Deny.
            Some(Err(err)) => {
                notes.directory_error = true;
                tracing::warn!(error = %err, sub = user.sub, "directory read failed; cannot check the link");
                return Err(AuthorizerError::IdentityUnavailable);
            }
            None => false,
        };
        let Some(id_token) = user.id_token.filter(|_| may_get_id) else {
            return Ok(None);
        };
        let identity_id = self.get_id(&pool.login_provider, id_token).await?;
        notes.source = Some(IdentitySource::GetId);
        let in_directory = directory_answered && self.record(&user, &identity_id, notes).await;
        Ok(Some(remember(Resolved { identity_id, in_directory, found_by: FoundBy::GetId })))
    }

    /// Caches `resolved` for `sub` until `now` + the TTL (not at all with a TTL of 0).
    fn remember(&self, pool: &PoolIdentities, sub: &str, resolved: Resolved, now: u64) -> Resolved {
        if self.ttl_secs > 0 {
            let cached = CachedIdentity { resolved: resolved.clone(), expires_at: now.saturating_add(self.ttl_secs) };
            lock(pool).insert(sub.to_owned(), cached);
        }
        resolved
    }

    async fn get_id(&self, login_provider: &str, id_token: &str) -> Result<Arc<str>, AuthorizerError> {
        let output = self
            .client
            .get_id()
            .identity_pool_id(self.identity_pool_id.as_str())
            .logins(login_provider, id_token)
            .send()
            .await
            .map_err(|err| {
                let failure = AwsFailure::from_sdk_error("GetId", &err);
                failure.log();
                AuthorizerError::from(failure)
            })?;
        output
            .identity_id
            .filter(|id| !id.is_empty())
            .map(Arc::from)
            .ok_or_else(|| AuthorizerError::IdentityCallFailed("GetId returned no IdentityId".into()))
    }

    /// Writes `GetId`'s answer to the directory (the conditional link transaction);
    /// `true` when the directory now holds it. A failure is logged, never returned.
    async fn record(&self, user: &UnlinkedUser<'_>, identity_id: &str, notes: &mut IdentityNotes) -> bool {
        let Some(lookup) = &self.directory else { return false };
        let Ok(identity_id) = IdentityId::parse(identity_id) else {
            tracing::warn!(sub = user.sub, "GetId returned a malformed IdentityId; not recorded");
            return false;
        };
        let link = NewLink {
            identity_id,
            user_pool_id: user.user_pool_id.clone(),
            sub: user.sub.to_owned(),
            username: user.username.unwrap_or(user.sub).to_owned(),
            linked_at: lambda_foundation::unix_now(),
        };
        match lookup.directory.record_link(&link).await {
            Ok(_) => true,
            Err(DirectoryError::Conflict(conflict)) => {
                tracing::warn!(
                    sub = user.sub,
                    identity_id = %conflict.requested.identity_id,
                    "directory conflict after GetId: the link was not recorded"
                );
                false
            }
            Err(err) => {
                notes.directory_error = true;
                tracing::warn!(error = %err, sub = user.sub, "directory write after GetId failed");
                false
            }
        }
    }
}

/// Whether an entry expiring at `expires_at` may still be used at `now`.
fn is_fresh(expires_at: u64, now: u64) -> bool {
    now < expires_at
}

fn lock(pool: &PoolIdentities) -> std::sync::MutexGuard<'_, BoundedFifoMap<String, CachedIdentity>> {
    pool.by_sub.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn from_entry(entry: &DirectoryEntry) -> Resolved {
    Resolved {
        identity_id: Arc::from(entry.identity_id.as_str()),
        in_directory: true,
        found_by: FoundBy::DirectoryRead,
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
    fn an_entry_is_used_until_its_expiry_and_not_from_then() {
        assert!(is_fresh(1_000, 999));
        assert!(!is_fresh(1_000, 1_000));
        assert!(!is_fresh(1_000, 5_000));
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
