//! The link flow end to end against the local Cognito, through the real AWS SDK,
//! with the API Gateway events of `events/`. Calls are counted in the emulator's log.

use lambda_http::{Body, Request, Response};
use link::{LinkConfig, LinkService, handle_link};
use serde_json::{Value, json};
use test_support::local_cognito::{LocalCognito, TestStack, TestUser, env_var_in, unique_name};
use test_support::sample_events::{EventValues, sample_event};
use test_support::token_forge::{TestKey, id_token_claims, now};
use token_verifier::CognitoJwtVerifier;

struct Harness {
    stack: TestStack,
    service: LinkService,
}

async fn harness() -> Harness {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("link")).await;
    let env = stack.function_env();
    let config = LinkConfig::from_lookup(|name| env_var_in(&env, name)).unwrap();
    let service = LinkService::new(config, stack.cognito.sdk_config());
    Harness { stack, service }
}

/// A REST API request signed with the IAM identity of `caller` (sub, IdentityId) carrying `id_token`.
fn rest_event(stack: &TestStack, id_token: &str, caller_sub: &str, caller_identity_id: &str) -> Value {
    sample_event("link-rest-iam.json", &values(stack, id_token, caller_sub, caller_identity_id))
}

fn http_api_event(stack: &TestStack, id_token: &str, caller_sub: &str, caller_identity_id: &str) -> Value {
    sample_event("link-http-api-iam.json", &values(stack, id_token, caller_sub, caller_identity_id))
}

fn values(stack: &TestStack, id_token: &str, sub: &str, identity_id: &str) -> EventValues {
    EventValues {
        user_pool_id: Some(stack.pool_id.clone()),
        identity_pool_id: Some(stack.identity_pool_id.clone()),
        identity_id: Some(identity_id.to_owned()),
        sub: Some(sub.to_owned()),
        id_token: Some(id_token.to_owned()),
    }
}

async fn send(service: &LinkService, event: &Value) -> (u16, Value, Response<Body>) {
    let request: Request = lambda_http::request::from_str(&event.to_string()).expect("a valid API Gateway event");
    let response = handle_link(service, request).await;
    let status = response.status().as_u16();
    let body: Value = match response.body() {
        Body::Text(text) => serde_json::from_str(text).expect("JSON body"),
        other => panic!("unexpected body {other:?}"),
    };
    (status, body, response)
}

/// (GetId, AdminUpdateUserAttributes) calls the emulator saw for this stack.
async fn cognito_calls(stack: &TestStack) -> (usize, usize) {
    let identity_calls = stack.cognito.calls_for(&stack.identity_pool_id).await;
    let pool_calls = stack.cognito.calls_for(&stack.pool_id).await;
    let get_id = identity_calls.iter().filter(|c| c.operation == "GetId").count();
    let writes = pool_calls.iter().filter(|c| c.operation == "AdminUpdateUserAttributes").count();
    (get_id, writes)
}

async fn signed_in(stack: &TestStack, name: &str) -> (TestUser, test_support::local_cognito::Tokens, String) {
    let user = stack.create_user(name).await;
    let tokens = stack.sign_in(&user).await;
    let identity_id = stack.get_id(&tokens.id_token).await.unwrap();
    (user, tokens, identity_id)
}

#[tokio::test]
async fn first_link_writes_the_attribute_and_a_repeat_link_changes_nothing() {
    let h = harness().await;
    let (user, tokens, identity_id) = signed_in(&h.stack, "alice").await;
    let before = cognito_calls(&h.stack).await;

    let (status, body, _) = send(&h.service, &rest_event(&h.stack, &tokens.id_token, &user.sub, &identity_id)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"identityId": identity_id, "sub": user.sub, "username": "alice", "changed": true, "refreshTokens": true})
    );
    assert_eq!(h.stack.stored_identity_id("alice").await.as_deref(), Some(identity_id.as_str()));
    let after_first = cognito_calls(&h.stack).await;
    assert_eq!((after_first.0 - before.0, after_first.1 - before.1), (1, 1), "first link: GetId + one write");

    let refreshed = h.stack.refresh(tokens.refresh_token.as_deref().unwrap()).await;
    let claims =
        CognitoJwtVerifier::new(token_verifier::VerifierConfig::from_lookup(|name| h.stack.env_var(name)).unwrap())
            .verify(&refreshed.id_token)
            .await
            .unwrap();
    assert_eq!(claims.linked_identity_id(), Some(identity_id.as_str()), "the refreshed token carries the IdentityId");

    let (status, body, _) = send(&h.service, &rest_event(&h.stack, &refreshed.id_token, &user.sub, &identity_id)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["changed"], json!(false));
    assert_eq!(body["refreshTokens"], json!(false));
    let after_repeat = cognito_calls(&h.stack).await;
    assert_eq!((after_repeat.0 - after_first.0, after_repeat.1 - after_first.1), (1, 0), "repeat link: GetId only");
}

#[tokio::test]
async fn http_api_requests_link_too() {
    let h = harness().await;
    let (user, tokens, identity_id) = signed_in(&h.stack, "hopper").await;
    let (status, body, _) =
        send(&h.service, &http_api_event(&h.stack, &tokens.id_token, &user.sub, &identity_id)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["identityId"], json!(identity_id));
    assert_eq!(h.stack.stored_identity_id("hopper").await.as_deref(), Some(identity_id.as_str()));
}

