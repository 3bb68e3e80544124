//! No session, an expired one, a garbage cache, tokens Cognito refuses: exit code 3
//! and a line that says to sign in (again).

use serde_json::{Value, json};
use test_support::local_cognito::{LocalCognito, REGION, TestStack, unique_name};
use test_support::token_forge::{TestKey, id_token_claims, now};

use crate::harness::Cli;

/// Writes a cache file for `stack` holding `id_token` (and a refresh token that Cognito never issued).
fn write_cache(cli: &Cli, stack: &TestStack, id_token: &str) {
    std::fs::create_dir_all(cli.cache_dir()).unwrap();
    let cached = json!({
        "userPoolId": stack.pool_id,
        "clientId": stack.client_id,
        "username": "ivy",
        "idToken": id_token,
        "accessToken": "x.y.z",
        "refreshToken": "not-a-refresh-token",
        "expiresAt": now() + 3600,
    });
    std::fs::write(cli.cache_file(stack), cached.to_string()).unwrap();
}

#[tokio::test]
async fn no_cached_tokens_means_not_signed_in() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("cli-nosession")).await;
    let cli = Cli::for_stack(&stack);
    for command in [&["credentials"][..], &["refresh"], &["token"]] {
        let line = cli.run(command).await.error(3);
        assert_eq!(
            line,
            format!(
                "error: not signed in: no cached tokens for user pool {} and app client {}; run 'cognito-bridge login --username <name>'",
                stack.pool_id, stack.client_id
            ),
            "{command:?}"
        );
    }
}

#[tokio::test]
async fn an_expired_cached_id_token_asks_for_refresh() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("cli-expired")).await;
    let mut claims = id_token_claims(REGION, &stack.pool_id, &stack.client_id, "3f1e9c2a-5b6d-4e7f-8a9b-0c1d2e3f4a5b");
    claims["exp"] = json!(1_700_000_000u64);
    claims["cognito:username"] = json!("ivy");
    let expired = stack.cognito.sign_with_pool_key(&claims).await;
    let cli = Cli::for_stack(&stack);
    write_cache(&cli, &stack, &expired);

    let line = cli.run(&["credentials"]).await.error(3);
    assert_eq!(
        line,
        "error: session expired: the cached id token of ivy expired at 2023-11-14T22:13:20Z; \
         run 'cognito-bridge refresh' (or 'cognito-bridge login --username ivy')"
    );
    assert!(!line.contains(&expired));
    // The refresh token in this cache was never issued: Cognito refuses it, still exit 3.
    let refresh = cli.run(&["refresh"]).await.error(3);
    assert!(
        refresh.starts_with("error: refresh failed: Cognito refused the refresh token (NotAuthorizedException"),
        "{refresh}"
    );
    assert!(refresh.ends_with("run 'cognito-bridge login --username ivy' to sign in again"), "{refresh}");
    assert!(!refresh.contains("not-a-refresh-token"));
}

#[tokio::test]
async fn a_garbage_cache_is_a_clear_session_error() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("cli-garbage")).await;
    let cli = Cli::for_stack(&stack);
    write_cache(&cli, &stack, "garbage");
    let line = cli.run(&["credentials"]).await.error(3);
    let path = cli.cache_file(&stack).display().to_string();
    assert_eq!(
        line,
        format!(
            "error: not signed in: the token cache {path} is unusable (the cached id token is unreadable: malformed \
             token: expected three dot-separated parts); run 'cognito-bridge login --username <name>' to replace it"
        )
    );

    std::fs::write(cli.cache_file(&stack), "{not json").unwrap();
    let line = cli.run(&["whoami", "--api-url", "http://127.0.0.1:9/Prod"]).await.error(3);
    assert!(
        line.starts_with(&format!(
            "error: not signed in: the token cache {path} is unusable (not a token cache file: "
        )),
        "{line}"
    );
}

#[tokio::test]
async fn a_token_cognito_refuses_is_a_session_error() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("cli-forged")).await;
    // Well-formed and unexpired, but signed with a key that is not the pool's.
    let mut claims = id_token_claims(REGION, &stack.pool_id, &stack.client_id, "3f1e9c2a-5b6d-4e7f-8a9b-0c1d2e3f4a5b");
    claims["cognito:username"] = Value::from("ivy");
    let forged = TestKey::generate("dummy").sign(&claims);
    let cli = Cli::for_stack(&stack);
    write_cache(&cli, &stack, &forged);
    let line = cli.run(&["credentials"]).await.error(3);
    assert!(
        line.starts_with("error: GetId failed: Cognito refused the cached id token (NotAuthorizedException: "),
        "{line}"
    );
    assert!(line.ends_with("; run 'cognito-bridge login --username ivy' to sign in again"), "{line}");
}
