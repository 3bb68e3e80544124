//! The built `authorizer` binary as a real process under a local Lambda runtime API,
//! answering the sample events of `events/` against the local Cognito: what API
//! Gateway receives for a valid and an invalid token in every flavour.

use serde_json::{Value, json};
use test_support::lambda_process::{InvokeOutcome, LambdaProcess};
use test_support::local_cognito::{LocalCognito, unique_name};
use test_support::sample_events::{EventValues, sample_event};

const BINARY: &str = env!("CARGO_BIN_EXE_authorizer");

fn event(file: &str, id_token: &str) -> Value {
    sample_event(file, &EventValues { id_token: Some(id_token.to_owned()), ..Default::default() })
}

fn unauthorized() -> InvokeOutcome {
    InvokeOutcome::Error { error_type: "Unauthorized".into(), error_message: "Unauthorized".into() }
}

#[tokio::test]
async fn the_binary_answers_every_flavour() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("authz-process")).await;
    let user = stack.create_user("paula").await;
    let tokens = stack.sign_in(&user).await;
    let forged = {
        let (signed, signature) = tokens.id_token.rsplit_once('.').unwrap();
        let flipped = if signature.starts_with('A') { 'B' } else { 'A' };
        format!("{signed}.{flipped}{}", &signature[1..])
    };
    let mut process = LambdaProcess::start(BINARY, &stack.function_env()).await.expect("the function starts");

    // REST TOKEN and REQUEST: an Allow policy over the stage, or the 401 error.
    for file in ["authorizer-rest-token.json", "authorizer-rest-request.json"] {
        let answer = process.invoke(&event(file, &tokens.id_token)).await.response();
        assert_eq!(answer["principalId"], json!(user.sub), "{file}: {answer}");
        let statement = &answer["policyDocument"]["Statement"][0];
        assert_eq!(statement["Effect"], json!("Allow"));
        assert_eq!(statement["Resource"], json!("arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/*/*"));
        assert_eq!(answer["context"]["username"], json!("paula"));
        assert_eq!(answer["context"]["linked"], json!("false"));
        assert!(answer["context"]["identityId"].as_str().is_some_and(|id| id.starts_with("us-east-1:")));

        assert_eq!(process.invoke(&event(file, &forged)).await, unauthorized(), "{file}");
    }

    // HTTP API payload 2.0: the simple answer.
    let answer = process.invoke(&event("authorizer-http-api-v2.json", &tokens.id_token)).await.response();
    assert_eq!(answer["isAuthorized"], json!(true), "{answer}");
    assert_eq!(answer["context"]["sub"], json!(user.sub));
    let refused = process.invoke(&event("authorizer-http-api-v2.json", &forged)).await.response();
    assert_eq!(refused, json!({"isAuthorized": false}));

    // Not an authorizer event at all.
    assert_eq!(process.invoke(&json!({"hello": "world"})).await, unauthorized());

    let logs = process.logs();
    let decisions: Vec<Value> = logs
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line["fields"]["message"] == json!("authorizer decision"))
        .collect();
    assert_eq!(decisions.len(), 7, "one JSON line per invocation:\n{logs}");
    assert_eq!(decisions[0]["fields"]["outcome"], json!("allow"));
    assert_eq!(decisions[0]["fields"]["sub"], json!(user.sub));
    assert_eq!(decisions[0]["span"]["requestId"], json!("req-0000"));
    assert_eq!(decisions[1]["fields"]["outcome"], json!("unauthorized"));
    assert_eq!(decisions[1]["fields"]["reason"], json!("bad_signature"));
    for token in [&tokens.id_token, &forged] {
        let (_, signature) = token.rsplit_once('.').unwrap();
        let payload = token.split('.').nth(1).unwrap();
        assert!(!logs.contains(signature) && !logs.contains(payload), "a token reached the logs:\n{logs}");
    }
}