#[tokio::test]
async fn two_users_get_two_identity_ids() {
    let h = harness().await;
    let (alice, alice_tokens, alice_id) = signed_in(&h.stack, "alice").await;
    let (bob, bob_tokens, bob_id) = signed_in(&h.stack, "bob").await;
    let (_, a, _) = send(&h.service, &rest_event(&h.stack, &alice_tokens.id_token, &alice.sub, &alice_id)).await;
    let (_, b, _) = send(&h.service, &rest_event(&h.stack, &bob_tokens.id_token, &bob.sub, &bob_id)).await;
    assert_ne!(a["identityId"], b["identityId"]);
    assert_eq!(h.stack.stored_identity_id("alice").await, Some(alice_id));
    assert_eq!(h.stack.stored_identity_id("bob").await, Some(bob_id));
}

#[tokio::test]
async fn nobody_links_someone_else() {
    let h = harness().await;
    let (_alice, alice_tokens, _alice_id) = signed_in(&h.stack, "alice").await;
    let (bob, _bob_tokens, bob_id) = signed_in(&h.stack, "bob").await;
    let before = cognito_calls(&h.stack).await;

    // Bob's credentials sign the request; the body carries Alice's token.
    for event in [
        rest_event(&h.stack, &alice_tokens.id_token, &bob.sub, &bob_id),
        http_api_event(&h.stack, &alice_tokens.id_token, &bob.sub, &bob_id),
    ] {
        let (status, body, _) = send(&h.service, &event).await;
        assert_eq!(status, 403, "{body}");
        assert_eq!(body["error"], json!("forbidden"));
    }
    assert_eq!(cognito_calls(&h.stack).await, before, "refused before any Cognito call");
    assert_eq!(h.stack.stored_identity_id("alice").await, None);
}

#[tokio::test]
async fn a_mismatched_identity_id_is_refused_after_get_id() {
    let h = harness().await;
    let (alice, alice_tokens, _) = signed_in(&h.stack, "alice").await;
    let (_, _, bob_id) = signed_in(&h.stack, "bob").await;
    // Alice's sub but Bob's IdentityId in the IAM context.
    let (status, body, _) = send(&h.service, &rest_event(&h.stack, &alice_tokens.id_token, &alice.sub, &bob_id)).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(h.stack.stored_identity_id("alice").await, None, "nothing written");
}

#[tokio::test]
async fn bad_tokens_are_401_with_no_cognito_call() {
    let h = harness().await;
    let (user, _, identity_id) = signed_in(&h.stack, "carol").await;
    let foreign = h.stack.cognito.create_stack(&unique_name("link-foreign")).await;
    let foreign_user = foreign.create_user("carol").await;
    let foreign_token = foreign.sign_in(&foreign_user).await.id_token;
    let mut expired_claims = id_token_claims("us-east-1", &h.stack.pool_id, &h.stack.client_id, &user.sub);
    expired_claims["exp"] = json!(now() - 600);
    expired_claims["cognito:username"] = json!("carol");
    let expired = h.stack.cognito.sign_with_pool_key(&expired_claims).await;
    let forged =
        TestKey::generate("dummy").sign(&id_token_claims("us-east-1", &h.stack.pool_id, &h.stack.client_id, &user.sub));
    let before = cognito_calls(&h.stack).await;

    for (label, token) in
        [("forged", forged), ("expired", expired), ("foreign pool", foreign_token), ("garbage", "abc".into())]
    {
        let (status, body, _) = send(&h.service, &rest_event(&h.stack, &token, &user.sub, &identity_id)).await;
        assert_eq!(status, 401, "{label}: {body}");
        assert_eq!(body["error"], json!("invalid_token"), "{label}");
        assert!(!body.to_string().contains(&token[..token.len().min(20)]) || token == "abc", "{label}: token echoed");
    }
    assert_eq!(cognito_calls(&h.stack).await, before, "no GetId and no write for a bad token");
    assert_eq!(h.stack.stored_identity_id("carol").await, None);
}

#[tokio::test]
async fn malformed_bodies_and_methods_are_4xx() {
    let h = harness().await;
    let (user, _, identity_id) = signed_in(&h.stack, "dan").await;
    let mut event = rest_event(&h.stack, "x", &user.sub, &identity_id);
    for body in ["", "not json", "{}", r#"{"idToken": 5}"#] {
        event["body"] = json!(body);
        let (status, reply, _) = send(&h.service, &event).await;
        assert_eq!(status, 400, "{body:?}: {reply}");
        assert_eq!(reply["error"], json!("bad_request"));
        assert!(reply["message"].as_str().unwrap().contains("idToken"));
    }
    event["httpMethod"] = json!("GET");
    event["body"] = json!(null);
    let (status, _, response) = send(&h.service, &event).await;
    assert_eq!(status, 405);
    assert_eq!(response.headers()["allow"], "POST");
}

#[tokio::test]
async fn without_an_iam_identity_the_token_alone_decides() {
    let h = harness().await;
    let (_, tokens, identity_id) = signed_in(&h.stack, "erin").await;
    let mut event = rest_event(&h.stack, &tokens.id_token, "unused", "unused");
    let identity = event["requestContext"]["identity"].as_object_mut().unwrap();
    for key in
        ["cognitoIdentityId", "cognitoIdentityPoolId", "cognitoAuthenticationProvider", "cognitoAuthenticationType"]
    {
        identity.remove(key);
    }
    let (status, body, _) = send(&h.service, &event).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["identityId"], json!(identity_id));
}

#[tokio::test]
async fn an_unauthenticated_or_federated_iam_identity_is_refused() {
    let h = harness().await;
    let (_, tokens, identity_id) = signed_in(&h.stack, "frank").await;
    let mut event = rest_event(&h.stack, &tokens.id_token, "unused", &identity_id);
    event["requestContext"]["identity"]["cognitoAuthenticationType"] = json!("unauthenticated");
    event["requestContext"]["identity"]["cognitoAuthenticationProvider"] = json!(null);
    let (status, body, _) = send(&h.service, &event).await;
    assert_eq!(status, 403, "{body}");
}
