//! Fetching a JWKS document over HTTP(S): the only network I/O of the verifier.
//!
//! It uses hyper + rustls (aws-lc-rs), the HTTP/TLS stack the AWS SDK already
//! links, so a Lambda binary carries one TLS stack, not two.

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;

use http_body_util::{BodyExt, Empty, Limited};
use hyper::body::Bytes;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// Largest JWKS body accepted; a Cognito JWKS is about 1 KiB.
pub const MAX_JWKS_BYTES: usize = 64 * 1024;

/// Why a JWKS fetch failed. Never contains response bodies.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// The request did not complete (DNS, connect, TLS, reset).
    #[error("request failed: {0}")]
    Transport(String),
    /// The endpoint answered with a non-200 status.
    #[error("HTTP status {0}")]
    Status(u16),
    /// The body exceeded [`MAX_JWKS_BYTES`].
    #[error("body larger than {MAX_JWKS_BYTES} bytes")]
    TooLarge,
    /// The fetch took longer than the configured timeout.
    #[error("timed out")]
    TimedOut,
}

/// A boxed future, so fetchers can be swapped behind `dyn` (HTTP in production, in-memory in tests).
pub type FetchFuture<'a> = Pin<Box<dyn Future<Output = Result<Vec<u8>, FetchError>> + Send + 'a>>;

/// Where JWKS bytes come from. Implemented by [`HttpJwksFetcher`]; tests plug in their own.
pub trait JwksFetcher: Send + Sync {
    /// Fetches the document at `url`.
    fn fetch<'a>(&'a self, url: &'a str) -> FetchFuture<'a>;
}

type HttpsClient = Client<HttpsConnector<HttpConnector>, Empty<Bytes>>;

/// Fetches JWKS documents with hyper and rustls (native roots; `http://` allowed for local emulators).
///
/// The client is built on the first fetch, not at start-up, so a cold start reads no certificates.
#[derive(Default)]
pub struct HttpJwksFetcher {
    client: OnceLock<Result<HttpsClient, String>>,
}

impl HttpJwksFetcher {
    /// A fetcher with no client built yet.
    pub fn new() -> Self {
        Self::default()
    }

    fn client(&self) -> Result<&HttpsClient, FetchError> {
        self.client
            .get_or_init(|| {
                let connector = hyper_rustls::HttpsConnectorBuilder::new()
                    .with_native_roots()
                    .map_err(|e| format!("no TLS roots: {e}"))?
                    .https_or_http()
                    .enable_http1()
                    .build();
                Ok(Client::builder(TokioExecutor::new()).build(connector))
            })
            .as_ref()
            .map_err(|e| FetchError::Transport(e.clone()))
    }
}

impl JwksFetcher for HttpJwksFetcher {
    fn fetch<'a>(&'a self, url: &'a str) -> FetchFuture<'a> {
        Box::pin(async move {
            let uri: hyper::Uri = url.parse().map_err(|_| FetchError::Transport("invalid JWKS URL".into()))?;
            let request = hyper::Request::get(uri)
                .header(hyper::header::ACCEPT, "application/json")
                .body(Empty::<Bytes>::new())
                .map_err(|e| FetchError::Transport(e.to_string()))?;
            let response = self.client()?.request(request).await.map_err(|e| FetchError::Transport(e.to_string()))?;
            if response.status() != hyper::StatusCode::OK {
                return Err(FetchError::Status(response.status().as_u16()));
            }
            let body = Limited::new(response.into_body(), MAX_JWKS_BYTES).collect().await.map_err(|e| {
                if e.is::<http_body_util::LengthLimitError>() {
                    FetchError::TooLarge
                } else {
                    FetchError::Transport(e.to_string())
                }
            })?;
            Ok(body.to_bytes().to_vec())
        })
    }
}
