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
//! Every wait is bounded by the request's [`Deadline`] (see `crate::deadline` for each
//! step's share of the budget):
//!
//! - Directory read fails (throttled, down, or no answer within its share of the budget):
//!   one log line, then `GetId`, and no write in this request (the directory is not
//!   answering; the user's next request writes, as below). A directory outage never
//!   locks users out. When `GetId` cannot follow (an access token,
//!   `REQUIRE_LINKED`), the read gets the whole remaining budget and its failure is
//!   [`AuthorizerError::DirectoryUnavailable`] (500): nothing else can name the user.
//! - The write after `GetId` (a user seen for the first time) is awaited before the
//!   answer, for at most what is left of the budget. Lambda freezes the process as soon
//!   as the answer is returned, so a write left running in the background would stall
//!   until the next invocation thaws it, or be lost with the instance: it is not a write
//!   anyone can count on. A write that fails (conflict, throttling, outage) or does not
//!   finish in time is logged, and the caller is still allowed with Cognito's answer
//!   (`linked=false`). The IdentityId is cached with the write still due, and the user's
//!   next request on this instance writes it again, with no second `GetId` (the link
//!   transaction is conditional, so writing twice, or after a write that did land, is
//!   harmless), bounded by a tenth of the budget and at most once per
//!   [`REWRITE_PAUSE_SECS`] while it keeps failing. No `AdminUpdateUserAttributes` here:
//!   its quota (UserUpdate, 25/s, not adjustable) does not belong on the request path.
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
use crate::deadline::{Deadline, Step, log_out_of_time};
use crate::error::AuthorizerError;
use crate::identity_notes::{IdentityNotes, IdentitySource};

/// Default bound on cached IdentityIds (one per user).
pub const DEFAULT_IDENTITY_CACHE_CAPACITY: usize = 10_000;

/// How long a user's unfinished directory write waits before their next request tries it
/// again, in seconds, while it keeps failing: a directory that is down must not cost every
/// request of that user a bounded wait.
pub const REWRITE_PAUSE_SECS: u64 = 30;

/// A cached IdentityId and the second (since the epoch) from which it is no longer used.
#[derive(Debug, Clone)]
struct CachedIdentity {
    resolved: Resolved,
    expires_at: u64,
    /// `Some(second)`: `GetId`'s answer is not in the directory yet (the write failed, did
    /// not finish in time, or the directory was not answering), and a request from that
    /// second on writes it again.
    write_due_at: Option<u64>,
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

    /// The IdentityId of `user` as of `now` (seconds since the epoch), every wait within
    /// `deadline`: from the cache while its entry is younger than the TTL (writing it to
    /// the directory again if an earlier write did not finish), else from the directory by
    /// (pool, sub), else (when `may_get_id` and the token is an id token) from `GetId`,
    /// then written to the directory. `Ok(None)`: the directory does not know the user and
    /// `GetId` is not allowed (`REQUIRE_LINKED`, or an access token).
    pub async fn resolve(
        &self,
        user: UnlinkedUser<'_>,
        may_get_id: bool,
        now: u64,
        deadline: &Deadline,
        notes: &mut IdentityNotes,
    ) -> Result<Option<Resolved>, AuthorizerError> {
        let Some(pool) = self.pool(user.user_pool_id) else {
            // The verifier accepts only the configured pools: this is a deployment fault.
            return Err(AuthorizerError::IdentityCallFailed("token of a user pool the resolver does not serve".into()));
        };
        let cached = lock(pool).get(user.sub).filter(|cached| is_fresh(cached.expires_at, now)).cloned();
        if let Some(cached) = cached {
            notes.source = Some(IdentitySource::Cache);
            return Ok(Some(match cached.write_due_at {
                Some(due) if now >= due => self.record_again(pool, &user, cached, now, deadline, notes).await,
                _ => cached.resolved,
            }));
        }
        let may_get_id = may_get_id && user.id_token.is_some();
        let read = match &self.directory {
            Some(lookup) => {
                let allowance = deadline.allowance(Step::DirectoryRead { get_id_may_follow: may_get_id });
                Some(match deadline.bound(allowance, lookup.directory.get_by_user(user.user_pool_id, user.sub)).await {
                    Ok(answer) => answer.map_err(|err| err.to_string()),
                    Err(out) => Err(format!("{out} (the request's deadline)")),
                })
            }
            None => None,
        };
        let directory_answered = match read {
            Some(Ok(Some(entry))) => {
                notes.source = Some(IdentitySource::Directory);
                return Ok(Some(self.remember(pool, user.sub, from_entry(&entry), now, None)));
            }
            Some(Ok(None)) => {
                notes.directory_miss = true;
                true
            }
            Some(Err(error)) if may_get_id => {
                (notes.directory_error, notes.get_id_fallback) = (true, true);
                tracing::warn!(error, sub = user.sub, "directory read failed; resolving with GetId");
                false
            }
            // An access token or REQUIRE_LINKED, and the directory cannot say whether the
            // user is linked: neither an Allow (without identity) nor a cacheable Deny.
            Some(Err(error)) => {
                notes.directory_error = true;
                tracing::warn!(error, sub = user.sub, "directory read failed; cannot check the link");
                return Err(AuthorizerError::DirectoryUnavailable);
            }
            None => false,
        };
        let Some(id_token) = user.id_token.filter(|_| may_get_id) else {
            return Ok(None);
        };
        let identity_id =
            match deadline.bound(deadline.allowance(Step::GetId), self.get_id(&pool.login_provider, id_token)).await {
                Ok(answer) => answer?,
                Err(out) => {
                    log_out_of_time(Step::GetId, out, Some(user.sub));
                    return Err(AuthorizerError::IdentityUnavailable);
                }
            };
        notes.source = Some(IdentitySource::GetId);
        let written = match (&self.directory, directory_answered) {
            (None, _) => LinkWrite::Refused,
            // The directory did not answer the read: the next request writes.
            (Some(_), false) => LinkWrite::Unfinished,
            (Some(_), true) => self.record(&user, &identity_id, Step::RecordLink, deadline, notes).await,
        };
        let write_due_at = written.next_try(now);
        let resolved = Resolved { identity_id, in_directory: written == LinkWrite::Recorded, found_by: FoundBy::GetId };
        Ok(Some(self.remember(pool, user.sub, resolved, now, write_due_at)))
    }

