//! An AWS profile whose `credential_process` is `cognito-bridge credentials --format process`,
//! used by a real AWS SDK (boto3, as the AWS CLI uses it): it keeps giving credentials once
//! the id token has expired, for as long as the refresh token is valid, and a refresh token
//! Cognito refuses ends in one line on stderr that says to sign in again.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use test_support::local_cognito::{LocalCognito, TestStack, unique_name};
use test_support::token_forge::now;

use crate::harness::{BINARY, Cli, mode_of};

/// What the SDK does with the profile: resolve credentials, make one S3 call with them, and
/// report what it got, beside what the emulator issued for that access key. A refused
/// credential process is reported as `{"error": …}`, the text the AWS CLI would show.
const BOTO3_SCRIPT: &str = r#"
import json, os, sys, urllib.request
import boto3, botocore.exceptions

session = boto3.Session()
try:
    credentials = session.get_credentials()
    frozen = credentials.get_frozen_credentials()
except botocore.exceptions.CredentialRetrievalError as error:
    print(json.dumps({"error": str(error)}))
    sys.exit(0)
session.client("s3").list_buckets()
endpoint = os.environ["AWS_ENDPOINT_URL"]
with urllib.request.urlopen(f"{endpoint}/_emulator/credentials/{frozen.access_key}") as answer:
    issued = json.load(answer)
print(json.dumps({
    "method": credentials.method,
    "accessKeyId": frozen.access_key,
    "expiry": int(credentials._expiry_time.timestamp()),
    "issued": issued,
}))
"#;

/// The payload of a JWT, every claim kept.
fn payload_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("JSON claims")
}

/// Makes the cached session what it is an hour after sign-in: the id and access tokens
/// Cognito issued, expired two minutes ago (the same claims with an earlier `iat`, `auth_time`
/// and `exp`, signed with the pool's key), and the refresh token Cognito issued, still valid.
/// Returns the cache file as written.
async fn expire_cached_tokens(cli: &Cli, stack: &TestStack) -> Value {
    let mut cached = cli.cached(stack);
    let expired_at = now() - 120;
    for key in ["idToken", "accessToken"] {
        let mut claims = payload_of(cached[key].as_str().unwrap());
        claims["iat"] = json!(expired_at - 3600);
        claims["auth_time"] = json!(expired_at - 3600);
        claims["exp"] = json!(expired_at);
        cached[key] = json!(stack.cognito.sign_with_pool_key(&claims).await);
    }
    cached["expiresAt"] = json!(expired_at);
    std::fs::write(cli.cache_file(stack), cached.to_string()).unwrap();
    cached
}

/// Runs [`BOTO3_SCRIPT`] with an AWS config file whose only profile uses the CLI as its
/// credential process, in the CLI's environment minus its admin keys (so that nothing but the
/// profile can give credentials).
async fn boto3_with_profile(cli: &Cli) -> Value {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let config = cli.scratch_dir().join("aws-config");
    std::fs::write(
        &config,
        format!(
            "[profile bridge]\nregion = us-east-1\ncredential_process = \"{BINARY}\" credentials --format process\n"
        ),
    )
    .unwrap();
    let mut command = tokio::process::Command::new(root.join(".venv/bin/python"));
    command
        .args(["-c", BOTO3_SCRIPT])
        .env_clear()
        .envs(cli.env_vars())
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", cli.scratch_dir().join("no-credentials-file"))
        .env("AWS_PROFILE", "bridge")
        .stdin(Stdio::null())
        .kill_on_drop(true);
    let output = tokio::time::timeout(Duration::from_secs(90), command.output())
        .await
        .expect("boto3 finished within 90 s")
        .expect("run .venv/bin/python");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "boto3 failed ({}):\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("boto3's report is not JSON ({e}): {stdout}"))
}

/// The files in `dir`.
fn files_in(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir).unwrap().map(|entry| entry.unwrap().path()).collect()
}

#[tokio::test]
async fn a_profile_keeps_giving_credentials_after_the_id_token_expires() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("cli-process")).await;
    let user = stack.create_user("kim").await;
    let cli = Cli::for_stack(&stack);
    cli.login(&user).await.ok();
    let expired = expire_cached_tokens(&cli, &stack).await;
    // Other commands still stop at an expired id token and ask for an explicit refresh.
    let line = cli.run(&["credentials", "--format", "json"]).await.error(3);
    assert!(line.starts_with(&format!("error: session expired: the cached id token of {}", user.username)), "{line}");

    let answer = boto3_with_profile(&cli).await;
    assert_eq!(answer["method"], "custom-process", "{answer}");
    assert!(answer["accessKeyId"].as_str().is_some_and(|key| key.starts_with("ASIA")), "{answer}");

    // The credential process refreshed the tokens and cached them in place of the old ones.
    let cached = cli.cached(&stack);
    assert_ne!(cached["idToken"], expired["idToken"]);
    assert_ne!(cached["accessToken"], expired["accessToken"]);
    assert_eq!(cached["refreshToken"], expired["refreshToken"], "the refresh token is kept");
    let id_token = cached["idToken"].as_str().unwrap();
    let expires_at = payload_of(id_token)["exp"].as_u64().unwrap();
    assert!(expires_at > now() + 600, "a fresh id token: exp {expires_at}");
    assert_eq!(cached["expiresAt"], json!(expires_at));
    assert_eq!(mode_of(&cli.cache_file(&stack)), 0o600);
    assert_eq!(files_in(&cli.cache_dir()), vec![cli.cache_file(&stack)], "no temporary file left");

    // The credentials are the user's identity's, and the SDK comes back when they expire.
    let identity_id = stack.get_id(id_token).await.unwrap();
    assert_eq!(answer["issued"]["identityId"], json!(identity_id), "{answer}");
    assert_eq!(answer["expiry"], answer["issued"]["expiration"], "Expiration is the credentials' own: {answer}");

    // The refreshed session serves the other commands too.
    cli.run(&["credentials", "--format", "json"]).await.ok();
}

#[tokio::test]
async fn a_revoked_refresh_token_asks_to_sign_in_again_in_one_line() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("cli-process-revoked")).await;
    let user = stack.create_user("lou").await;
    let cli = Cli::for_stack(&stack);
    cli.login(&user).await.ok();
    stack
        .cognito
        .idp()
        .admin_user_global_sign_out()
        .user_pool_id(&stack.pool_id)
        .username(&user.username)
        .send()
        .await
        .expect("AdminUserGlobalSignOut");
    let expired = expire_cached_tokens(&cli, &stack).await;

    let run = cli.run(&["credentials", "--format", "process"]).await;
    let line = run.error(3);
    assert!(
        line.starts_with("error: refresh failed: Cognito refused the refresh token (NotAuthorizedException: "),
        "{line}"
    );
    assert!(
        line.ends_with(&format!("; run 'cognito-bridge login --username {}' to sign in again", user.username)),
        "{line}"
    );
    for key in ["idToken", "accessToken", "refreshToken"] {
        assert!(!run.stderr.contains(expired[key].as_str().unwrap()), "no {key} on stderr: {}", run.stderr);
    }
    assert_eq!(cli.cached(&stack), expired, "the cache is left as it was");

    // What the AWS CLI shows: its own prefix, then the CLI's one line.
    let answer = boto3_with_profile(&cli).await;
    let error = answer["error"].as_str().unwrap_or_else(|| panic!("boto3 got no credentials: {answer}"));
    assert!(error.contains(line.as_str()), "{error}");
}
