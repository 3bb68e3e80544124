//! A TCP proxy on loopback in front of one target (the local emulator, or a JWKS
//! server), which forwards, delays or hangs: how tests make one dependency of a built
//! function slow or dead while the others answer.
//!
//! Point one of the function's endpoints at [`HangingProxy::url`] (for example
//! `AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_COGNITO_IDENTITY`, or a `JWKS_URL` on
//! the proxy's address) and set its [`ProxyMode`]. A hung connection is accepted and
//! read, and never answered, as a dependency that stopped responding mid-request does:
//! the client sees neither an error nor a close, only silence, until its own timeout.
//!
//! The mode is read when a connection is accepted (`Delay`, `Hang`), or on each chunk the
//! client sends (`HangRequestsContaining`), so an SDK's pooled connection already open in
//! `Forward` mode keeps forwarding. Start the function after setting the mode it should
//! meet. Only loopback targets are accepted; the proxy and every connection it holds stop
//! when it is dropped.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// What the proxy does with a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxyMode {
    /// Forward both ways untouched.
    Forward,
    /// Wait this long after accepting, then forward.
    Delay(Duration),
    /// Accept, read everything, never answer.
    Hang,
    /// Forward, until the client sends a request whose bytes contain this marker (an
    /// operation's `X-Amz-Target`, such as `TransactWriteItems`): from then on that
    /// connection hangs. One target's one operation, dead, while its others answer.
    HangRequestsContaining(Vec<u8>),
}

/// The proxy: a listener on `127.0.0.1`, its target and its current mode.
pub struct HangingProxy {
    address: SocketAddr,
    mode: Arc<Mutex<ProxyMode>>,
    accepted: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl HangingProxy {
    /// A proxy in front of `target`, an `http://host:port[/…]` URL on loopback (the
    /// emulator's endpoint), in `mode`. Panics on a target that is not loopback: tests
    /// never send traffic anywhere else.
    pub async fn start(target: &str, mode: ProxyMode) -> HangingProxy {
        let target = loopback_address(target).unwrap_or_else(|why| panic!("proxy target {target:?}: {why}"));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind a loopback port");
        let address = listener.local_addr().expect("the listener's address");
        let mode = Arc::new(Mutex::new(mode));
        let accepted = Arc::new(AtomicUsize::new(0));
        let task = tokio::spawn(accept_loop(listener, target, mode.clone(), accepted.clone()));
        HangingProxy { address, mode, accepted, task }
    }

    /// `http://127.0.0.1:<port>`: the endpoint to give the function instead of the target's.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Changes what new connections (and, for `HangRequestsContaining`, new requests) meet.
    pub fn set_mode(&self, mode: ProxyMode) {
        *self.mode.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = mode;
    }

    /// How many connections the proxy has accepted: whether the function reached it.
    pub fn connections(&self) -> usize {
        self.accepted.load(Ordering::Relaxed)
    }
}

impl Drop for HangingProxy {
    fn drop(&mut self) {
        // The accept loop owns every connection's task (a JoinSet): aborting it ends them all.
        self.task.abort();
    }
}

/// The socket address of an `http://` URL, if it is on loopback.
fn loopback_address(url: &str) -> Result<SocketAddr, &'static str> {
    let rest = url.strip_prefix("http://").ok_or("not an http:// URL")?;
    let authority = rest.split('/').next().unwrap_or_default();
    let authority = authority.replace("localhost", "127.0.0.1");
    let address: SocketAddr = authority.parse().map_err(|_| "expected http://<ip>:<port>")?;
    if address.ip().is_loopback() { Ok(address) } else { Err("not a loopback address") }
}

async fn accept_loop(
    listener: TcpListener,
    target: SocketAddr,
    mode: Arc<Mutex<ProxyMode>>,
    accepted: Arc<AtomicUsize>,
) {
    let mut connections = JoinSet::new();
    loop {
        let Ok((client, _)) = listener.accept().await else { continue };
        accepted.fetch_add(1, Ordering::Relaxed);
        let at_accept = mode.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone();
        connections.spawn(serve(client, target, at_accept, mode.clone()));
        // Reap finished connections so the set does not grow with every request.
        while connections.try_join_next().is_some() {}
    }
}

/// One client connection, as the mode at its acceptance says.
async fn serve(mut client: TcpStream, target: SocketAddr, at_accept: ProxyMode, mode: Arc<Mutex<ProxyMode>>) {
    match at_accept {
        ProxyMode::Hang => return hang(client).await,
        ProxyMode::Delay(delay) => tokio::time::sleep(delay).await,
        ProxyMode::Forward | ProxyMode::HangRequestsContaining(_) => {}
    }
    let Ok(upstream) = TcpStream::connect(target).await else {
        let _ = client.shutdown().await;
        return;
    };
    let (client_read, mut client_write) = client.into_split();
    let (mut upstream_read, upstream_write) = upstream.into_split();
    // Both directions run in this one task, so that aborting it ends the connection.
    let hung = AtomicBool::new(false);
    let requests = forward_requests(client_read, upstream_write, &mode, &hung);
    let answers = async {
        let mut buffer = vec![0_u8; 16 * 1024];
        loop {
            let read = match upstream_read.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(read) => read,
            };
            if hung.load(Ordering::Relaxed) || client_write.write_all(&buffer[..read]).await.is_err() {
                break;
            }
        }
        if hung.load(Ordering::Relaxed) {
            // Silence, not a close: the client's write half stays open.
            std::future::pending::<()>().await;
        }
        let _ = client_write.shutdown().await;
    };
    tokio::join!(requests, answers);
}