    /// Writes the cached `GetId` answer of `user` to the directory again (an earlier
    /// request could not finish it), within a tenth of the budget; the cache then says
    /// whether it is in the directory now, or when to try again.
    async fn record_again(
        &self,
        pool: &PoolIdentities,
        user: &UnlinkedUser<'_>,
        mut cached: CachedIdentity,
        now: u64,
        deadline: &Deadline,
        notes: &mut IdentityNotes,
    ) -> Resolved {
        let written = self.record(user, &cached.resolved.identity_id, Step::RecordLinkAgain, deadline, notes).await;
        cached.resolved.in_directory = written == LinkWrite::Recorded;
        cached.write_due_at = written.next_try(now.saturating_add(REWRITE_PAUSE_SECS));
        let resolved = cached.resolved.clone();
        // Kept until its first expiry: writing again does not make the answer younger.
        lock(pool).insert(user.sub.to_owned(), cached);
        resolved
    }

    /// Caches `resolved` for `sub` until `now` + the TTL (not at all with a TTL of 0), with
    /// its directory write due from `write_due_at` if it is not in the directory yet.
    fn remember(
        &self,
        pool: &PoolIdentities,
        sub: &str,
        resolved: Resolved,
        now: u64,
        write_due_at: Option<u64>,
    ) -> Resolved {
        if self.ttl_secs > 0 {
            let expires_at = now.saturating_add(self.ttl_secs);
            let cached = CachedIdentity { resolved: resolved.clone(), expires_at, write_due_at };
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

    /// Writes `GetId`'s answer to the directory (the conditional link transaction, up to
    /// four of them), waiting at most `step`'s share of `deadline`. A failure or a write
    /// cut short is logged (and noted), never returned.
    async fn record(
        &self,
        user: &UnlinkedUser<'_>,
        identity_id: &str,
        step: Step,
        deadline: &Deadline,
        notes: &mut IdentityNotes,
    ) -> LinkWrite {
        let Some(lookup) = &self.directory else { return LinkWrite::Refused };
        let Ok(identity_id) = IdentityId::parse(identity_id) else {
            tracing::warn!(sub = user.sub, "GetId returned a malformed IdentityId; not recorded");
            return LinkWrite::Refused;
        };
        let link = NewLink {
            identity_id,
            user_pool_id: user.user_pool_id.clone(),
            sub: user.sub.to_owned(),
            username: user.username.unwrap_or(user.sub).to_owned(),
            linked_at: lambda_foundation::unix_now(),
        };
        match deadline.bound(deadline.allowance(step), lookup.directory.record_link(&link)).await {
            Ok(Ok(_)) => LinkWrite::Recorded,
            Ok(Err(DirectoryError::Conflict(conflict))) => {
                tracing::warn!(
                    sub = user.sub,
                    identity_id = %conflict.requested.identity_id,
                    "directory conflict after GetId: the link was not recorded"
                );
                LinkWrite::Refused
            }
            Ok(Err(err)) => {
                notes.directory_error = true;
                tracing::warn!(error = %err, sub = user.sub, "directory write after GetId failed");
                LinkWrite::Unfinished
            }
            Err(out) => {
                log_out_of_time(step, out, Some(user.sub));
                LinkWrite::Unfinished
            }
        }
    }
}

/// How a directory write after `GetId` ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LinkWrite {
    /// The directory holds the link (written now, or already there).
    Recorded,
    /// It never will from here: no directory, a malformed IdentityId, or a conflict
    /// (the directory links the user or the IdentityId to someone else; logged).
    Refused,
    /// Not written yet: failed, cut short by the deadline, or the directory did not
    /// answer the read. The user's next request writes it.
    Unfinished,
}

impl LinkWrite {
    /// The second from which the write is tried again: `when` for an unfinished write,
    /// never otherwise.
    fn next_try(self, when: u64) -> Option<u64> {
        (self == LinkWrite::Unfinished).then_some(when)
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
