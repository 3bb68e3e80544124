//! signup, confirm, login (both flows), refresh, token and logout.

use serde_json::json;
use test_support::local_cognito::{LocalCognito, TEST_PASSWORD, unique_name};

use crate::harness::{Cli, claims_of, mode_of};

#[tokio::test]
async fn signup_confirm_admin_then_login_caches_private_tokens() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("cli-signup")).await;
    let cli = Cli::for_stack(&stack);
    let username = "ada";

    let signed_up = cli
        .run_with_stdin(
            &["--json", "signup", "--username", username, "--email", "ada@example.com", "--password-stdin"],
            &format!("{TEST_PASSWORD}\n"),
        )
        .await
        .json();
    assert_eq!(signed_up["username"], json!(username));
    let sub = signed_up["sub"].as_str().expect("a sub").to_owned();
    assert_eq!(sub.len(), 36, "{signed_up}");

    let confirmed = cli.run(&["confirm", "--username", username, "--admin"]).await;
    assert!(confirmed.ok().starts_with("confirmed ada"), "{}", confirmed.stdout);

    let login = cli
        .run_in_env(&["login", "--username", username, "--flow", "password"], "COGNITO_BRIDGE_PASSWORD", TEST_PASSWORD)
        .await;
    let text = login.ok();
    assert!(text.starts_with("signed in as ada\n"), "{text}");
    assert!(text.contains(&format!("sub                 {sub}")), "{text}");
    assert!(text.contains("custom:identity_id  not in the id token yet: run 'cognito-bridge link'"), "{text}");
    assert!(text.contains("id token expires    "), "{text}");

    let file = cli.cache_file(&stack);
    assert_eq!(mode_of(&file), 0o600, "the token cache file is private");
    assert_eq!(mode_of(&cli.cache_dir()), 0o700, "the token cache folder is private");
    let cached = cli.cached(&stack);
    assert_eq!(cached["username"], json!(username));
    assert_eq!(cached["userPoolId"], json!(stack.pool_id));
    let id_token = cached["idToken"].as_str().unwrap();
    assert_eq!(claims_of(id_token)["sub"], json!(sub));
    assert!(cached["refreshToken"].as_str().is_some_and(|t| !t.is_empty()));
    for secret in [id_token, cached["accessToken"].as_str().unwrap(), cached["refreshToken"].as_str().unwrap()] {
        assert!(!login.stdout.contains(secret) && !login.stderr.contains(secret), "a token was printed");
    }
    assert!(!login.stdout.contains(TEST_PASSWORD) && !login.stderr.contains(TEST_PASSWORD));

    let shown = cli
        .run_in_env(
            &["--json", "--show-tokens", "login", "--username", username, "--flow", "password"],
            "COGNITO_BRIDGE_PASSWORD",
            TEST_PASSWORD,
        )
        .await
        .json();
    assert_eq!(shown["sub"], json!(sub));
    assert_eq!(shown["identityIdInToken"], json!(false));
    assert_eq!(shown["idToken"], cli.cached(&stack)["idToken"], "--show-tokens prints the cached id token");
}

#[tokio::test]
async fn a_wrong_password_fails_on_one_line_without_echoing_it() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("cli-badpw")).await;
    let user = stack.create_user("bob").await;
    let cli = Cli::for_stack(&stack);
    let wrong = "Not-The-Password-42";
    let run = cli
        .run_in_env(&["login", "--username", &user.username, "--flow", "password"], "COGNITO_BRIDGE_PASSWORD", wrong)
        .await;
    let line = run.error(1);
    assert_eq!(
        line,
        "error: login failed: NotAuthorizedException: Incorrect username or password.; check the username and password"
    );
    assert!(!run.stderr.contains(wrong));
    assert!(!cli.cache_file(&stack).exists(), "no cache file after a failed login");

    let no_password = cli.run(&["login", "--username", "bob", "--flow", "password"]).await;
    assert_eq!(
        no_password.error(2),
        "error: no password: COGNITO_BRIDGE_PASSWORD is not set; pipe it with --password-stdin or set COGNITO_BRIDGE_PASSWORD"
    );
}

#[tokio::test]
async fn an_unconfirmed_user_is_pointed_to_confirm() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("cli-unconfirmed")).await;
    let cli = Cli::for_stack(&stack);
    let signup = ["signup", "--username", "cyd", "--email", "cyd@example.com", "--password-stdin"];
    let text = cli.run_with_stdin(&signup, TEST_PASSWORD).await;
    assert!(text.ok().contains("cognito-bridge confirm --username cyd --code <code> (or --admin)"), "{}", text.stdout);
    let again = cli.run_with_stdin(&signup, TEST_PASSWORD).await;
    assert!(again.error(1).contains("UsernameExistsException"), "{}", again.stderr);

    let login = cli
        .run_in_env(&["login", "--username", "cyd", "--flow", "password"], "COGNITO_BRIDGE_PASSWORD", TEST_PASSWORD)
        .await;
    let line = login.error(1);
    assert!(line.contains("UserNotConfirmedException"), "{line}");
    assert!(
        line.ends_with("confirm the user with 'cognito-bridge confirm --username cyd --code <code>' (or --admin)"),
        "{line}"
    );
}

#[tokio::test]
async fn refresh_keeps_the_refresh_token_and_shows_custom_identity_id() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("cli-refresh")).await;
    let user = stack.create_user("eve").await;
    let cli = Cli::for_stack(&stack);
    cli.login(&user).await.ok();
    let before = cli.cached(&stack);

    let identity_id = "us-east-1:0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
    stack.set_identity_id(&user.username, identity_id).await;
    // Tokens are issued with one-second timestamps: make sure the new id token differs.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;

    let refreshed = cli.run(&["refresh"]).await;
    let text = refreshed.ok();
    assert!(text.starts_with("refreshed the tokens of eve"), "{text}");
    assert!(text.contains(&format!("custom:identity_id  {identity_id}")), "{text}");
    let after = cli.cached(&stack);
    assert_eq!(after["refreshToken"], before["refreshToken"], "the refresh token is kept");
    assert_ne!(after["idToken"], before["idToken"]);
    assert_eq!(claims_of(after["idToken"].as_str().unwrap())["custom:identity_id"], json!(identity_id));
    assert_eq!(mode_of(&cli.cache_file(&stack)), 0o600);

    let json = cli.run(&["--json", "refresh"]).await.json();
    assert_eq!(json["identityId"], json!(identity_id));
    assert_eq!(json["identityIdInToken"], json!(true));
    assert!(json.get("idToken").is_none(), "no tokens without --show-tokens");
}

#[tokio::test]
async fn token_prints_the_cached_token_and_logout_forgets_it() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("cli-token")).await;
    let user = stack.create_user("fay").await;
    let cli = Cli::for_stack(&stack);
    cli.login(&user).await.ok();
    let cached = cli.cached(&stack);
    assert_eq!(cli.run(&["token"]).await.ok().trim(), cached["idToken"].as_str().unwrap());
    assert_eq!(cli.run(&["token", "--kind", "refresh"]).await.ok().trim(), cached["refreshToken"].as_str().unwrap());

    assert!(cli.run(&["logout"]).await.ok().starts_with("signed out: deleted "));
    assert!(!cli.cache_file(&stack).exists());
    let line = cli.run(&["token"]).await.error(3);
    assert_eq!(
        line,
        format!(
            "error: not signed in: no cached tokens for user pool {} and app client {}; run 'cognito-bridge login --username <name>'",
            stack.pool_id, stack.client_id
        )
    );
}
