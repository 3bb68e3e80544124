//! API Gateway's authorizer answer cache (REST API, `authorizerResultTtlInSeconds`).
//!
//! What API Gateway does, and so what this does:
//! - The key is the identity source values, here the `Authorization` header exactly as
//!   sent ("API Gateway uses the specified identity sources as the request authorizer
//!   caching key … Changing any of the cache key parts causes the authorizer to discard
//!   the cached policy document and generate a new one": API Gateway Developer Guide,
//!   "Configure a Lambda authorizer using the API Gateway console").
//! - What is kept is the answer (policy document, `principalId`, `context`), never the
//!   decision: "When Authorization Caching is activated on a Lambda authorizer, the
//!   returned IAM policy is cached. The cached IAM policy is then applied to any
//!   additional API requests made within the cache's specified time-to-live (TTL)
//!   period" (AWS Knowledge Center, "api-gateway-lambda-authorization-errors"). Each
//!   request is decided against its own method ARN, on any route of the stage, so an
//!   answer that denies some routes is kept too, and a cached answer that denies the
//!   route called is a 403 without a new invocation.
//! - Only policies are cached: "For a valid policy, API Gateway caches the returned
//!   policy, associated with the incoming token" (AWS Compute Blog, "Introducing custom
//!   authorizers in Amazon API Gateway"). The `Unauthorized` error (401), any other
//!   function error (500) and an answer API Gateway cannot read (500) are not policies:
//!   the next request with the same header invokes the authorizer again.
//! - TTL 0 disables the cache. An entry lives TTL seconds from the invocation that made
//!   it, whatever happens in between.
//!
//! The cache keeps a SHA-256 digest of the identity source values, not the token, and
//! holds at most `capacity` answers: when full, expired entries go first, then the
//! oldest.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::authorizer_policy::AuthorizerAnswer;

/// Answers kept at most; API Gateway documents no bound, a local stand-in needs one.
pub const DEFAULT_CAPACITY: usize = 10_000;

/// The digest of one request's identity source values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CacheKey([u8; 32]);

impl CacheKey {
    /// The key of these identity source values, in the authorizer's order.
    pub fn of(values: &[&str]) -> Self {
        let mut context = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
        for value in values {
            // Length-prefixed, so that ("ab", "c") and ("a", "bc") differ.
            context.update(&(value.len() as u64).to_be_bytes());
            context.update(value.as_bytes());
        }
        let mut key = [0u8; 32];
        key.copy_from_slice(context.finish().as_ref());
        CacheKey(key)
    }
}

struct Entry {
    expires_at: Instant,
    insertion: u64,
    answer: Arc<AuthorizerAnswer>,
}

#[derive(Default)]
struct State {
    entries: HashMap<CacheKey, Entry>,
    /// Insertions, oldest first; an insertion whose entry was replaced or removed is
    /// skipped when it comes up. With one TTL for all, oldest is also first to expire.
    order: VecDeque<(u64, CacheKey, Instant)>,
    next_insertion: u64,
}

/// The cache of one authorizer on one stage.
pub struct AnswerCache {
    ttl: Duration,
    capacity: usize,
    state: Mutex<State>,
}

impl AnswerCache {
    /// A cache keeping answers for `ttl` (zero: no caching), at most `capacity` of them.
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        AnswerCache { ttl, capacity: capacity.max(1), state: Mutex::new(State::default()) }
    }

    /// Whether answers are cached at all.
    pub fn enabled(&self) -> bool {
        !self.ttl.is_zero()
    }

    /// The answer cached under `key`, if it has not expired by `now`.
    pub fn get(&self, key: &CacheKey, now: Instant) -> Option<Arc<AuthorizerAnswer>> {
        if !self.enabled() {
            return None;
        }
        let mut state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        match state.entries.get(key) {
            Some(entry) if entry.expires_at > now => Some(entry.answer.clone()),
            Some(_) => {
                state.entries.remove(key);
                None
            }
            None => None,
        }
    }

    /// Keeps `answer` under `key` for the TTL from `now`.
    pub fn insert(&self, key: CacheKey, answer: Arc<AuthorizerAnswer>, now: Instant) {
        if !self.enabled() {
            return;
        }
        let mut state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let state = &mut *state;
        // Expired insertions are at the front (one TTL for all).
        while let Some(&(insertion, old_key, expires_at)) = state.order.front() {
            if expires_at > now {
                break;
            }
            state.order.pop_front();
            remove_if_current(&mut state.entries, &old_key, insertion);
        }
        if !state.entries.contains_key(&key) {
            while state.entries.len() >= self.capacity {
                let Some((insertion, old_key, _)) = state.order.pop_front() else { break };
                remove_if_current(&mut state.entries, &old_key, insertion);
            }
        }
        let insertion = state.next_insertion;
        state.next_insertion += 1;
        let expires_at = now + self.ttl;
        state.entries.insert(key, Entry { expires_at, insertion, answer });
        state.order.push_back((insertion, key, expires_at));
        // Replaced entries leave stale insertions behind; keep the queue bounded too.
        if state.order.len() > 2 * self.capacity {
            let entries = &state.entries;
            state.order.retain(|(insertion, key, _)| entries.get(key).is_some_and(|e| e.insertion == *insertion));
        }
    }

    /// How many answers are kept (expired ones included until they are dropped).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.state.lock().unwrap().entries.len()
    }
}