/// Copies the client's bytes to the target until the client closes, or until a request
/// carries the mode's marker: then `hung` is set and the connection goes silent.
async fn forward_requests(
    mut client_read: tokio::net::tcp::OwnedReadHalf,
    mut upstream_write: tokio::net::tcp::OwnedWriteHalf,
    mode: &Mutex<ProxyMode>,
    hung: &AtomicBool,
) {
    let mut buffer = vec![0_u8; 16 * 1024];
    // The end of the previous chunk, so a marker split across two reads is still seen.
    let mut tail: Vec<u8> = Vec::new();
    loop {
        let read = match client_read.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(read) => read,
        };
        let chunk = &buffer[..read];
        let marker = match &*mode.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) {
            ProxyMode::HangRequestsContaining(marker) => Some(marker.clone()),
            _ => None,
        };
        if let Some(marker) = marker {
            let mut seen = std::mem::take(&mut tail);
            seen.extend_from_slice(chunk);
            if contains(&seen, &marker) {
                // Nothing more reaches the target, no answer reaches the client.
                hung.store(true, Ordering::Relaxed);
                drop(upstream_write);
                return hang_reader(client_read).await;
            }
            tail = seen[seen.len().saturating_sub(marker.len())..].to_vec();
        }
        if upstream_write.write_all(chunk).await.is_err() {
            break;
        }
    }
    let _ = upstream_write.shutdown().await;
}

/// Reads and drops whatever the client sends, never answering, until it goes away.
async fn hang(client: TcpStream) {
    let (read, _write) = client.into_split();
    hang_reader(read).await;
}

async fn hang_reader(mut read: tokio::net::tcp::OwnedReadHalf) {
    let mut sink = vec![0_u8; 16 * 1024];
    while matches!(read.read(&mut sink).await, Ok(read) if read > 0) {}
    // The client closed; its connection ends with the proxy.
    std::future::pending::<()>().await
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_http_targets_are_accepted() {
        assert_eq!(loopback_address("http://127.0.0.1:5000"), Ok("127.0.0.1:5000".parse().unwrap()));
        assert_eq!(loopback_address("http://localhost:5000/pool/.well-known/jwks.json").unwrap().port(), 5000);
        assert!(loopback_address("http://10.0.0.1:5000").is_err());
        assert!(loopback_address("https://127.0.0.1:5000").is_err());
    }

    #[test]
    fn a_marker_is_found_anywhere_in_the_bytes() {
        assert!(contains(b"X-Amz-Target: DynamoDB_20120810.TransactWriteItems\r\n", b"TransactWriteItems"));
        assert!(!contains(b"DynamoDB_20120810.GetItem", b"TransactWriteItems"));
        assert!(!contains(b"anything", b""));
    }

    async fn echo_server() -> (String, JoinHandle<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            loop {
                let (mut socket, _) = listener.accept().await.unwrap();
                tokio::spawn(async move {
                    let mut buffer = [0_u8; 1024];
                    while let Ok(read) = socket.read(&mut buffer).await {
                        if read == 0 || socket.write_all(&buffer[..read]).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        (url, task)
    }

    async fn round_trip(proxy: &HangingProxy, message: &[u8], wait: Duration) -> Option<Vec<u8>> {
        let mut socket = TcpStream::connect(proxy.address).await.unwrap();
        socket.write_all(message).await.unwrap();
        let mut answer = vec![0_u8; message.len()];
        tokio::time::timeout(wait, socket.read_exact(&mut answer)).await.ok().map(|_| answer)
    }

    #[tokio::test]
    async fn forwards_delays_and_hangs_as_told() {
        let (target, server) = echo_server().await;
        let proxy = HangingProxy::start(&target, ProxyMode::Forward).await;
        let wait = Duration::from_millis(300);
        assert_eq!(round_trip(&proxy, b"hello", wait).await.as_deref(), Some(&b"hello"[..]));

        proxy.set_mode(ProxyMode::Hang);
        assert_eq!(round_trip(&proxy, b"hello", wait).await, None, "accepted, never answered");

        proxy.set_mode(ProxyMode::Delay(Duration::from_millis(150)));
        let started = std::time::Instant::now();
        assert!(round_trip(&proxy, b"late", Duration::from_secs(2)).await.is_some());
        assert!(started.elapsed() >= Duration::from_millis(150));

        proxy.set_mode(ProxyMode::HangRequestsContaining(b"Transact".to_vec()));
        assert!(round_trip(&proxy, b"GetItem", wait).await.is_some(), "other requests pass");
        assert_eq!(round_trip(&proxy, b"TransactWriteItems", wait).await, None);
        assert_eq!(proxy.connections(), 5);
        server.abort();
    }
}
