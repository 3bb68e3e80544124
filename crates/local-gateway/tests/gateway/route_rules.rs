//! The authorizer's route rules through the answer cache, end to end: its answer allows
//! the whole stage and denies the routes a token does not meet, and the gateway decides
//! each request's own method ARN against the cached answer, so a cached Allow never
//! lets a token into a route the answer closes to it.

use serde_json::json;
use test_support::local_cognito::{LocalCognito, TestStack, TestUser, unique_name};

use crate::harness::{Gateway, GatewayOptions};

const ADMIN_RULE: &str = "GET /admin/whoami=admins";
const EXPLICIT_DENY: &str = "User is not authorized to access this resource with an explicit deny";

async fn add_to_group(stack: &TestStack, user: &TestUser, group: &str) {
    let idp = stack.cognito.idp();
    let _ = idp.create_group().user_pool_id(&stack.pool_id).group_name(group).send().await;
    idp.admin_add_user_to_group()
        .user_pool_id(&stack.pool_id)
        .username(&user.username)
        .group_name(group)
        .send()
        .await
        .expect("AdminAddUserToGroup");
}

#[tokio::test]
async fn a_cached_answer_is_decided_per_route_with_the_authorizers_route_rules() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("gw-rules")).await;
    let (ida, joe) = (stack.create_user("ida").await, stack.create_user("joe").await);
    add_to_group(&stack, &ida, "admins").await;
    let ida_token = stack.sign_in(&ida).await.id_token;
    let joe_token = stack.sign_in(&joe).await.id_token;
    let options = GatewayOptions { env: vec![("ROUTE_GROUPS".into(), ADMIN_RULE.into())], ..Default::default() };
    let mut gateway = Gateway::start(&stack, options).await;

    // Outside the group: the answer allows the stage and denies GET /admin/whoami.
    let joe_header = format!("Bearer {joe_token}");
    let whoami = gateway.get("/whoami", Some(&joe_header)).await;
    assert_eq!((whoami.status, whoami.authorizer()), (200, Some("invoked")), "{whoami:?}");
    assert_eq!(whoami.body["sub"], json!(joe.sub));
    let admin = gateway.get("/admin/whoami", Some(&joe_header)).await;
    assert_eq!(
        (admin.status, admin.authorizer()),
        (403, Some("cached")),
        "the cached Allow does not open /admin: {admin:?}"
    );
    assert_eq!(admin.body, json!({"message": EXPLICIT_DENY}));
    let scoped = gateway.get("/scoped/whoami", Some(&joe_header)).await;
    assert_eq!((scoped.status, scoped.authorizer()), (200, Some("cached")), "no rule on /scoped: {scoped:?}");

    // The other way round (another header, so another cache entry): refused first, and
    // the answer cached then still lets the same token into /whoami.
    let admin_first = gateway.get("/admin/whoami", Some(&joe_token)).await;
    assert_eq!((admin_first.status, admin_first.authorizer()), (403, Some("invoked")), "{admin_first:?}");
    let whoami_after = gateway.get("/whoami", Some(&joe_token)).await;
    assert_eq!((whoami_after.status, whoami_after.authorizer()), (200, Some("cached")), "{whoami_after:?}");

    // In the group: /admin/whoami is open, and the answer serves /whoami from the cache.
    let ida_header = format!("Bearer {ida_token}");
    let admin = gateway.get("/admin/whoami", Some(&ida_header)).await;
    assert_eq!((admin.status, admin.authorizer()), (200, Some("invoked")), "{admin:?}");
    assert_eq!(admin.body["sub"], json!(ida.sub));
    assert!(admin.body["groups"].as_array().is_some_and(|g| g.contains(&json!("admins"))), "{admin:?}");
    let whoami = gateway.get("/whoami", Some(&ida_header)).await;
    assert_eq!((whoami.status, whoami.authorizer()), (200, Some("cached")), "{whoami:?}");

    assert_eq!(gateway.authorizer_invocations(), 3, "{}", gateway.stderr_text());
}

/// The template's default scope rule: an access token of a sign-in carries
/// `aws.cognito.signin.user.admin` and may call /scoped/whoami; an id token has no
/// scopes and is refused there, from the cached answer of its first request.
#[tokio::test]
async fn scope_rules_hold_for_cached_answers_of_id_and_access_tokens() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("gw-scopes")).await;
    let kim = stack.create_user("kim").await;
    let tokens = stack.sign_in(&kim).await;
    let env = vec![
        ("TOKEN_USE".into(), "any".into()),
        ("ROUTE_SCOPES".into(), "GET /scoped/whoami=cognito-bridge/whoami.read,aws.cognito.signin.user.admin".into()),
    ];
    let mut gateway = Gateway::start(&stack, GatewayOptions { env, ..Default::default() }).await;

    let id_header = format!("Bearer {}", tokens.id_token);
    let whoami = gateway.get("/whoami", Some(&id_header)).await;
    assert_eq!((whoami.status, whoami.authorizer()), (200, Some("invoked")), "{whoami:?}");
    let scoped = gateway.get("/scoped/whoami", Some(&id_header)).await;
    assert_eq!((scoped.status, scoped.authorizer()), (403, Some("cached")), "an id token has no scope: {scoped:?}");
    assert_eq!(scoped.body, json!({"message": EXPLICIT_DENY}));

    let access_header = format!("Bearer {}", tokens.access_token);
    let scoped = gateway.get("/scoped/whoami", Some(&access_header)).await;
    assert_eq!((scoped.status, scoped.authorizer()), (200, Some("invoked")), "{scoped:?}");
    assert_eq!((&scoped.body["sub"], &scoped.body["tokenUse"]), (&json!(kim.sub), &json!("access")), "{scoped:?}");
    let whoami = gateway.get("/whoami", Some(&access_header)).await;
    assert_eq!((whoami.status, whoami.authorizer()), (200, Some("cached")), "{whoami:?}");
    assert_eq!(gateway.authorizer_invocations(), 2);
}
