//! Tokens this instance has already verified.
//!
//! A client sends the same id token with every call for up to an hour, and an RSA
//! verification is by far the largest cost of an authorization. So a verified token's
//! caller is kept, keyed by the SHA-256 of the whole token (the token itself is never
//! stored), until the first of:
//!
//! - the token's `exp`: a cached result never outlives the token;
//! - the TTL (`VERIFIED_TOKEN_CACHE_TTL_SECONDS`, default 300 s) after verification;
//! - a change of the user pool's key set ([`CognitoJwtVerifier::key_set_generation`]):
//!   a key removed from the JWKS must stop vouching for tokens at once;
//! - eviction, oldest first, when the cache holds its maximum number of tokens.
//!
//! Only verified tokens enter the cache, so nobody can fill it without valid tokens.
//!
//! [`CognitoJwtVerifier::key_set_generation`]: token_verifier::CognitoJwtVerifier::key_set_generation

use std::sync::{Arc, Mutex};

use aws_lc_rs::digest::{SHA256, digest};

use crate::bounded_map::BoundedFifoMap;
use crate::caller::VerifiedCaller;

/// Default bound on cached tokens: a few MiB at most.
pub const DEFAULT_VERIFIED_TOKEN_CACHE_CAPACITY: usize = 10_000;

/// The SHA-256 of a whole token: its cache key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenDigest([u8; 32]);

impl TokenDigest {
    /// Hashes `token` (all three parts: a token differing in any byte is another key).
    pub fn of(token: &str) -> Self {
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(digest(&SHA256, token.as_bytes()).as_ref());
        TokenDigest(bytes)
    }
}

#[derive(Debug)]
struct CachedToken {
    caller: Arc<VerifiedCaller>,
    /// Seconds since the epoch; the entry is unusable from then on.
    valid_until: u64,
}

#[derive(Debug)]
struct CacheState {
    /// The key set generation every entry was verified under.
    key_set_generation: u64,
    entries: BoundedFifoMap<TokenDigest, CachedToken>,
}

/// The bounded, expiring cache of verified tokens. Times are passed in (seconds since
/// the epoch) so the behaviour is the same in tests as in production.
#[derive(Debug)]
pub struct VerifiedTokenCache {
    ttl_secs: u64,
    state: Mutex<CacheState>,
}

impl VerifiedTokenCache {
    /// A cache of at most `capacity` tokens, each trusted for at most `ttl_secs`
    /// (0 disables caching).
    pub fn new(capacity: usize, ttl_secs: u64) -> Self {
        VerifiedTokenCache {
            ttl_secs,
            state: Mutex::new(CacheState { key_set_generation: 0, entries: BoundedFifoMap::new(capacity) }),
        }
    }

    /// The caller of an already verified token, if the entry is still good at `now`
    /// under key set `key_set_generation`.
    pub fn get(&self, digest: &TokenDigest, now: u64, key_set_generation: u64) -> Option<Arc<VerifiedCaller>> {
        let mut state = self.lock();
        state.adopt_generation(key_set_generation);
        if state.key_set_generation != key_set_generation {
            return None;
        }
        match state.entries.get(digest) {
            Some(entry) if now < entry.valid_until => Some(entry.caller.clone()),
            Some(_) => {
                state.entries.remove(digest);
                None
            }
            None => None,
        }
    }

    /// Remembers a token verified at `now` under key set `key_set_generation`.
    ///
    /// Nothing is stored when the entry would already be expired, or when the key set
    /// has moved on since (the token must then be verified against the new keys).
    pub fn insert(&self, digest: TokenDigest, caller: Arc<VerifiedCaller>, now: u64, key_set_generation: u64) {
        let valid_until = caller.expires_at.min(now.saturating_add(self.ttl_secs));
        if valid_until <= now {
            return;
        }
        let mut state = self.lock();
        state.adopt_generation(key_set_generation);
        if state.key_set_generation == key_set_generation {
            state.entries.insert(digest, CachedToken { caller, valid_until });
        }
    }

