//! A JWKS source held in memory, for tests: it counts fetches and can be made to fail
//! or hang, so the verifier's key-fetch paths can be driven without a network.

use token_verifier::{FetchError, FetchFuture, JwksFetcher};

/// A JWKS held in memory, for tests,
/// which can count fetches and make the source fail or hang.
#[derive(Default)]
pub struct StaticJwks {
    body: std::sync::Mutex<Vec<u8>>,
    mode: std::sync::Mutex<StaticJwksMode>,
    fetches: std::sync::atomic::AtomicUsize,
}

/// How a [`StaticJwks`] answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StaticJwksMode {
    /// Returns the document.
    #[default]
    Serve,
    /// Fails as an unreachable endpoint would.
    Fail,
    /// Never answers (the caller's timeout decides).
    Hang,
}

impl StaticJwks {
    /// A source serving `body`.
    pub fn new(body: impl Into<Vec<u8>>) -> Self {
        StaticJwks { body: std::sync::Mutex::new(body.into()), ..Default::default() }
    }

    /// Replaces the served document (a key rotation).
    pub fn set_body(&self, body: impl Into<Vec<u8>>) {
        *self.body.lock().unwrap_or_else(|p| p.into_inner()) = body.into();
    }

    /// Changes how the next fetches answer.
    pub fn set_mode(&self, mode: StaticJwksMode) {
        *self.mode.lock().unwrap_or_else(|p| p.into_inner()) = mode;
    }

    /// How many fetches were attempted.
    pub fn fetch_count(&self) -> usize {
        self.fetches.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl JwksFetcher for StaticJwks {
    fn fetch<'a>(&'a self, _url: &'a str) -> FetchFuture<'a> {
        self.fetches.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let mode = *self.mode.lock().unwrap_or_else(|p| p.into_inner());
        let body = self.body.lock().unwrap_or_else(|p| p.into_inner()).clone();
        Box::pin(async move {
            match mode {
                StaticJwksMode::Serve => Ok(body),
                StaticJwksMode::Fail => Err(FetchError::Status(503)),
                StaticJwksMode::Hang => std::future::pending().await,
            }
        })
    }
}
