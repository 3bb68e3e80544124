//! A JWKS served over HTTP on loopback, for running a built function against keys a test
//! generated (`JWKS_URL`): the verifier fetches it exactly as it fetches a pool's.

use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A running JWKS endpoint; dropping it stops the server.
pub struct JwksServer {
    /// `http://127.0.0.1:<port>/.well-known/jwks.json`.
    pub url: String,
    task: JoinHandle<()>,
}

impl Drop for JwksServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves `jwks` (a JWKS document) to every request on a free loopback port.
pub async fn serve_jwks(jwks: String) -> JwksServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the JWKS server");
    let url = format!("http://{}/.well-known/jwks.json", listener.local_addr().unwrap());
    let jwks = Arc::new(jwks);
    let task = tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let jwks = jwks.clone();
            tokio::spawn(async move {
                // Read the request head (bounded), then answer and close.
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{}",
                    jwks.len(),
                    jwks
                );
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    JwksServer { url, task }
}
