//! The pool's keys held in memory, refetched only when a token names an
//! unknown `kid`, and then at most once per interval.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::error::VerifyError;
use crate::jwks_fetch::{FetchError, JwksFetcher};
use crate::key_set::{KeySet, VerifyingKey};

#[derive(Default)]
struct RefreshState {
    last_attempt: Option<Instant>,
    last_error: Option<String>,
}

/// Cached JWKS with a fetch throttle.
///
/// Readers take a read lock for a map lookup and never wait on the network.
/// A miss serialises on `refresh`: one fetch at a time, bounded by `fetch_timeout`,
/// and none if the previous attempt was less than `min_refetch_interval` ago.
/// A failed fetch keeps the old keys.
pub(crate) struct JwksCache {
    url: String,
    fetcher: Arc<dyn JwksFetcher>,
    keys: RwLock<Arc<KeySet>>,
    refresh: Mutex<RefreshState>,
    min_refetch_interval: Duration,
    fetch_timeout: Duration,
    generation: AtomicU64,
}

impl JwksCache {
    pub(crate) fn new(
        url: String,
        fetcher: Arc<dyn JwksFetcher>,
        min_refetch_interval: Duration,
        fetch_timeout: Duration,
    ) -> Self {
        JwksCache {
            url,
            fetcher,
            keys: RwLock::new(Arc::new(KeySet::default())),
            refresh: Mutex::new(RefreshState::default()),
            min_refetch_interval,
            fetch_timeout,
            generation: AtomicU64::new(0),
        }
    }

    /// The key for `kid` if it is already cached; never fetches.
    pub(crate) fn cached(&self, kid: &str) -> Option<Arc<VerifyingKey>> {
        let keys = self.keys.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        keys.get(kid).cloned()
    }

    /// Bumped each time a fetch brings a key set different from the cached one.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The key for `kid`, fetching the JWKS if the throttle allows.
    pub(crate) async fn key(&self, kid: &str) -> Result<Arc<VerifyingKey>, VerifyError> {
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        let mut state = self.refresh.lock().await;
        // Another request may have fetched while this one waited.
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        let now = Instant::now();
        let throttled = state.last_attempt.is_some_and(|last| now.duration_since(last) < self.min_refetch_interval);
        if !throttled {
            state.last_attempt = Some(now);
            state.last_error = self.refetch().await.err();
        }
        if let Some(key) = self.cached(kid) {
            return Ok(key);
        }
        Err(match &state.last_error {
            Some(reason) => VerifyError::JwksUnavailable(reason.clone()),
            None => VerifyError::UnknownKey(crate::compact::truncate(kid)),
        })
    }

    async fn refetch(&self) -> Result<(), String> {
        let fetched = tokio::time::timeout(self.fetch_timeout, self.fetcher.fetch(&self.url))
            .await
            .unwrap_or(Err(FetchError::TimedOut));
        let body = fetched.map_err(|e| {
            tracing::warn!(error = %e, "JWKS fetch failed; keeping cached keys");
            e.to_string()
        })?;
        let fresh = KeySet::from_jwks_json(&body).map_err(|e| {
            tracing::warn!(error = %e, "JWKS unusable; keeping cached keys");
            e.to_string()
        })?;
        let mut keys = self.keys.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        if !keys.same_keys_as(&fresh) {
            tracing::info!(keys = fresh.len(), "loaded user pool JWKS");
            *keys = Arc::new(fresh);
            self.generation.fetch_add(1, Ordering::AcqRel);
        }
        Ok(())
    }
}
