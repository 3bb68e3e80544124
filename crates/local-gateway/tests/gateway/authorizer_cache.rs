//! The Lambda authorizer's answer cache, as API Gateway keeps it: per `Authorization`
//! header, for `--authorizer-cache-ttl` seconds, its policy decided per request.

use std::time::Duration;

use serde_json::json;
use test_support::local_cognito::{LocalCognito, unique_name};

use crate::harness::{Gateway, GatewayOptions};

#[tokio::test]
async fn the_same_header_within_the_ttl_is_answered_from_the_cache() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("gw-cache")).await;
    let (ana, ben) = (stack.create_user("ana").await, stack.create_user("ben").await);
    let (ana_tokens, ben_tokens) = (stack.sign_in(&ana).await, stack.sign_in(&ben).await);
    let mut gateway = Gateway::start(&stack, GatewayOptions::default()).await;
    let ana_header = format!("Bearer {}", ana_tokens.id_token);

    let first = gateway.get("/whoami", Some(&ana_header)).await;
    assert_eq!((first.status, first.authorizer()), (200, Some("invoked")), "{first:?}");
    assert_eq!(first.body["sub"], json!(ana.sub), "{first:?}");
    let again = gateway.get("/whoami", Some(&ana_header)).await;
    assert_eq!((again.status, again.authorizer()), (200, Some("cached")), "{again:?}");
    assert_eq!(again.body["sub"], json!(ana.sub), "the cached answer's context reaches whoami");
    assert_eq!(again.body["identityId"], first.body["identityId"]);
    // The cached answer serves every route of the stage behind the authorizer.
    let scoped = gateway.get("/scoped/whoami", Some(&ana_header)).await;
    assert_eq!((scoped.status, scoped.authorizer()), (200, Some("cached")), "{scoped:?}");

    // The key is the header exactly: the same token without `Bearer ` is another key.
    let bare = gateway.get("/whoami", Some(&ana_tokens.id_token)).await;
    assert_eq!((bare.status, bare.authorizer()), (200, Some("invoked")), "{bare:?}");
    // Another user's header: invoked, and answered with that user's identity.
    let other = gateway.get("/whoami", Some(&format!("Bearer {}", ben_tokens.id_token))).await;
    assert_eq!((other.status, other.authorizer()), (200, Some("invoked")), "{other:?}");
    assert_eq!(other.body["sub"], json!(ben.sub));
    assert_eq!(gateway.authorizer_invocations(), 3, "{}", gateway.stderr_text());
    assert!(!gateway.stderr_text().contains(&ana_tokens.id_token), "no token in the gateway's log");
}

#[tokio::test]
async fn ttl_zero_invokes_the_authorizer_for_every_request() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("gw-nocache")).await;
    let user = stack.create_user("cy").await;
    let header = format!("Bearer {}", stack.sign_in(&user).await.id_token);
    let mut gateway = Gateway::start(&stack, GatewayOptions { cache_ttl: Some(0), ..Default::default() }).await;
    for _ in 0..3 {
        let answer = gateway.get("/whoami", Some(&header)).await;
        assert_eq!((answer.status, answer.authorizer()), (200, Some("invoked")), "{answer:?}");
    }
    assert_eq!(gateway.authorizer_invocations(), 3);
}

#[tokio::test]
async fn a_cached_answer_expires_after_the_ttl() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("gw-expiry")).await;
    let user = stack.create_user("dee").await;
    let header = format!("Bearer {}", stack.sign_in(&user).await.id_token);
    // A TTL with room for a slow machine: the second request comes well within it, the
    // third just after it (counted from before the first request was sent).
    let ttl = Duration::from_secs(4);
    let mut gateway =
        Gateway::start(&stack, GatewayOptions { cache_ttl: Some(ttl.as_secs()), ..Default::default() }).await;
    let first_sent = tokio::time::Instant::now();
    assert_eq!(gateway.get("/whoami", Some(&header)).await.authorizer(), Some("invoked"));
    assert_eq!(gateway.get("/whoami", Some(&header)).await.authorizer(), Some("cached"));
    tokio::time::sleep_until(first_sent + ttl + Duration::from_millis(300)).await;
    assert_eq!(gateway.get("/whoami", Some(&header)).await.authorizer(), Some("invoked"), "expired after the TTL");
    assert_eq!(gateway.get("/whoami", Some(&header)).await.authorizer(), Some("cached"));
}

