//! `POST /link` through the gateway (SigV4 with the user's identity pool credentials):
//! link takes id tokens only, even though the gateway gives every function the
//! authorizer's `TOKEN_USE`, as the deployed stack's link never sees it.

use serde_json::json;
use test_support::local_cognito::{LocalCognito, unique_name};

use crate::harness::{Gateway, GatewayOptions};

#[tokio::test]
async fn an_access_token_sent_as_the_id_token_is_refused_whatever_token_use_says() {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("gw-link")).await;
    let user = stack.create_user("lou").await;
    let tokens = stack.sign_in(&user).await;
    let credentials = stack.identity_credentials(&tokens.id_token).await;
    let env = vec![("TOKEN_USE".into(), "any".into())];
    let mut gateway = Gateway::start(&stack, GatewayOptions { env, ..Default::default() }).await;
    let as_id_token = json!({"idToken": tokens.access_token});

    let first = gateway.post_signed("/link", &as_id_token, &credentials).await;
    assert_eq!((first.status, &first.body["error"]), (401, &json!("invalid_token")), "{first:?}");
    assert_eq!(stack.stored_identity_id(&user.username).await, None, "nothing was written");

    // The same signed call with the id token links.
    let linked = gateway.post_signed("/link", &json!({"idToken": tokens.id_token}), &credentials).await;
    assert_eq!(linked.status, 200, "{linked:?}");
    assert_eq!(linked.body["identityId"], json!(credentials.identity_id), "{linked:?}");

    // A repeat link is answered from the directory with no Cognito call, so only the
    // token's kind can refuse an access token there.
    let repeat = gateway.post_signed("/link", &as_id_token, &credentials).await;
    assert_eq!((repeat.status, &repeat.body["error"]), (401, &json!("invalid_token")), "{repeat:?}");
    // The function's own answer names the request's Origin (the harness sends the
    // template's default, which the stack lists), and varies by Origin.
    assert_eq!(repeat.headers.get("access-control-allow-origin").map(String::as_str), Some("http://localhost:3000"));
    assert_eq!(repeat.headers.get("vary").map(String::as_str), Some("Origin"), "{repeat:?}");
    assert!(!gateway.stderr_text().contains(&tokens.access_token), "no token in the gateway's log");
}