#[tokio::test]
async fn http_api_iam_answers_and_require_linked_as_configured() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("authz-process-iam")).await;
    let user = stack.create_user("ivan").await;
    let tokens = stack.sign_in(&user).await;
    let mut env = stack.function_env();
    env.push(("AUTHORIZER_RESPONSE".into(), "iam".into()));
    env.push(("REQUIRE_LINKED".into(), "true".into()));
    let mut process = LambdaProcess::start(BINARY, &env).await.expect("the function starts");

    // Unlinked under REQUIRE_LINKED: an explicit Deny (403), with no Cognito Identity call.
    let answer = process.invoke(&event("authorizer-http-api-v2.json", &tokens.id_token)).await.response();
    assert_eq!(answer["principalId"], json!(user.sub), "{answer}");
    let statement = &answer["policyDocument"]["Statement"][0];
    assert_eq!(statement["Effect"], json!("Deny"));
    assert_eq!(statement["Resource"], json!("arn:aws:execute-api:us-east-1:123456789012:abcdef1234/$default/*/*"));
    assert_eq!(process.invoke(&event("authorizer-http-api-v2.json", "garbage")).await, unauthorized());
    let identity_calls = stack.cognito.calls_for(&stack.identity_pool_id).await;
    assert!(identity_calls.iter().all(|c| c.service != "cognito-identity"), "{identity_calls:?}");
    assert!(!process.logs().contains(tokens.id_token.rsplit('.').next().unwrap()));
}

#[tokio::test]
async fn even_the_most_verbose_logging_never_writes_the_token() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("authz-process-trace")).await;
    let user = stack.create_user("tracy").await;
    let tokens = stack.sign_in(&user).await;
    let mut env = stack.function_env();
    env.push(("RUST_LOG".into(), "trace".into()));
    let mut process = LambdaProcess::start(BINARY, &env).await.expect("the function starts");

    let answer = process.invoke(&event("authorizer-rest-token.json", &tokens.id_token)).await.response();
    assert_eq!(answer["principalId"], json!(user.sub));
    let answer = process.invoke(&event("authorizer-http-api-v2.json", &tokens.id_token)).await.response();
    assert_eq!(answer["isAuthorized"], json!(true));

    let logs = process.logs();
    assert!(logs.lines().count() > 2, "trace logging is on:\n{logs}");
    let (_, signature) = tokens.id_token.rsplit_once('.').unwrap();
    let payload = tokens.id_token.split('.').nth(1).unwrap();
    assert!(!logs.contains(signature) && !logs.contains(payload), "a token reached the logs:\n{logs}");
}

#[tokio::test]
async fn bad_configuration_stops_start_up_with_one_line() {
    assert_start_up_stops_with(
        &[("AUTHORIZER_RESPONSE", "json")],
        "configuration error: AUTHORIZER_RESPONSE is invalid: expected simple or iam",
    )
    .await;
}

/// Starts the binary with a valid base configuration plus `extra`, and expects it to exit
/// with status 1 having written exactly `line`.
async fn assert_start_up_stops_with(extra: &[(&str, &str)], line: &str) {
    let base = [
        ("USER_POOL_ID", "us-east-1_AbC"),
        ("USER_POOL_CLIENT_IDS", "client"),
        ("IDENTITY_POOL_ID", "us-east-1:0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"),
    ];
    let env: Vec<(String, String)> = base.iter().chain(extra).map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let mut process = LambdaProcess::start(BINARY, &env).await.expect("the function starts");
    let code = process.wait_for_exit(std::time::Duration::from_secs(10)).await;
    assert_eq!(code, Some(1));
    let logs = process.logs();
    assert_eq!(logs.trim(), line, "{logs}");
}

#[tokio::test]
async fn a_malformed_route_rule_stops_start_up_with_one_line_naming_it() {
    assert_start_up_stops_with(
        &[("TOKEN_USE", "any"), ("ROUTE_SCOPES", "GET /orders=orders/read; POST orders=orders/write")],
        "configuration error: ROUTE_SCOPES is invalid: rule \"POST orders=orders/write\": the path must start with /",
    )
    .await;
}

/// A REST `REQUEST` event for `GET <path>` (the template path is the path here).
fn rest_request_for(token: &str, path: &str) -> Value {
    let mut event = event("authorizer-rest-request.json", token);
    event["methodArn"] = json!(format!("arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET{path}"));
    event["resource"] = json!(path);
    event["path"] = json!(path);
    event
}

