//! Tokens this instance has already verified.
//!
//! A client sends the same id token with every call for up to an hour, and an RSA
//! verification is by far the largest cost of an authorization. So a verified token's
//! caller is kept, keyed by the whole token, until the first of:
//!
//! - the token's `exp`: a cached result never outlives the token;
//! - the TTL (`VERIFIED_TOKEN_CACHE_TTL_SECONDS`, default 300 s) after verification;
//! - a change of the user pool's key set ([`CognitoJwtVerifier::key_set_generation`]):
//!   a key removed from the JWKS must stop vouching for tokens at once;
//! - eviction, oldest first, when the cache holds its maximum number of tokens or of
//!   bytes of tokens.
//!
//! Only verified tokens enter the cache, so nobody can fill it without valid tokens.
//!
//! Why the token itself and not its SHA-256: a lookup then costs one fast hash of the
//! token and one comparison of its bytes (about 0.1 µs for a Cognito id token), where
//! the SHA-256 cost 0.7 µs, most of what answering a repeat caller costs. A hit still
//! requires every byte to match, so no token ever borrows another's verification; the
//! table's hasher is seeded per process, and only verified tokens are ever inserted,
//! so nobody can crowd a bucket. Holding tokens in memory is what API Gateway's own
//! authorizer cache does with the same values; they are never logged.
//!
//! [`CognitoJwtVerifier::key_set_generation`]: token_verifier::CognitoJwtVerifier::key_set_generation

use std::sync::{Arc, Mutex};

use crate::bounded_map::BoundedFifoMap;
use crate::caller::VerifiedCaller;

/// Default bound on the number of cached tokens.
pub const DEFAULT_VERIFIED_TOKEN_CACHE_CAPACITY: usize = 10_000;

/// Default bound on the memory the cache holds: 16 MiB of tokens and their entries,
/// whatever the size of the tokens (an entry holds its token, the caller's strings and,
/// for a linked caller, their written context).
pub const DEFAULT_VERIFIED_TOKEN_CACHE_BYTES: usize = 16 << 20;

/// What an entry costs besides the text it holds (the caller's fixed fields, the map and
/// queue slots, allocation headers), rounded up so the byte bound holds.
const ENTRY_OVERHEAD_BYTES: usize = 256;

/// The memory an entry holds: the token, the caller's strings and their context
/// written out as JSON (at verification for a linked caller, once resolved otherwise).
fn entry_bytes(token: &Arc<str>, entry: &CachedToken) -> usize {
    let caller = &entry.caller;
    let optional = [&caller.username, &caller.email, &caller.groups, &caller.scopes];
    let resolved = caller.resolved_context.get();
    let text = caller.sub.len()
        + caller.client_id.len()
        + optional.into_iter().flatten().map(String::len).sum::<usize>()
        + caller.linked_identity_id.as_deref().map_or(0, str::len)
        + caller.linked_context.as_ref().map_or(0, |context| context.json_len())
        + resolved
            .map_or(0, |resolved| resolved.context.json_len() + resolved.identity_id.as_deref().map_or(0, str::len));
    token.len() + text + ENTRY_OVERHEAD_BYTES
}

struct CachedToken {
    caller: Arc<VerifiedCaller>,
    /// Seconds since the epoch; the entry is unusable from then on.
    valid_until: u64,
}

struct CacheState {
    /// The key set generation every entry was verified under.
    key_set_generation: u64,
    entries: BoundedFifoMap<Arc<str>, CachedToken, foldhash::fast::RandomState>,
}

/// The bounded, expiring cache of verified tokens. Times are passed in (seconds since
/// the epoch) so the behaviour is the same in tests as in production.
pub struct VerifiedTokenCache {
    ttl_secs: u64,
    state: Mutex<CacheState>,
}

/// Counts only: the keys are bearer tokens, which no log line or panic message may show.
impl std::fmt::Debug for VerifiedTokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifiedTokenCache")
            .field("ttl_secs", &self.ttl_secs)
            .field("tokens", &self.len())
            .field("bytes", &self.bytes())
            .finish_non_exhaustive()
    }
}

impl VerifiedTokenCache {
    /// A cache of at most `capacity` tokens and about `max_bytes` of memory, each
    /// token trusted for at most `ttl_secs` (0 disables caching).
    pub fn new(capacity: usize, max_bytes: usize, ttl_secs: u64) -> Self {
        let entries =
            BoundedFifoMap::with_hasher(capacity, max_bytes, entry_bytes, foldhash::fast::RandomState::default());
        VerifiedTokenCache { ttl_secs, state: Mutex::new(CacheState { key_set_generation: 0, entries }) }
    }

