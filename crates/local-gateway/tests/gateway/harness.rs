//! The built local gateway as scripts/web-stack.sh starts it: its own binary with
//! `--bin-dir` holding the built link, authorizer and whoami, pointed at one test stack
//! in the local Cognito, answering real HTTP on loopback.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use test_support::local_cognito::{IdentityCredentials, TestStack};
use test_support::scratch_dir::ScratchDir;

use crate::signed_request::sign_for_execute_api;

/// The gateway under test.
const GATEWAY: &str = env!("CARGO_BIN_EXE_local-gateway");
/// The function binaries the gateway runs.
const FUNCTIONS: [&str; 3] = ["link", "authorizer", "whoami"];

/// The built link, authorizer and whoami, by name. Built once per test run with the
/// cargo running the tests, for the whole workspace with its test targets: the feature
/// set `cargo test --workspace` built them with, so nothing is rebuilt (`-p` picks
/// another feature set, which recompiles the dependencies).
fn function_binaries() -> &'static HashMap<String, PathBuf> {
    static BUILT: OnceLock<HashMap<String, PathBuf>> = OnceLock::new();
    BUILT.get_or_init(|| {
        let cargo = option_env!("CARGO").unwrap_or("cargo");
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut command = Command::new(cargo);
        command.current_dir(&root).args([
            "build",
            "--workspace",
            "--bins",
            "--tests",
            "--locked",
            "--message-format=json-render-diagnostics",
        ]);
        let output = command.stderr(Stdio::inherit()).output().unwrap_or_else(|e| panic!("{cargo} build: {e}"));
        assert!(output.status.success(), "building {FUNCTIONS:?} failed");
        let mut built = HashMap::new();
        for line in String::from_utf8_lossy(&output.stdout).lines() {
            let Ok(message) = serde_json::from_str::<Value>(line) else { continue };
            let name = message["target"]["name"].as_str().unwrap_or_default();
            // The functions' bin targets, not their libraries' unit-test executables of the
            // same name.
            if message["reason"] == "compiler-artifact"
                && FUNCTIONS.contains(&name)
                && message["target"]["kind"] == serde_json::json!(["bin"])
                && message["profile"]["test"] == Value::Bool(false)
                && let Some(executable) = message["executable"].as_str()
            {
                built.insert(name.to_owned(), PathBuf::from(executable));
            }
        }
        assert_eq!(built.len(), FUNCTIONS.len(), "cargo named these executables: {built:?}");
        built
    })
}

/// A folder with the function binaries for one gateway, removed when dropped. Hard
/// links: the exact files just built, whatever another build puts in target/ meanwhile
/// (so the folder is in target/, on the same file system).
fn bin_dir() -> ScratchDir {
    let built = function_binaries();
    let target = built["authorizer"].parent().expect("target folder");
    let dir = ScratchDir::inside(&target.join("local-gateway-tests"), "bin");
    for (name, path) in built {
        let link = dir.path().join(name);
        if std::fs::hard_link(path, &link).is_err() {
            std::os::unix::fs::symlink(path, &link).expect("link a function binary");
        }
    }
    dir
}

/// One answer of the gateway.
#[derive(Debug)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Response headers, lower-case names.
    pub headers: HashMap<String, String>,
    /// The body as JSON (`Null` when it is not JSON).
    pub body: Value,
    /// The request's log line.
    pub log_line: String,
}

impl Answer {
    /// How the request used the authorizer, from its log line: `invoked`, `cached`, or
    /// `None` (the authorizer had no part in it).
    pub fn authorizer(&self) -> Option<&str> {
        self.log_line.split(" authorizer=").nth(1)
    }
}

/// The running gateway. Dropping it stops the gateway (and with it its functions) by PID.
pub struct Gateway {
    child: Child,
    /// `http://127.0.0.1:<port>/prod`.
    pub base_url: String,
    stderr: Arc<Mutex<Vec<String>>>,
    requests: usize,
    _bin_dir: ScratchDir,
}

/// How to start a gateway.
#[derive(Default)]
pub struct GatewayOptions {
    /// `--authorizer-cache-ttl` (`None`: the gateway's default).
    pub cache_ttl: Option<u64>,
    /// More environment for the gateway and its functions.
    pub env: Vec<(String, String)>,
}

