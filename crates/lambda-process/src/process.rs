//! A built Lambda binary as a child process with the variables the Lambda service sets,
//! its runtime API on a free loopback port, and its stdout and stderr kept as its logs.

use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;
use tokio::process::{Child, Command};

use crate::runtime_api::{InvokeOutcome, Runtime, serve};

/// A Lambda binary running under the local runtime API. Dropping it kills the process.
pub struct LambdaProcess {
    runtime: Arc<Runtime>,
    child: Child,
    logs: Arc<Mutex<Vec<u8>>>,
    spawned_at: Instant,
    next_id: std::sync::atomic::AtomicU64,
    server: tokio::task::JoinHandle<()>,
    /// The tasks copying stdout and stderr into `logs`: done once the process has exited
    /// and its pipes are drained.
    log_readers: Vec<tokio::task::JoinHandle<()>>,
}

impl LambdaProcess {
    /// Starts the runtime API on a free loopback port and spawns `binary` with `env`
    /// plus the variables the Lambda service sets.
    pub async fn start(binary: &str, env: &[(String, String)]) -> LambdaProcess {
        let name = std::path::Path::new(binary).file_name().and_then(|n| n.to_str()).unwrap_or("function").to_owned();
        Self::start_named(binary, &name, env).await
    }

    /// [`Self::start`] with an explicit function name (`AWS_LAMBDA_FUNCTION_NAME`).
    pub async fn start_named(binary: &str, name: &str, env: &[(String, String)]) -> LambdaProcess {
        // A local tool for tests and the local gateway: with no free loopback port there is
        // nothing to run the function on, and the caller (a test or the gateway's start-up)
        // stops with this message.
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind runtime API");
        let address = listener.local_addr().expect("a bound listener has an address");
        let runtime = Runtime::new();
        let server = tokio::spawn(serve(listener, runtime.clone()));

        let mut command = Command::new(binary);
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", name)
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "2026/11/23/[$LATEST]local")
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let spawned_at = Instant::now();
        let mut child = command.spawn().unwrap_or_else(|e| panic!("spawn {binary}: {e}"));
        let logs = Arc::new(Mutex::new(Vec::new()));
        let mut log_readers = Vec::new();
        for stream in [child.stdout.take().map(Either::Out), child.stderr.take().map(Either::Err)].into_iter().flatten()
        {
            let logs = logs.clone();
            log_readers.push(tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let mut stream = stream;
                loop {
                    let read = match &mut stream {
                        Either::Out(s) => s.read(&mut buf).await,
                        Either::Err(s) => s.read(&mut buf).await,
                    };
                    match read {
                        Ok(0) | Err(_) => break,
                        Ok(n) => {
                            logs.lock().unwrap_or_else(std::sync::PoisonError::into_inner).extend_from_slice(&buf[..n])
                        }
                    }
                }
            }));
        }
        LambdaProcess { runtime, child, logs, spawned_at, next_id: Default::default(), server, log_readers }
    }

    /// The process's peak resident set size (`VmHWM`) in KiB, as Linux reports it in
    /// `/proc/<pid>/status`: the figure Lambda's memory limit is held against. `None` once
    /// the process is gone, or off Linux.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        let pid = self.child.id()?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    }

    /// Sends `event` to the function and waits (at most 30 s) for its answer.
    pub async fn invoke(&mut self, event: &Value) -> InvokeOutcome {
        let id = format!("req-{:04}", self.next_id.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        let mut rx = self.runtime.enqueue(id, event.clone());
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            // Fires only if the runtime API drops a queued invocation without an answer: a
            // defect of this test tool, not of the function's input, and the test stops here.
            tokio::select! {
                outcome = &mut rx => return outcome.expect("runtime API dropped the invocation"),
                _ = tokio::time::sleep(Duration::from_millis(50)) => {
                    if let Ok(Some(status)) = self.child.try_wait() {
                        panic!("the function exited ({status}) before answering; init error: {:?}; logs:\n{}", self.init_error(), self.logs());
                    }
                    if tokio::time::Instant::now() > deadline {
                        panic!("the function did not answer within 30 s; logs:\n{}", self.logs());
                    }
                }
            }
        }
    }

    /// Everything the process wrote to stdout and stderr so far.
    pub fn logs(&self) -> String {
        String::from_utf8_lossy(&self.logs.lock().unwrap_or_else(std::sync::PoisonError::into_inner)).into_owned()
    }

    /// Time from spawning the process to its first poll of the runtime API, once it polled.
    pub fn time_to_first_poll(&self) -> Option<Duration> {
        self.runtime.first_poll().map(|t| t.duration_since(self.spawned_at))
    }

    /// Time since the process was spawned.
    pub fn since_spawn(&self) -> Duration {
        self.spawned_at.elapsed()
    }

    /// The body of an `/init/error` report, if the function failed to start.
    pub fn init_error(&self) -> Option<String> {
        self.runtime.init_error()
    }

    /// Waits for the process to exit by itself (e.g. after a configuration error) and returns its code.
    pub async fn wait_for_exit(&mut self, timeout: Duration) -> Option<i32> {
        let code =
            tokio::time::timeout(timeout, self.child.wait()).await.ok().and_then(|s| s.ok()).and_then(|s| s.code());
        if code.is_some() {
            // The process is gone: what it wrote is all in the pipes, so [`Self::logs`] has
            // it all once the readers reach their end.
            for reader in self.log_readers.drain(..) {
                let _ = tokio::time::timeout(Duration::from_secs(5), reader).await;
            }
        }
        code
    }
}

impl Drop for LambdaProcess {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
        self.server.abort();
    }
}

enum Either {
    Out(tokio::process::ChildStdout),
    Err(tokio::process::ChildStderr),
}