fn remove_if_current(entries: &mut HashMap<CacheKey, Entry>, key: &CacheKey, insertion: u64) {
    if entries.get(key).is_some_and(|entry| entry.insertion == insertion) {
        entries.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn answer(principal: &str) -> Arc<AuthorizerAnswer> {
        Arc::new(
            AuthorizerAnswer::parse(&json!({"principalId": principal, "policyDocument": {"Statement": [
                {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": "*"}]}}))
            .unwrap(),
        )
    }

    #[test]
    fn keys_are_the_exact_values() {
        assert_eq!(CacheKey::of(&["Bearer a"]), CacheKey::of(&["Bearer a"]));
        assert_ne!(CacheKey::of(&["Bearer a"]), CacheKey::of(&["bearer a"]));
        assert_ne!(CacheKey::of(&["Bearer a"]), CacheKey::of(&["Bearer a "]));
        assert_ne!(CacheKey::of(&["ab", "c"]), CacheKey::of(&["a", "bc"]));
    }

    #[test]
    fn an_answer_lives_for_the_ttl_from_its_invocation() {
        let cache = AnswerCache::new(Duration::from_secs(300), 10);
        let t0 = Instant::now();
        let key = CacheKey::of(&["Bearer a"]);
        assert!(cache.get(&key, t0).is_none());
        cache.insert(key, answer("a"), t0);
        assert_eq!(cache.get(&key, t0 + Duration::from_secs(299)).unwrap().principal_id, "a");
        assert!(cache.get(&CacheKey::of(&["Bearer b"]), t0).is_none());
        assert!(cache.get(&key, t0 + Duration::from_secs(300)).is_none());
        assert_eq!(cache.len(), 0, "an expired answer is dropped when looked up");
    }

    #[test]
    fn ttl_zero_keeps_nothing() {
        let cache = AnswerCache::new(Duration::ZERO, 10);
        let key = CacheKey::of(&["Bearer a"]);
        cache.insert(key, answer("a"), Instant::now());
        assert!(!cache.enabled());
        assert!(cache.get(&key, Instant::now()).is_none());
        assert_eq!(cache.len(), 0);
    }

    #[test]
    fn a_full_cache_drops_expired_answers_then_the_oldest() {
        let cache = AnswerCache::new(Duration::from_secs(10), 3);
        let t0 = Instant::now();
        let key = |i: usize| CacheKey::of(&[&format!("Bearer {i}")]);
        cache.insert(key(0), answer("0"), t0);
        cache.insert(key(1), answer("1"), t0 + Duration::from_secs(5));
        cache.insert(key(2), answer("2"), t0 + Duration::from_secs(6));
        // 0 has expired by t0+10: it goes, 1 and 2 stay.
        cache.insert(key(3), answer("3"), t0 + Duration::from_secs(10));
        let now = t0 + Duration::from_secs(10);
        assert!(cache.get(&key(0), now).is_none());
        assert!(cache.get(&key(1), now).is_some() && cache.get(&key(2), now).is_some());
        // Nothing has expired: the oldest (1) goes.
        cache.insert(key(4), answer("4"), now);
        assert!(cache.get(&key(1), now).is_none());
        for i in [2, 3, 4] {
            assert!(cache.get(&key(i), now).is_some(), "{i}");
        }
        assert_eq!(cache.len(), 3);
    }

    #[test]
    fn many_distinct_headers_stay_within_capacity() {
        let cache = AnswerCache::new(Duration::from_secs(300), 100);
        let now = Instant::now();
        for i in 0..10_000 {
            cache.insert(CacheKey::of(&[&format!("Bearer {i}")]), answer("x"), now);
        }
        assert_eq!(cache.len(), 100);
        assert!(cache.state.lock().unwrap().order.len() <= 200);
        // The same header again and again (concurrent misses) does not grow the queue unbounded.
        for _ in 0..10_000 {
            cache.insert(CacheKey::of(&["Bearer same"]), answer("x"), now);
        }
        assert!(cache.len() <= 100);
        assert!(cache.state.lock().unwrap().order.len() <= 200);
    }
}
