//! Running the built `cognito-bridge` binary as a user would: a clean
//! environment pointing at one test stack in the local Cognito, a private
//! HOME and token cache folder, stdin when a password is piped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use test_support::local_cognito::{REGION, TestStack, TestUser};
use test_support::scratch_dir::ScratchDir;
use tokio::io::AsyncWriteExt;

/// The binary under test.
pub const BINARY: &str = env!("CARGO_BIN_EXE_cognito-bridge");

/// What one run printed and how it ended.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts success and returns stdout.
    #[track_caller]
    pub fn ok(&self) -> &str {
        assert_eq!(self.code, 0, "expected success; stderr: {}\nstdout: {}", self.stderr, self.stdout);
        &self.stdout
    }

    /// Asserts success and parses stdout as JSON.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(self.ok()).unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", self.stdout))
    }

    /// Asserts the exit code, an empty stdout and exactly one `error: …` line on stderr; returns the line.
    #[track_caller]
    pub fn error(&self, code: i32) -> String {
        assert_eq!(self.code, code, "exit code; stderr: {}\nstdout: {}", self.stderr, self.stdout);
        assert_eq!(self.stdout, "", "nothing on stdout when failing");
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "one error line, got: {:?}", self.stderr);
        assert!(lines[0].starts_with("error: "), "{}", lines[0]);
        lines[0].to_owned()
    }
}

/// The CLI with its environment.
pub struct Cli {
    env: BTreeMap<String, String>,
    scratch: ScratchDir,
}

impl Cli {
    /// No settings at all: only PATH, a private HOME and the token cache folder.
    pub fn bare() -> Self {
        let scratch = ScratchDir::new("cognito-bridge-cli-test");
        let mut env = BTreeMap::new();
        env.insert("PATH".into(), std::env::var("PATH").unwrap_or_default());
        env.insert("HOME".into(), scratch.path().join("home").display().to_string());
        env.insert("COGNITO_BRIDGE_TOKEN_CACHE".into(), scratch.path().join("cache").display().to_string());
        env.insert("AWS_EC2_METADATA_DISABLED".into(), "true".into());
        Cli { env, scratch }
    }

    /// Pointing at `stack` in the local Cognito, with dummy admin credentials.
    pub fn for_stack(stack: &TestStack) -> Self {
        Cli::bare()
            .with("AWS_ENDPOINT_URL", &stack.cognito.endpoint)
            .with("AWS_REGION", REGION)
            .with("AWS_ACCESS_KEY_ID", "testing")
            .with("AWS_SECRET_ACCESS_KEY", "testing")
            .with("COGNITO_BRIDGE_USER_POOL_ID", &stack.pool_id)
            .with("COGNITO_BRIDGE_CLIENT_ID", &stack.client_id)
            .with("COGNITO_BRIDGE_IDENTITY_POOL_ID", &stack.identity_pool_id)
    }

    /// Sets a variable.
    pub fn with(mut self, name: &str, value: &str) -> Self {
        self.env.insert(name.into(), value.into());
        self
    }

    /// Removes a variable.
    pub fn without(mut self, name: &str) -> Self {
        self.env.remove(name);
        self
    }

    /// The environment every run gets (what a program that starts the CLI passes on).
    pub fn env_vars(&self) -> &BTreeMap<String, String> {
        &self.env
    }

    /// The scratch folder of this CLI's HOME and token cache, for a test's own files.
    pub fn scratch_dir(&self) -> &Path {
        self.scratch.path()
    }

    /// The token cache folder.
    pub fn cache_dir(&self) -> PathBuf {
        self.scratch.path().join("cache")
    }

    /// The cache file of `stack`'s pool and client.
    pub fn cache_file(&self, stack: &TestStack) -> PathBuf {
        self.cache_dir().join(format!("tokens-{}-{}.json", stack.pool_id, stack.client_id))
    }

    /// The cached tokens of `stack`, parsed.
    pub fn cached(&self, stack: &TestStack) -> Value {
        let text = std::fs::read_to_string(self.cache_file(stack)).expect("a cache file");
        serde_json::from_str(&text).unwrap()
    }

    /// Runs the binary with `args`.
    pub async fn run(&self, args: &[&str]) -> Run {
        self.run_full(args, None, &[]).await
    }

    /// Runs the binary with `args`, `stdin` piped in.
    pub async fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Run {
        self.run_full(args, Some(stdin), &[]).await
    }

    /// Runs with one more variable set for this run only.
    pub async fn run_in_env(&self, args: &[&str], name: &str, value: &str) -> Run {
        self.run_full(args, None, &[(name, value)]).await
    }

    /// `login --flow password` with the password from the environment.
    pub async fn login(&self, user: &TestUser) -> Run {
        let args = ["login", "--username", &user.username, "--flow", "password"];
        self.run_in_env(&args, "COGNITO_BRIDGE_PASSWORD", &user.password).await
    }

    async fn run_full(&self, args: &[&str], stdin: Option<&str>, extra_env: &[(&str, &str)]) -> Run {
        let mut command = tokio::process::Command::new(BINARY);
        command
            .args(args)
            .env_clear()
            .envs(&self.env)
            .envs(extra_env.iter().copied())
            .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn().expect("spawn cognito-bridge");
        if let Some(text) = stdin {
            let mut pipe = child.stdin.take().unwrap();
            pipe.write_all(text.as_bytes()).await.unwrap();
            drop(pipe);
        }
        let output = tokio::time::timeout(Duration::from_secs(90), child.wait_with_output())
            .await
            .unwrap_or_else(|_| panic!("cognito-bridge {args:?} did not finish within 90 s"))
            .unwrap();
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// The claims of a JWT (no verification: the test only reads them), with the verifier's decoder.
pub fn claims_of(token: &str) -> Value {
    serde_json::to_value(token_verifier::decode_unverified_claims(token).expect("a Cognito JWT")).unwrap()
}

/// The permission bits of a file or folder.
pub fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// A loopback port nothing listens on.
pub async fn closed_port() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    port
}