    /// The caller of an already verified token, if the entry is still good at `now`
    /// under key set `key_set_generation`.
    pub fn get(&self, token: &str, now: u64, key_set_generation: u64) -> Option<Arc<VerifiedCaller>> {
        let mut state = self.lock();
        state.adopt_generation(key_set_generation);
        if state.key_set_generation != key_set_generation {
            return None;
        }
        match state.entries.get(token) {
            Some(entry) if now < entry.valid_until => Some(entry.caller.clone()),
            Some(_) => {
                state.entries.remove(token);
                None
            }
            None => None,
        }
    }

    /// Remembers a token verified at `now` under key set `key_set_generation`.
    ///
    /// Nothing is stored when the entry would already be expired, or when the key set
    /// has moved on since (the token must then be verified against the new keys).
    pub fn insert(&self, token: &str, caller: Arc<VerifiedCaller>, now: u64, key_set_generation: u64) {
        let valid_until = caller.expires_at.min(now.saturating_add(self.ttl_secs));
        if valid_until <= now {
            return;
        }
        let mut state = self.lock();
        state.adopt_generation(key_set_generation);
        if state.key_set_generation == key_set_generation {
            state.entries.insert(Arc::from(token), CachedToken { caller, valid_until });
        }
    }

    /// How many tokens are cached (expired entries included until looked up or evicted).
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// The memory the entries are counted as holding, in bytes.
    pub fn bytes(&self) -> usize {
        self.lock().entries.weight()
    }