impl Gateway {
    /// Starts the gateway for `stack` (with an identity directory of its own).
    pub async fn start(stack: &TestStack, options: GatewayOptions) -> Gateway {
        let bin_dir = bin_dir();
        let mut env = stack.function_env_with_directory("gateway").await;
        env.extend(options.env);
        env.push(("RUST_LOG".into(), "info".into()));
        let mut command = Command::new(GATEWAY);
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .arg("--bin-dir")
            .arg(bin_dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(ttl) = options.cache_ttl {
            command.args(["--authorizer-cache-ttl", &ttl.to_string()]);
        }
        let mut child = command.spawn().unwrap_or_else(|e| panic!("spawn {GATEWAY}: {e}"));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        {
            let lines = stderr.clone();
            let pipe = child.stderr.take().expect("stderr");
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    lines.lock().unwrap().push(line);
                }
            });
        }
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let stdout = child.stdout.take().expect("stdout");
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("READY ") {
                    let _ = ready_tx.send(url.to_owned());
                }
            }
        });
        let mut gateway = Gateway { child, base_url: String::new(), stderr, requests: 0, _bin_dir: bin_dir };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(url) = ready_rx.try_recv() {
                gateway.base_url = url;
                return gateway;
            }
            if let Ok(Some(status)) = gateway.child.try_wait() {
                panic!("the gateway exited ({status}):\n{}", gateway.stderr_text());
            }
            assert!(Instant::now() < deadline, "the gateway did not start within 60 s:\n{}", gateway.stderr_text());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Everything the gateway wrote to stderr so far.
    pub fn stderr_text(&self) -> String {
        self.stderr.lock().unwrap().join("\n")
    }

    /// The per-request log lines so far.
    fn request_lines(&self) -> Vec<String> {
        let prefix = "local-gateway: ";
        self.stderr.lock().unwrap().iter().filter(|l| l.starts_with(prefix) && l.contains(" -> ")).cloned().collect()
    }

    /// How many requests invoked the authorizer so far.
    pub fn authorizer_invocations(&self) -> usize {
        self.request_lines().iter().filter(|l| l.ends_with(" authorizer=invoked")).count()
    }

    /// `GET <stage><path>` with this `Authorization` header (none: `None`).
    pub async fn get(&mut self, path: &str, authorization: Option<&str>) -> Answer {
        self.request("GET", path, authorization).await
    }

    /// One request; waits for its log line (requests of a test are sequential).
    pub async fn request(&mut self, method: &str, path: &str, authorization: Option<&str>) -> Answer {
        let mut request = self.request_to(method, path);
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        self.send(request.body(Full::new(Bytes::new())).unwrap()).await
    }

    /// `POST <stage><path>` with a JSON `body`, SigV4-signed for `execute-api` with
    /// identity pool `credentials`, as a browser calls an `AWS_IAM` route.
    pub async fn post_signed(&mut self, path: &str, body: &Value, credentials: &IdentityCredentials) -> Answer {
        let mut request = self
            .request_to("POST", path)
            .header("host", self.base_url.trim_start_matches("http://").split('/').next().unwrap_or_default())
            .header("content-type", "application/json")
            .body(Bytes::from(body.to_string()))
            .unwrap();
        sign_for_execute_api(&mut request, credentials);
        self.send(request.map(Full::new)).await
    }

    fn request_to(&self, method: &str, path: &str) -> hyper::http::request::Builder {
        hyper::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base_url))
            .header("user-agent", "local-gateway-tests")
            .header("origin", "http://localhost:3000")
    }

    async fn send(&mut self, request: hyper::Request<Full<Bytes>>) -> Answer {
        let (method, path) = (request.method().clone(), request.uri().path().to_owned());
        let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
        let response = client.request(request).await.expect("gateway request");
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .filter_map(|(k, v)| v.to_str().ok().map(|v| (k.as_str().to_owned(), v.to_owned())))
            .collect();
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        self.requests += 1;
        let deadline = Instant::now() + Duration::from_secs(5);
        let log_line = loop {
            let lines = self.request_lines();
            if lines.len() >= self.requests {
                break lines[self.requests - 1].clone();
            }
            assert!(Instant::now() < deadline, "no log line for {method} {path}:\n{}", self.stderr_text());
            tokio::time::sleep(Duration::from_millis(10)).await;
        };
        Answer { status, headers, body, log_line }
    }
}

impl Drop for Gateway {
    /// SIGTERM (the gateway then stops its functions), SIGKILL after 5 s.
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
