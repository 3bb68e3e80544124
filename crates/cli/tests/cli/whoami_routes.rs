//! `whoami --access-token` and `--route` against the in-test API: which token goes into
//! `Authorization`, which route is called, and a gateway's 403 on a route whose scope or
//! group the token lacks, as one line with exit code 1.

use serde_json::json;
use test_support::local_cognito::{LocalCognito, REGION, TestStack, TestUser, unique_name};
use test_support::token_forge::{id_token_claims, now};

use crate::harness::Cli;
use crate::mock_api::{ADMIN_ROUTE_GROUP, MockApi, SCOPED_ROUTE_SCOPE};

/// A stack, a signed-in user and the API, with the CLI pointing at its `Prod` stage.
async fn signed_in(prefix: &str, username: &str) -> (TestStack, TestUser, MockApi, Cli) {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name(prefix)).await;
    let user = stack.create_user(username).await;
    let api = MockApi::start(&stack).await;
    let cli = Cli::for_stack(&stack).with("COGNITO_BRIDGE_API_URL", &format!("{}/Prod", api.base_url));
    cli.login(&user).await.ok();
    (stack, user, api, cli)
}

/// `(method, path, authorization)` of the API's last request.
fn last_request(api: &MockApi) -> (String, String, String) {
    let request = api.requests().pop().expect("the API was called");
    let authorization = request.headers.get("authorization").cloned().unwrap_or_default();
    (request.method, request.path, authorization)
}

#[tokio::test]
async fn access_token_is_sent_instead_of_the_id_token() {
    let (stack, user, api, cli) = signed_in("cli-whoami-access", "ada").await;
    let cached = cli.cached(&stack);
    let (id_token, access_token) = (cached["idToken"].as_str().unwrap(), cached["accessToken"].as_str().unwrap());
    assert_ne!(id_token, access_token);

    let json = cli.run(&["--json", "whoami", "--access-token"]).await.json();
    assert_eq!(last_request(&api), ("GET".into(), "/Prod/whoami".into(), access_token.to_owned()));
    assert_eq!(json["sub"], json!(user.sub));
    assert_eq!(json["tokenUse"], json!("access"), "the API saw the access token: {json}");
    assert_eq!(json["userPoolId"], json!(stack.pool_id));
    assert!(json["scopes"].as_array().unwrap().contains(&json!(SCOPED_ROUTE_SCOPE)), "{json}");

    let text = cli.run(&["whoami", "--access-token"]).await;
    let text = text.ok();
    assert!(text.starts_with("the API sees ada\n"), "{text}");
    assert!(text.contains("\n  token use    access\n"), "{text}");
    assert!(text.contains(&format!("\n  scopes       {SCOPED_ROUTE_SCOPE}\n")), "{text}");
    assert!(text.contains(&format!("\n  user pool    {}\n", stack.pool_id)), "{text}");
    assert!(text.ends_with("\n  route        GET /whoami with the access token\n"), "{text}");
    assert!(!text.contains(access_token) && !text.contains(id_token), "no token is printed");

    // Without the flag: the id token, as before.
    let json = cli.run(&["--json", "whoami"]).await.json();
    assert_eq!(last_request(&api).2, id_token);
    assert_eq!(json["tokenUse"], json!("id"));
}

#[tokio::test]
async fn route_picks_the_path_below_the_api_url() {
    let (stack, _user, api, cli) = signed_in("cli-whoami-route", "bo").await;
    let access_token = cli.cached(&stack)["accessToken"].as_str().unwrap().to_owned();

    let json = cli.run(&["--json", "whoami", "--access-token", "--route", "/scoped/whoami"]).await.json();
    assert_eq!(last_request(&api), ("GET".into(), "/Prod/scoped/whoami".into(), access_token));
    assert_eq!(json["tokenUse"], json!("access"));
    let text = cli.run(&["whoami", "--access-token", "--route", "/scoped/whoami"]).await;
    assert!(text.ok().ends_with("\n  route        GET /scoped/whoami with the access token\n"), "{}", text.stdout);

    // A route the API does not have: the answer names it, exit 1.
    let line = cli.run(&["whoami", "--route", "/nope/whoami"]).await.error(1);
    assert_eq!(
        line,
        "error: whoami failed: the API answered 404: Not Found; the API has no route GET /nope/whoami at this URL: \
         pass another --route or check --api-url (COGNITO_BRIDGE_API_URL), stage included"
    );
    assert_eq!(last_request(&api).1, "/Prod/nope/whoami");

    // Not a path: a usage error before any request.
    let requests = api.requests().len();
    for bad in ["scoped/whoami", "/scoped/whoami?x=1", "/../link"] {
        let run = cli.run(&["whoami", "--route", bad]).await;
        assert_eq!(run.code, 2, "{bad}: {run:?}");
        assert!(run.stderr.contains("is not a route path"), "{bad}: {}", run.stderr);
    }
    let run = cli.run(&["whoami", "--iam", "--access-token"]).await;
    assert_eq!(run.code, 2, "--iam signs with SigV4 and sends no token: {run:?}");
    assert_eq!(api.requests().len(), requests, "nothing was sent");
}