    /// True when no token is cached.
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, CacheState> {
        // The state is consistent after any panic (no multi-step updates), so a
        // poisoned lock is still usable.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl CacheState {
    /// Generations only grow: a newer one flushes everything, an older one is ignored.
    fn adopt_generation(&mut self, key_set_generation: u64) {
        if key_set_generation > self.key_set_generation {
            self.entries.clear();
            self.key_set_generation = key_set_generation;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_800_000_000;

    fn caller(sub: &str, expires_at: u64) -> Arc<VerifiedCaller> {
        Arc::new(VerifiedCaller {
            sub: sub.into(),
            user_pool_id: lambda_foundation::UserPoolId::parse("us-east-1_P").unwrap(),
            token_use: token_verifier::TokenUse::Id,
            scopes: None,
            username: None,
            email: None,
            groups: None,
            client_id: "c".into(),
            linked_identity_id: None,
            expires_at,
            linked_context: None,
            unmet_routes: Default::default(),
            resolved_context: Default::default(),
        })
    }

    #[test]
    fn only_the_very_same_token_hits() {
        let cache = VerifiedTokenCache::new(10, 1 << 20, 300);
        cache.insert("a.b.c", caller("s1", NOW + 3600), NOW, 1);
        assert!(cache.get("a.b.c", NOW, 1).is_some());
        for other in ["a.b.d", "b.b.c", "a.b.c.", "a.b", "A.b.c", ""] {
            assert!(cache.get(other, NOW, 1).is_none(), "{other}");
        }
    }

    #[test]
    fn debug_output_never_shows_a_token() {
        let cache = VerifiedTokenCache::new(10, 1 << 20, 300);
        cache.insert("eyJhbGciOiJSUzI1NiJ9.secret-payload.signature", caller("s1", NOW + 3600), NOW, 1);
        let shown = format!("{cache:?}");
        assert!(!shown.contains("secret-payload") && shown.contains("tokens: 1"), "{shown}");
    }

    #[test]
    fn the_cache_is_bounded_in_bytes() {
        // A 1 000-byte token, sub "s" and client id "c".
        let entry = 1_000 + 2 + ENTRY_OVERHEAD_BYTES;
        let cache = VerifiedTokenCache::new(1_000, 10 * entry, 300);
        for n in 0..100 {
            let token = format!("{n:04}{}", "x".repeat(996));
            cache.insert(&token, caller("s", NOW + 3600), NOW, 1);
        }
        assert_eq!(cache.len(), 10);
        assert_eq!(cache.bytes(), 10 * entry);
        let huge = "y".repeat(20_000);
        cache.insert(&huge, caller("s", NOW + 3600), NOW, 1);
        assert!(cache.get(&huge, NOW, 1).is_none(), "a token above the whole budget is not kept");
        assert_eq!(cache.len(), 10, "and evicts nothing");
    }

    #[test]
    fn a_linked_callers_written_context_counts_towards_the_bound() {
        let cache = VerifiedTokenCache::new(10, 1 << 20, 300);
        let mut linked = (*caller("s", NOW + 3600)).clone();
        linked.linked_identity_id = Some(Arc::from("us-east-1:id"));
        linked.linked_context = crate::context::PrerenderedContext::of(&linked.context_fields(
            Some("us-east-1:id"),
            "us-east-1:pool",
            true,
        ));
        let context_len = linked.linked_context.as_ref().map_or(0, |context| context.json_len());
        assert!(context_len > 50, "the context is written: {context_len} bytes");
        cache.insert("t1", Arc::new(linked), NOW, 1);
        assert_eq!(cache.bytes(), 2 + 2 + "us-east-1:id".len() + context_len + ENTRY_OVERHEAD_BYTES);
    }

    #[test]
    fn a_resolved_callers_written_context_and_scopes_count_towards_the_bound() {
        let cache = VerifiedTokenCache::new(10, 1 << 20, 300);
        let mut access = (*caller("s", NOW + 3600)).clone();
        access.scopes = Some("orders/read".into());
        let identity: Arc<str> = Arc::from("us-east-1:id");
        let written = access.with_resolved_context(Some(&identity), "us-east-1:pool", true).unwrap();
        let context_len = written.resolved_context.get().unwrap().context.json_len();
        assert!(context_len > 50, "the context is written: {context_len} bytes");
        cache.insert("t1", Arc::new(written), NOW, 1);
        assert_eq!(cache.bytes(), 2 + 2 + "orders/read".len() + context_len + identity.len() + ENTRY_OVERHEAD_BYTES);
    }

    #[test]
    fn a_cached_token_is_found_until_the_ttl() {
        let cache = VerifiedTokenCache::new(10, 1 << 20, 300);
        let key = "t1";
        cache.insert(key, caller("s1", NOW + 3600), NOW, 1);
        assert_eq!(cache.get(key, NOW, 1).unwrap().sub, "s1");
        assert!(cache.get(key, NOW + 299, 1).is_some());
        assert!(cache.get(key, NOW + 300, 1).is_none(), "TTL reached");
        assert!(cache.is_empty(), "an expired entry is dropped when found");
    }

    #[test]
    fn an_entry_never_outlives_the_token() {
        let cache = VerifiedTokenCache::new(10, 1 << 20, 300);
        let key = "t1";
        cache.insert(key, caller("s1", NOW + 60), NOW, 1);
        assert!(cache.get(key, NOW + 59, 1).is_some());
        assert!(cache.get(key, NOW + 60, 1).is_none(), "exp reached before the TTL");
    }

    #[test]
    fn already_expired_tokens_and_a_zero_ttl_store_nothing() {
        let cache = VerifiedTokenCache::new(10, 1 << 20, 300);
        // Still within the verifier's leeway, but past exp: not worth caching.
        cache.insert("t1", caller("s1", NOW - 1), NOW, 1);
        cache.insert("t2", caller("s2", NOW), NOW, 1);
        assert!(cache.is_empty());
        let disabled = VerifiedTokenCache::new(10, 1 << 20, 0);
        disabled.insert("t1", caller("s1", NOW + 3600), NOW, 1);
        assert!(disabled.is_empty());
    }

    #[test]
    fn a_new_key_set_flushes_everything() {
        let cache = VerifiedTokenCache::new(10, 1 << 20, 300);
        let key = "t1";
        cache.insert(key, caller("s1", NOW + 3600), NOW, 1);
        cache.insert("t2", caller("s2", NOW + 3600), NOW, 1);
        assert!(cache.get(key, NOW, 2).is_none());
        assert!(cache.is_empty(), "the whole cache was flushed");
        assert!(cache.get(key, NOW, 1).is_none(), "an old generation never comes back");
    }

    #[test]
    fn a_token_verified_under_an_older_key_set_is_not_stored() {
        let cache = VerifiedTokenCache::new(10, 1 << 20, 300);
        cache.insert("t1", caller("s1", NOW + 3600), NOW, 3);
        cache.insert("t2", caller("s2", NOW + 3600), NOW, 2);
        assert_eq!(cache.len(), 1);
        assert!(cache.get("t2", NOW, 3).is_none());
    }

    #[test]
    fn the_cache_is_bounded() {
        let cache = VerifiedTokenCache::new(100, 1 << 20, 300);
        for n in 0..1_000 {
            cache.insert(&format!("token-{n}"), caller("s", NOW + 3600), NOW, 1);
        }
        assert_eq!(cache.len(), 100);
        assert!(cache.get("token-0", NOW, 1).is_none(), "oldest evicted");
        assert!(cache.get("token-999", NOW, 1).is_some(), "newest kept");
    }
}