    /// How many tokens are cached (expired entries included until looked up or evicted).
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// True when no token is cached.
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
            username: None,
            email: None,
            groups: None,
            client_id: "c".into(),
            linked_identity_id: None,
            expires_at,
        })
    }

    #[test]
    fn digest_covers_the_whole_token() {
        assert_eq!(TokenDigest::of("a.b.c"), TokenDigest::of("a.b.c"));
        assert_ne!(TokenDigest::of("a.b.c"), TokenDigest::of("a.b.d"));
        assert_ne!(TokenDigest::of("a.b.c"), TokenDigest::of("b.b.c"));
    }

    #[test]
    fn a_cached_token_is_found_until_the_ttl() {
        let cache = VerifiedTokenCache::new(10, 300);
        let key = TokenDigest::of("t1");
        cache.insert(key, caller("s1", NOW + 3600), NOW, 1);
        assert_eq!(cache.get(&key, NOW, 1).unwrap().sub, "s1");
        assert!(cache.get(&key, NOW + 299, 1).is_some());
        assert!(cache.get(&key, NOW + 300, 1).is_none(), "TTL reached");
        assert!(cache.is_empty(), "an expired entry is dropped when found");
    }

    #[test]
    fn an_entry_never_outlives_the_token() {
        let cache = VerifiedTokenCache::new(10, 300);
        let key = TokenDigest::of("t1");
        cache.insert(key, caller("s1", NOW + 60), NOW, 1);
        assert!(cache.get(&key, NOW + 59, 1).is_some());
        assert!(cache.get(&key, NOW + 60, 1).is_none(), "exp reached before the TTL");
    }

    #[test]
    fn already_expired_tokens_and_a_zero_ttl_store_nothing() {
        let cache = VerifiedTokenCache::new(10, 300);
        // Still within the verifier's leeway, but past exp: not worth caching.
        cache.insert(TokenDigest::of("t1"), caller("s1", NOW - 1), NOW, 1);
        cache.insert(TokenDigest::of("t2"), caller("s2", NOW), NOW, 1);
        assert!(cache.is_empty());
        let disabled = VerifiedTokenCache::new(10, 0);
        disabled.insert(TokenDigest::of("t1"), caller("s1", NOW + 3600), NOW, 1);
        assert!(disabled.is_empty());
    }

    #[test]
    fn a_new_key_set_flushes_everything() {
        let cache = VerifiedTokenCache::new(10, 300);
        let key = TokenDigest::of("t1");
        cache.insert(key, caller("s1", NOW + 3600), NOW, 1);
        cache.insert(TokenDigest::of("t2"), caller("s2", NOW + 3600), NOW, 1);
        assert!(cache.get(&key, NOW, 2).is_none());
        assert!(cache.is_empty(), "the whole cache was flushed");
        assert!(cache.get(&key, NOW, 1).is_none(), "an old generation never comes back");
    }

    #[test]
    fn a_token_verified_under_an_older_key_set_is_not_stored() {
        let cache = VerifiedTokenCache::new(10, 300);
        cache.insert(TokenDigest::of("t1"), caller("s1", NOW + 3600), NOW, 3);
        cache.insert(TokenDigest::of("t2"), caller("s2", NOW + 3600), NOW, 2);
        assert_eq!(cache.len(), 1);
        assert!(cache.get(&TokenDigest::of("t2"), NOW, 3).is_none());
    }

    #[test]
    fn the_cache_is_bounded() {
        let cache = VerifiedTokenCache::new(100, 300);
        for n in 0..1_000 {
            cache.insert(TokenDigest::of(&format!("token-{n}")), caller("s", NOW + 3600), NOW, 1);
        }
        assert_eq!(cache.len(), 100);
        assert!(cache.get(&TokenDigest::of("token-0"), NOW, 1).is_none(), "oldest evicted");
        assert!(cache.get(&TokenDigest::of("token-999"), NOW, 1).is_some(), "newest kept");
    }
}