#[tokio::test]
async fn a_gateway_403_says_the_token_lacks_the_routes_scope_or_group() {
    let (stack, user, api, cli) = signed_in("cli-whoami-403", "cy").await;
    let cached = cli.cached(&stack);
    let tokens = [cached["idToken"].as_str().unwrap().to_owned(), cached["accessToken"].as_str().unwrap().to_owned()];

    // The id token carries no scopes.
    let scoped = cli.run(&["whoami", "--route", "/scoped/whoami"]).await.error(1);
    assert_eq!(
        scoped,
        "error: whoami failed: the API refused this id token on GET /scoped/whoami (403): the token lacks the route's \
         scope or group, or its custom:identity_id is not the directory's; id tokens carry no OAuth scopes: a route that requires one needs --access-token; an API \
         that requires linked users refuses this one until 'cognito-bridge link'"
    );
    assert_eq!(last_request(&api).1, "/Prod/scoped/whoami");

    // The user is in no group yet.
    let admin = cli.run(&["whoami", "--access-token", "--route", "/admin/whoami"]).await.error(1);
    assert_eq!(
        admin,
        "error: whoami failed: the API refused this access token on GET /admin/whoami (403): the token lacks the \
         route's scope or group, or its custom:identity_id is not the directory's; after a change to the user's groups or scopes, run 'cognito-bridge refresh'; an \
         API that requires linked users refuses this one until 'cognito-bridge link'"
    );
    assert_eq!(last_request(&api), ("GET".into(), "/Prod/admin/whoami".into(), tokens[1].clone()));
    let json = cli.run(&["--json", "whoami", "--access-token", "--route", "/admin/whoami"]).await;
    assert_eq!(json.code, 1, "--json changes stdout only: {json:?}");
    for line in [&scoped, &admin, &json.stderr] {
        for token in &tokens {
            for part in token.split('.') {
                assert!(!line.contains(part), "no token part in the message: {line}");
            }
        }
    }

    // Once the user is in the group, the refreshed tokens pass.
    let idp = stack.cognito.idp();
    idp.create_group().user_pool_id(&stack.pool_id).group_name(ADMIN_ROUTE_GROUP).send().await.expect("CreateGroup");
    idp.admin_add_user_to_group()
        .user_pool_id(&stack.pool_id)
        .username(&user.username)
        .group_name(ADMIN_ROUTE_GROUP)
        .send()
        .await
        .expect("AdminAddUserToGroup");
    cli.run(&["refresh"]).await.ok();
    let json = cli.run(&["--json", "whoami", "--access-token", "--route", "/admin/whoami"]).await.json();
    assert_eq!(json["groups"], json!([ADMIN_ROUTE_GROUP]));
    let text = cli.run(&["whoami", "--route", "/admin/whoami"]).await;
    assert!(text.ok().contains(&format!("\n  groups       {ADMIN_ROUTE_GROUP}\n")), "{}", text.stdout);
}

#[tokio::test]
async fn an_expired_cached_access_token_asks_for_refresh_before_any_call() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("cli-whoami-expired")).await;
    let api = MockApi::start(&stack).await;
    let sub = "3f1e9c2a-5b6d-4e7f-8a9b-0c1d2e3f4a5b";
    let mut id_claims = id_token_claims(REGION, &stack.pool_id, &stack.client_id, sub);
    id_claims["cognito:username"] = json!("ivy");
    let mut access_claims = id_claims.clone();
    access_claims["token_use"] = json!("access");
    access_claims["client_id"] = json!(stack.client_id);
    access_claims["exp"] = json!(1_700_000_000u64);
    let cli = Cli::for_stack(&stack).with("COGNITO_BRIDGE_API_URL", &format!("{}/Prod", api.base_url));
    std::fs::create_dir_all(cli.cache_dir()).unwrap();
    let cached = json!({
        "userPoolId": stack.pool_id,
        "clientId": stack.client_id,
        "username": "ivy",
        "idToken": stack.cognito.sign_with_pool_key(&id_claims).await,
        "accessToken": stack.cognito.sign_with_pool_key(&access_claims).await,
        "expiresAt": now() + 3600,
    });
    std::fs::write(cli.cache_file(&stack), cached.to_string()).unwrap();

    let line = cli.run(&["whoami", "--access-token"]).await.error(3);
    assert_eq!(
        line,
        "error: session expired: the cached access token of ivy expired at 2023-11-14T22:13:20Z; \
         run 'cognito-bridge refresh' (or 'cognito-bridge login --username ivy')"
    );
    assert!(api.requests().is_empty(), "no call with an expired token");
}

#[tokio::test]
async fn whoami_help_names_the_token_and_route_flags() {
    let help = Cli::bare().run(&["whoami", "--help"]).await;
    let text = help.ok();
    assert!(text.contains("--access-token"), "{text}");
    assert!(text.contains("--route <PATH>"), "{text}");
    assert!(text.contains("/scoped/whoami") && text.contains("/admin/whoami"), "{text}");
}
