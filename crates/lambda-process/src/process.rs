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

/// Why a function binary could not be started: the caller (a test, the local gateway's
/// start-up) reports it and stops.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// No loopback port was free for the function's runtime API.
    #[error("cannot open the runtime API on a loopback port: {0}")]
    RuntimeApi(std::io::Error),
    /// The binary could not be spawned (missing, not executable, …).
    #[error("cannot spawn {binary}: {source}")]
    Spawn {
        /// The binary's path.
        binary: String,
        /// What the operating system answered.
        source: std::io::Error,
    },
}

/// Why an invocation has no outcome: the process is gone, or it never answered.
#[derive(Debug, thiserror::Error)]
pub enum InvokeFailure {
    /// The process exited before it answered.
    #[error("the function exited ({status}) before answering; init error: {init_error:?}")]
    Exited {
        /// How it exited.
        status: std::process::ExitStatus,
        /// Its `/init/error` report, if it sent one.
        init_error: Option<String>,
    },
    /// No answer within the wait.
    #[error("the function did not answer within {0:?}")]
    NoAnswer(Duration),
}

/// How long [`LambdaProcess::invoke`] waits for an answer (the runtime API's deadline).
const ANSWER_WAIT: Duration = Duration::from_secs(30);

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
    pub async fn start(binary: &str, env: &[(String, String)]) -> Result<LambdaProcess, StartError> {
        let name = std::path::Path::new(binary).file_name().and_then(|n| n.to_str()).unwrap_or("function").to_owned();
        Self::start_named(binary, &name, env).await
    }

    /// [`Self::start`] with an explicit function name (`AWS_LAMBDA_FUNCTION_NAME`).
    pub async fn start_named(binary: &str, name: &str, env: &[(String, String)]) -> Result<LambdaProcess, StartError> {
        let listener = TcpListener::bind("127.0.0.1:0").await.map_err(StartError::RuntimeApi)?;
        let address = listener.local_addr().map_err(StartError::RuntimeApi)?;
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
        let mut child = match command.spawn() {
            Ok(child) => child,
            Err(source) => {
                server.abort();
                return Err(StartError::Spawn { binary: binary.to_owned(), source });
            }
        };
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
        Ok(LambdaProcess { runtime, child, logs, spawned_at, next_id: Default::default(), server, log_readers })
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

    /// Sends `event` to the function and waits (at most 30 s) for its answer: for tests,
    /// where a function that dies or hangs ends the test with its logs.
    ///
    /// # Panics
    /// When [`Self::try_invoke`] fails, with the function's logs in the message.
    pub async fn invoke(&mut self, event: &Value) -> InvokeOutcome {
        match self.try_invoke(event).await {
            Ok(outcome) => outcome,
            Err(failure) => panic!("{failure}; logs:\n{}", self.logs()),
        }
    }

    /// Sends `event` to the function and waits (at most 30 s) for its answer, or for the
    /// process to exit: the local gateway answers a failure as API Gateway does (502).
    pub async fn try_invoke(&mut self, event: &Value) -> Result<InvokeOutcome, InvokeFailure> {
        self.try_invoke_timed(event).await.map(|(outcome, _)| outcome)
    }

    /// [`Self::try_invoke`], with the time from the function taking the event (its poll of
    /// `/invocation/next` answered) to its answer: the function's own handling time,
    /// without its start-up or a wait for its first poll, which a loaded host stretches.
    pub async fn try_invoke_timed(&mut self, event: &Value) -> Result<(InvokeOutcome, Duration), InvokeFailure> {
        let id = format!("req-{:04}", self.next_id.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        let mut rx = self.runtime.enqueue(id, event.clone());
        let deadline = tokio::time::Instant::now() + ANSWER_WAIT;
        loop {
            tokio::select! {
                answered = &mut rx => {
                    // The runtime API keeps each waiter until the function answers it, and
                    // the process is only dropped with `self`: a closed channel means the
                    // answer can no longer come, as if the process had stopped answering.
                    return answered.map_err(|_| InvokeFailure::NoAnswer(ANSWER_WAIT));
                }
                _ = tokio::time::sleep(Duration::from_millis(50)) => {
                    if let Ok(Some(status)) = self.child.try_wait() {
                        return Err(InvokeFailure::Exited { status, init_error: self.init_error() });
                    }
                    if tokio::time::Instant::now() > deadline {
                        return Err(InvokeFailure::NoAnswer(ANSWER_WAIT));
                    }
                }
            }
        }
    }

    /// [`Self::invoke`] with the function's own handling time (see
    /// [`Self::try_invoke_timed`]), for tests of a deadline that the host's load must not
    /// decide.
    ///
    /// # Panics
    /// As [`Self::invoke`].
    pub async fn invoke_timed(&mut self, event: &Value) -> (InvokeOutcome, Duration) {
        match self.try_invoke_timed(event).await {
            Ok(timed) => timed,
            Err(failure) => panic!("{failure}; logs:\n{}", self.logs()),
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