/// REQUIRE_LINKED=true: the authorizer answers a Deny policy for a user the directory
/// does not know. That policy is cached like any other: the next request with the same
/// header is refused from the cache.
#[tokio::test]
async fn a_deny_policy_is_cached_and_refuses_without_a_new_invocation() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("gw-deny")).await;
    let user = stack.create_user("eve").await;
    let header = format!("Bearer {}", stack.sign_in(&user).await.id_token);
    let options = GatewayOptions { env: vec![("REQUIRE_LINKED".into(), "true".into())], ..Default::default() };
    let mut gateway = Gateway::start(&stack, options).await;

    let denied = gateway.get("/whoami", Some(&header)).await;
    assert_eq!((denied.status, denied.authorizer()), (403, Some("invoked")), "{denied:?}");
    assert_eq!(denied.body, json!({"message": "User is not authorized to access this resource with an explicit deny"}));
    assert_eq!(denied.headers["access-control-allow-origin"], "http://localhost:3000", "ACCESS_DENIED carries CORS");
    for path in ["/whoami", "/admin/whoami"] {
        let again = gateway.get(path, Some(&header)).await;
        assert_eq!((again.status, again.authorizer()), (403, Some("cached")), "{path}: {again:?}");
    }
    assert_eq!(gateway.authorizer_invocations(), 1);
}

/// `Unauthorized` (401) is the function's error, not a policy: nothing is cached.
#[tokio::test]
async fn unauthorized_answers_are_not_cached() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("gw-401")).await;
    let mut gateway = Gateway::start(&stack, GatewayOptions::default()).await;
    for _ in 0..2 {
        let refused = gateway.get("/whoami", Some("Bearer not-a-token")).await;
        assert_eq!((refused.status, refused.authorizer()), (401, Some("invoked")), "{refused:?}");
        assert_eq!(refused.body, json!({"message": "Unauthorized"}));
        assert_eq!(refused.headers["www-authenticate"], "Bearer");
    }
    // No identity source at all: API Gateway answers 401 without the authorizer.
    let missing = gateway.get("/admin/whoami", None).await;
    assert_eq!((missing.status, missing.authorizer()), (401, None), "{missing:?}");
    let empty = gateway.get("/scoped/whoami", Some("")).await;
    assert_eq!((empty.status, empty.authorizer()), (401, None), "{empty:?}");
    assert_eq!(gateway.authorizer_invocations(), 2);
}

#[tokio::test]
async fn every_route_has_its_preflight_and_unknown_routes_are_refused() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("gw-routes")).await;
    let mut gateway = Gateway::start(&stack, GatewayOptions::default()).await;
    for path in ["/link", "/whoami", "/iam/whoami", "/scoped/whoami", "/admin/whoami"] {
        let preflight = gateway.request("OPTIONS", path, None).await;
        assert_eq!(preflight.status, 200, "{path}: {preflight:?}");
        assert_eq!(preflight.headers["access-control-allow-methods"], "GET,POST,OPTIONS", "{path}");
        assert_eq!(preflight.authorizer(), None);
    }
    for (method, path) in [("POST", "/admin/whoami"), ("GET", "/admin"), ("GET", "/nowhere")] {
        let unknown = gateway.request(method, path, Some("Bearer x")).await;
        assert_eq!((unknown.status, unknown.authorizer()), (403, None), "{method} {path}: {unknown:?}");
        assert_eq!(unknown.body, json!({"message": "Missing Authentication Token"}));
    }
    assert_eq!(gateway.authorizer_invocations(), 0);
}