fn effects_and_resources(answer: &Value) -> Vec<(String, String)> {
    let statements = answer["policyDocument"]["Statement"].as_array().expect("statements");
    statements
        .iter()
        .map(|s| {
            let resource = s["Resource"].as_str().unwrap().rsplit_once("/prod/").unwrap().1.to_owned();
            (s["Effect"].as_str().unwrap().to_owned(), resource)
        })
        .collect()
}

#[tokio::test]
async fn route_rules_judge_the_local_cognitos_own_tokens() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("authz-process-rules")).await;
    let idp = stack.cognito.idp();
    idp.create_group().user_pool_id(&stack.pool_id).group_name("admins").send().await.unwrap();
    let admin = stack.create_user("ada").await;
    idp.admin_add_user_to_group()
        .user_pool_id(&stack.pool_id)
        .username(&admin.username)
        .group_name("admins")
        .send()
        .await
        .unwrap();
    let member = stack.create_user("max").await;
    let mut env = stack.function_env();
    env.push(("TOKEN_USE".into(), "any".into()));
    env.push(("ROUTE_SCOPES".into(), "GET /scoped/whoami=cognito-bridge/whoami.read".into()));
    env.push(("ROUTE_GROUPS".into(), "GET /admin/whoami=admins".into()));
    let mut process = LambdaProcess::start(BINARY, &env).await.expect("the function starts");
    let allow = || ("Allow".to_owned(), "*/*".to_owned());
    let deny = |route: &str| ("Deny".to_owned(), route.to_owned());

    // Sign-in access tokens carry `aws.cognito.signin.user.admin` only; moto adds the groups.
    let admin_tokens = stack.sign_in(&admin).await;
    let answer = process.invoke(&rest_request_for(&admin_tokens.access_token, "/admin/whoami")).await.response();
    assert_eq!(effects_and_resources(&answer), [allow(), deny("GET/scoped/whoami")], "{answer}");
    assert_eq!(answer["context"]["groups"], json!(r#"["admins"]"#));
    let member_tokens = stack.sign_in(&member).await;
    let answer = process.invoke(&rest_request_for(&member_tokens.access_token, "/whoami")).await.response();
    assert_eq!(effects_and_resources(&answer), [allow(), deny("GET/scoped/whoami"), deny("GET/admin/whoami")]);
    let on_admin = process.invoke(&rest_request_for(&member_tokens.access_token, "/admin/whoami")).await.response();
    assert_eq!(on_admin, answer, "the same answer on every route");
    // The id token of the same member: refused on the scoped route, as API Gateway does.
    let answer = process.invoke(&rest_request_for(&member_tokens.id_token, "/whoami")).await.response();
    assert_eq!(effects_and_resources(&answer), [allow(), deny("GET/scoped/whoami"), deny("GET/admin/whoami")]);

    // A token with the custom scope, signed by the pool's key as the OAuth endpoint would.
    let claims = json!({
        "sub": member.sub, "iss": format!("https://cognito-idp.us-east-1.amazonaws.com/{}", stack.pool_id),
        "client_id": stack.client_id, "token_use": "access", "scope": "openid cognito-bridge/whoami.read",
        "username": member.username, "exp": test_support::token_forge::now() + 600,
        "iat": test_support::token_forge::now(), "jti": "scoped-1",
    });
    let scoped = stack.cognito.sign_with_pool_key(&claims).await;
    let answer = process.invoke(&rest_request_for(&scoped, "/scoped/whoami")).await.response();
    assert_eq!(effects_and_resources(&answer), [allow(), deny("GET/admin/whoami")], "{answer}");
    assert_eq!(answer["context"]["scopes"], json!("openid cognito-bridge/whoami.read"));

    let decisions: Vec<Value> = process
        .logs()
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line["fields"]["message"] == json!("authorizer decision"))
        .map(|line| line["fields"].clone())
        .collect();
    let outcomes: Vec<(&str, Option<&str>)> =
        decisions.iter().map(|d| (d["outcome"].as_str().unwrap(), d["reason"].as_str())).collect();
    assert_eq!(
        outcomes,
        [("allow", None), ("allow", None), ("deny", Some("missing_group")), ("allow", None), ("allow", None)]
    );
}
