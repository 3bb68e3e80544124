//! The link flow end to end against the local Cognito and DynamoDB, through the real AWS
//! SDK, with the API Gateway events of `events/`. Calls are counted in the emulator's log:
//! a first link is 1 `GetId`, 1 `TransactWriteItems`, 1 `AdminUpdateUserAttributes`; a
//! repeat is no Cognito call at all, whatever token it carries; a relink (the user's
//! IdentityId changed) is 1 `GetId`, 1 `AdminUpdateUserAttributes` and 4 DynamoDB calls.

use directory::{IdentityDirectory, IdentityId, NewLink, ObjectEvent, Usage, UsageAccount, UserPoolId};
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
    table: String,
    directory: IdentityDirectory,
}

async fn harness() -> Harness {
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("link")).await;
    let table = stack.cognito.create_directory_table(&unique_name("link-directory")).await;
    let mut env = stack.function_env();
    env.push(("DIRECTORY_TABLE".into(), table.clone()));
    let config = LinkConfig::from_lookup(|name| env_var_in(&env, name)).unwrap();
    let service = LinkService::new(config, stack.cognito.sdk_config());
    let directory = IdentityDirectory::new(stack.cognito.dynamodb(), table.clone());
    Harness { stack, service, table, directory }
}

impl Harness {
    /// The emulator's calls of this test: (GetId, AdminUpdateUserAttributes, DynamoDB operations).
    async fn calls(&self) -> Calls {
        let (get_id, writes) = cognito_calls(&self.stack).await;
        let table = self.stack.cognito.calls_for_table(&self.table).await.into_iter().map(|c| c.operation).collect();
        Calls { get_id, writes, table }
    }

    /// Every item of the directory table (a scan: only tests read it this way).
    async fn items(&self) -> usize {
        let scan = self.stack.cognito.dynamodb().scan().table_name(&self.table).send().await.expect("Scan");
        scan.items.unwrap_or_default().len()
    }

    fn pool(&self) -> UserPoolId {
        UserPoolId::parse(&self.stack.pool_id).unwrap()
    }
}

/// Call counts at one moment; `since` gives what happened after an earlier one.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Calls {
    get_id: usize,
    writes: usize,
    table: Vec<String>,
}

impl Calls {
    /// (GetId, AdminUpdateUserAttributes, DynamoDB operations) made after `earlier`.
    fn since(&self, earlier: &Calls) -> (usize, usize, Vec<String>) {
        (self.get_id - earlier.get_id, self.writes - earlier.writes, self.table[earlier.table.len()..].to_vec())
    }
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
    let before = h.calls().await;

    let (status, body, _) = send(&h.service, &rest_event(&h.stack, &tokens.id_token, &user.sub, &identity_id)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"identityId": identity_id, "sub": user.sub, "username": "alice", "changed": true, "refreshTokens": true})
    );
    assert_eq!(h.stack.stored_identity_id("alice").await.as_deref(), Some(identity_id.as_str()));
    let after_first = h.calls().await;
    let first = after_first.since(&before);
    assert_eq!((first.0, first.1), (1, 1), "first link: one GetId, one attribute write");
    assert_eq!(first.2, ["GetItem", "TransactWriteItems", "UpdateItem"], "read, link transaction, mark");
    let entry = h.directory.get_by_user(&h.pool(), &user.sub).await.unwrap().expect("linked");
    assert_eq!(entry.identity_id.as_str(), identity_id);
    assert!(entry.user_pool_written_at.is_some(), "marked as written to the user pool");
    assert_eq!(h.items().await, 2, "one entry: its two items");

    // The same pre-link token (no custom:identity_id), three times: no Cognito call.
    let before_repeats = h.calls().await;
    for _ in 0..3 {
        let (status, body, _) =
            send(&h.service, &rest_event(&h.stack, &tokens.id_token, &user.sub, &identity_id)).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            body,
            json!({"identityId": identity_id, "sub": user.sub, "username": "alice", "changed": false, "refreshTokens": true})
        );
    }
    let repeats = h.calls().await.since(&before_repeats);
    assert_eq!((repeats.0, repeats.1), (0, 0), "repeat links with a pre-link token: zero Cognito calls");
    assert_eq!(repeats.2, ["GetItem"; 3], "one consistent read each");

    let refreshed = h.stack.refresh(tokens.refresh_token.as_deref().unwrap()).await;
    let claims =
        CognitoJwtVerifier::new(token_verifier::VerifierConfig::from_lookup(|name| h.stack.env_var(name)).unwrap())
            .verify(&refreshed.id_token)
            .await
            .unwrap();
    assert_eq!(claims.linked_identity_id(), Some(identity_id.as_str()), "the refreshed token carries the IdentityId");

    let before_refreshed = h.calls().await;
    let (status, body, _) = send(&h.service, &rest_event(&h.stack, &refreshed.id_token, &user.sub, &identity_id)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["changed"], json!(false));
    assert_eq!(body["refreshTokens"], json!(false));
    let repeat = h.calls().await.since(&before_refreshed);
    assert_eq!((repeat.0, repeat.1), (0, 0), "repeat link with a refreshed token: zero Cognito calls");
}

#[tokio::test]
async fn a_link_that_stopped_after_the_directory_write_is_repaired_by_the_next() {
    let h = harness().await;
    let (user, tokens, identity_id) = signed_in(&h.stack, "ivy").await;
    // The function died after record_link and before AdminUpdateUserAttributes.
    let link = NewLink {
        identity_id: IdentityId::parse(&identity_id).unwrap(),
        user_pool_id: h.pool(),
        sub: user.sub.clone(),
        username: "ivy".into(),
        linked_at: 1_764_000_000,
    };
    h.directory.record_link(&link).await.unwrap();
    let before = h.calls().await;

    let (status, body, _) = send(&h.service, &rest_event(&h.stack, &tokens.id_token, &user.sub, &identity_id)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["identityId"], json!(identity_id));
    assert_eq!((body["changed"].clone(), body["refreshTokens"].clone()), (json!(true), json!(true)));
    let repair = h.calls().await.since(&before);
    assert_eq!((repair.0, repair.1), (0, 1), "the repair: exactly one AdminUpdateUserAttributes, no GetId");
    assert_eq!(repair.2, ["GetItem", "UpdateItem"]);
    assert_eq!(h.stack.stored_identity_id("ivy").await.as_deref(), Some(identity_id.as_str()));
    let entry = h.directory.get_by_user(&h.pool(), &user.sub).await.unwrap().unwrap();
    assert_eq!(entry.linked_at, 1_764_000_000, "the entry stands; only the mark is added");
    assert!(entry.user_pool_written_at.is_some());

    let before_repeat = h.calls().await;
    let (status, body, _) = send(&h.service, &rest_event(&h.stack, &tokens.id_token, &user.sub, &identity_id)).await;
    assert_eq!((status, body["changed"].clone()), (200, json!(false)), "{body}");
    let repeat = h.calls().await.since(&before_repeat);
    assert_eq!((repeat.0, repeat.1), (0, 0), "once repaired, a repeat is zero Cognito calls");
}

#[tokio::test]
async fn a_user_whose_token_already_carries_the_id_is_recorded_without_a_user_pool_write() {
    let h = harness().await;
    let (user, tokens, identity_id) = signed_in(&h.stack, "jay").await;
    // Linked before the directory existed: the attribute is there, the entry is not.
    h.stack.set_identity_id("jay", &identity_id).await;
    let refreshed = h.stack.refresh(tokens.refresh_token.as_deref().unwrap()).await;
    let before = h.calls().await;

    let (status, body, _) = send(&h.service, &rest_event(&h.stack, &refreshed.id_token, &user.sub, &identity_id)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!((body["changed"].clone(), body["refreshTokens"].clone()), (json!(true), json!(false)));
    let calls = h.calls().await.since(&before);
    assert_eq!((calls.0, calls.1), (1, 0), "GetId for the entry; the token proves the attribute");
    assert_eq!(calls.2, ["GetItem", "TransactWriteItems", "UpdateItem"]);
}

#[tokio::test]
async fn a_directory_conflict_is_409_and_nothing_is_written() {
    let h = harness().await;
    let (user, tokens, identity_id) = signed_in(&h.stack, "kim").await;
    // Kim's IdentityId is already recorded as someone else's.
    let squatter = NewLink {
        identity_id: IdentityId::parse(&identity_id).unwrap(),
        user_pool_id: h.pool(),
        sub: "someone-else".into(),
        username: "mallory".into(),
        linked_at: 1,
    };
    h.directory.record_link(&squatter).await.unwrap();
    let before = h.calls().await;

    let (status, body, _) = send(&h.service, &rest_event(&h.stack, &tokens.id_token, &user.sub, &identity_id)).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"], json!("conflict"));
    assert!(!body.to_string().contains("someone-else") && !body.to_string().contains("mallory"), "{body}");
    let calls = h.calls().await.since(&before);
    assert_eq!((calls.0, calls.1), (1, 0), "GetId, then no user pool write");
    assert_eq!(h.stack.stored_identity_id("kim").await, None, "nothing written to the user pool");
    assert_eq!(h.directory.get_by_user(&h.pool(), &user.sub).await.unwrap(), None, "nothing written for kim");
    let owner = h.directory.get_by_identity_id(&squatter.identity_id).await.unwrap().unwrap();
    assert_eq!(owner.sub, "someone-else", "the stored link stands");
    assert_eq!(h.items().await, 2);
}

#[tokio::test]
async fn two_concurrent_first_links_of_one_user_both_succeed_with_one_entry() {
    let h = harness().await;
    let (user, tokens, identity_id) = signed_in(&h.stack, "lee").await;
    let event = rest_event(&h.stack, &tokens.id_token, &user.sub, &identity_id);
    let (a, b) = tokio::join!(send(&h.service, &event), send(&h.service, &event));
    assert_eq!((a.0, b.0), (200, 200), "{} / {}", a.1, b.1);
    assert_eq!(a.1["identityId"], json!(identity_id));
    assert_eq!(b.1["identityId"], json!(identity_id));
    assert_eq!(h.items().await, 2, "one entry");
    assert_eq!(h.stack.stored_identity_id("lee").await.as_deref(), Some(identity_id.as_str()));
    let entry = h.directory.get_by_user(&h.pool(), &user.sub).await.unwrap().unwrap();
    assert_eq!(entry.identity_id.as_str(), identity_id);
}

#[tokio::test]
async fn a_foreign_iam_caller_on_a_repeat_is_403_and_writes_nothing() {
    let h = harness().await;
    let (alice, alice_tokens, alice_id) = signed_in(&h.stack, "alice").await;
    let (bob, _, bob_id) = signed_in(&h.stack, "bob").await;
    let (status, body, _) =
        send(&h.service, &rest_event(&h.stack, &alice_tokens.id_token, &alice.sub, &alice_id)).await;
    assert_eq!(status, 200, "{body}");
    let before = h.calls().await;

    for (label, event) in [
        ("Bob's credentials", rest_event(&h.stack, &alice_tokens.id_token, &bob.sub, &bob_id)),
        ("Alice's sub with Bob's IdentityId", rest_event(&h.stack, &alice_tokens.id_token, &alice.sub, &bob_id)),
        (
            "HTTP API, Alice's sub with Bob's IdentityId",
            http_api_event(&h.stack, &alice_tokens.id_token, &alice.sub, &bob_id),
        ),
    ] {
        let (status, body, _) = send(&h.service, &event).await;
        assert_eq!(status, 403, "{label}: {body}");
        assert_eq!(body["error"], json!("forbidden"), "{label}");
    }
    let calls = h.calls().await.since(&before);
    // Bob's credentials are refused before anything is read. Alice's sub with Bob's
    // IdentityId disagrees with the directory: one GetId each says the directory is
    // right (Alice's IdentityId did not change), and the caller is refused.
    assert_eq!((calls.0, calls.1), (2, 0), "one GetId for each caller that disagrees with the directory");
    assert_eq!(calls.2, ["GetItem", "GetItem"], "no directory write");
    assert_eq!(h.items().await, 2, "nothing written");
    assert_eq!(h.stack.stored_identity_id("alice").await, Some(alice_id));
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
    assert_eq!(h.items().await, 0);
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
    assert_eq!(h.items().await, 0, "nothing recorded in the directory");
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
    let table_before = h.calls().await;

    for (label, token) in
        [("forged", forged), ("expired", expired), ("foreign pool", foreign_token), ("garbage", "abc".into())]
    {
        let (status, body, _) = send(&h.service, &rest_event(&h.stack, &token, &user.sub, &identity_id)).await;
        assert_eq!(status, 401, "{label}: {body}");
        assert_eq!(body["error"], json!("invalid_token"), "{label}");
        assert!(!body.to_string().contains(&token[..token.len().min(20)]) || token == "abc", "{label}: token echoed");
    }
    assert_eq!(cognito_calls(&h.stack).await, before, "no GetId and no write for a bad token");
    assert!(h.calls().await.since(&table_before).2.is_empty(), "not even a directory read");
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
    // Signed by an IAM principal that is no Cognito identity (an IAM user or role): that
    // is someone, and not the token's user, so nobody links on their say.
    identity.insert("userArn".into(), json!("arn:aws:iam::123456789012:user/ops"));
    let (status, body, _) = send(&h.service, &event).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"], json!("forbidden"));
    // No IAM identity at all (a route without IAM auth): the verified token alone decides.
    let identity = event["requestContext"]["identity"].as_object_mut().unwrap();
    identity.remove("userArn");
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

/// An object event of `bytes` bytes under `identity_id`'s folder.
fn object(identity_id: &str, name: &str, bytes: u64) -> ObjectEvent {
    ObjectEvent {
        bucket: "relink-bucket".into(),
        key: format!("private/{identity_id}/{name}"),
        sequencer: "0A".into(),
        size: bytes,
    }
}

/// The raw `identity#<id>` item's `movedTo`.
async fn moved_to(h: &Harness, identity_id: &str) -> Option<String> {
    let item = h
        .stack
        .cognito
        .dynamodb()
        .get_item()
        .table_name(&h.table)
        .key("pk", aws_sdk_dynamodb::types::AttributeValue::S(format!("identity#{identity_id}")))
        .consistent_read(true)
        .send()
        .await
        .expect("GetItem")
        .item?;
    item.get("movedTo").and_then(|v| v.as_s().ok()).cloned()
}

#[tokio::test]
async fn a_deleted_identity_is_relinked_by_the_next_link_of_the_new_one() {
    let h = harness().await;
    let (user, tokens, old_id) = signed_in(&h.stack, "dora").await;
    let (status, body, _) = send(&h.service, &rest_event(&h.stack, &tokens.id_token, &user.sub, &old_id)).await;
    assert_eq!(status, 200, "{body}");
    let now = test_support::token_forge::now();
    let old = IdentityId::parse(&old_id).unwrap();
    h.directory.add_usage(&old, UsageAccount::Linked, &object(&old_id, "a.txt", 10), now).await.unwrap();

    // An operator (or forget) deletes the identity; Dora signs in again and gets a new one.
    let deleted = h.stack.cognito.identity().delete_identities().identity_ids_to_delete(&old_id).send().await.unwrap();
    assert!(deleted.unprocessed_identity_ids().is_empty());
    let tokens = h.stack.sign_in(&user).await;
    let new_id = h.stack.get_id(&tokens.id_token).await.unwrap();
    assert_ne!(new_id, old_id, "Cognito minted a new IdentityId");
    // She uploaded before linking: counted as unattributed under the new IdentityId.
    let new = IdentityId::parse(&new_id).unwrap();
    h.directory.add_usage(&new, UsageAccount::Unattributed, &object(&new_id, "b.txt", 7), now).await.unwrap();
    let before = h.calls().await;

    let (status, body, _) = send(&h.service, &rest_event(&h.stack, &tokens.id_token, &user.sub, &new_id)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"identityId": new_id, "sub": user.sub, "username": "dora", "changed": true, "refreshTokens": true})
    );
    let relink = h.calls().await.since(&before);
    assert_eq!((relink.0, relink.1), (1, 1), "one relink: one GetId, one attribute write");
    assert_eq!(
        relink.2,
        ["GetItem", "TransactWriteItems", "GetItem", "TransactWriteItems", "UpdateItem"],
        "read, relink transaction, unattributed usage read and move, mark"
    );
    assert_eq!(h.stack.stored_identity_id("dora").await.as_deref(), Some(new_id.as_str()));
    let entry = h.directory.get_by_user(&h.pool(), &user.sub).await.unwrap().unwrap();
    assert_eq!(entry.identity_id.as_str(), new_id);
    assert!(entry.user_pool_written_at.is_some());
    let by_new = h.directory.get_by_identity_id(&new).await.unwrap().unwrap();
    assert_eq!((by_new.sub.as_str(), by_new.usage), (user.sub.as_str(), Some(Usage { objects: 1, bytes: 7 })));
    assert_eq!(h.directory.unattributed_usage(&new).await.unwrap(), None, "moved to the user");
    let by_old = h.directory.get_by_identity_id(&old).await.unwrap().unwrap();
    assert_eq!(by_old.sub, user.sub, "the old folder is still traced to Dora");
    assert_eq!(by_old.usage, Some(Usage { objects: 1, bytes: 10 }), "and still counted where it is");
    assert_eq!(moved_to(&h, &old_id).await.as_deref(), Some(new_id.as_str()));

    // From now on the new IdentityId is a plain repeat: no Cognito call.
    let before_repeat = h.calls().await;
    let (status, body, _) = send(&h.service, &rest_event(&h.stack, &tokens.id_token, &user.sub, &new_id)).await;
    assert_eq!((status, body["changed"].clone()), (200, json!(false)), "{body}");
    let repeat = h.calls().await.since(&before_repeat);
    assert_eq!((repeat.0, repeat.1), (0, 0));
    // The old credentials (still valid STS keys until they expire) are refused now.
    let (status, _, _) = send(&h.service, &rest_event(&h.stack, &tokens.id_token, &user.sub, &old_id)).await;
    assert_eq!(status, 403);
    assert_eq!(h.directory.get_by_user(&h.pool(), &user.sub).await.unwrap().unwrap().identity_id.as_str(), new_id);
}

#[tokio::test]
async fn a_merged_identity_is_relinked_to_the_surviving_one() {
    let h = harness().await;
    let (user, tokens, old_id) = signed_in(&h.stack, "mona").await;
    let (status, body, _) = send(&h.service, &rest_event(&h.stack, &tokens.id_token, &user.sub, &old_id)).await;
    assert_eq!(status, 200, "{body}");
    // Mona's other login (say, a developer login of the app) has its own identity, and the
    // app links the two: Cognito merges hers into that one, which survives.
    let (_, _, surviving) = signed_in(&h.stack, "mona-other-login").await;
    h.stack.cognito.merge_identities(&old_id, &surviving).await;
    assert_eq!(h.stack.get_id(&tokens.id_token).await.unwrap(), surviving, "GetId answers the surviving id");
    let before = h.calls().await;

    let (status, body, _) = send(&h.service, &rest_event(&h.stack, &tokens.id_token, &user.sub, &surviving)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!((body["identityId"].clone(), body["changed"].clone()), (json!(surviving), json!(true)));
    let relink = h.calls().await.since(&before);
    assert_eq!((relink.0, relink.1), (1, 1), "one GetId, one attribute write");
    assert_eq!(relink.2, ["GetItem", "TransactWriteItems", "GetItem", "UpdateItem"], "nothing unattributed to move");
    assert_eq!(h.stack.stored_identity_id("mona").await.as_deref(), Some(surviving.as_str()));
    let entry = h.directory.get_by_user(&h.pool(), &user.sub).await.unwrap().unwrap();
    assert_eq!(entry.identity_id.as_str(), surviving);
    assert_eq!(moved_to(&h, &old_id).await.as_deref(), Some(surviving.as_str()));
    assert_eq!(h.items().await, 3, "the old identity item (moved), the new one, the user item");
}

#[tokio::test]
async fn a_caller_whose_identity_get_id_disagrees_with_is_refused_and_nothing_changes() {
    let h = harness().await;
    let (user, tokens, stored) = signed_in(&h.stack, "nell").await;
    let (status, body, _) = send(&h.service, &rest_event(&h.stack, &tokens.id_token, &user.sub, &stored)).await;
    assert_eq!(status, 200, "{body}");
    let (_, _, someone_elses) = signed_in(&h.stack, "oscar").await;
    let entry_before = h.directory.get_by_user(&h.pool(), &user.sub).await.unwrap();
    let before = h.calls().await;

    // Nell's token and sub, signed with another identity's credentials: a stale or forged
    // context. GetId says Nell's IdentityId is the stored one.
    let (status, body, _) = send(&h.service, &rest_event(&h.stack, &tokens.id_token, &user.sub, &someone_elses)).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"], json!("forbidden"));
    let calls = h.calls().await.since(&before);
    assert_eq!((calls.0, calls.1), (1, 0), "one GetId for the truth, no attribute write");
    assert_eq!(calls.2, ["GetItem"], "no directory write");
    assert_eq!(h.directory.get_by_user(&h.pool(), &user.sub).await.unwrap(), entry_before);
    assert_eq!(h.stack.stored_identity_id("nell").await.as_deref(), Some(stored.as_str()));
    assert_eq!(h.items().await, 2);
}

#[tokio::test]
async fn a_new_identity_id_that_belongs_to_someone_else_is_409_and_nothing_changes() {
    let h = harness().await;
    let (user, tokens, old_id) = signed_in(&h.stack, "pia").await;
    let (status, _, _) = send(&h.service, &rest_event(&h.stack, &tokens.id_token, &user.sub, &old_id)).await;
    assert_eq!(status, 200);
    h.stack.cognito.identity().delete_identities().identity_ids_to_delete(&old_id).send().await.unwrap();
    let new_id = h.stack.get_id(&tokens.id_token).await.unwrap();
    // The directory already says the new IdentityId is someone else's (a corrupt entry).
    let squatter = NewLink {
        identity_id: IdentityId::parse(&new_id).unwrap(),
        user_pool_id: h.pool(),
        sub: "someone-else".into(),
        username: "mallory".into(),
        linked_at: 1,
    };
    h.directory.record_link(&squatter).await.unwrap();

    let (status, body, _) = send(&h.service, &rest_event(&h.stack, &tokens.id_token, &user.sub, &new_id)).await;
    assert_eq!(status, 409, "{body}");
    let entry = h.directory.get_by_user(&h.pool(), &user.sub).await.unwrap().unwrap();
    assert_eq!(entry.identity_id.as_str(), old_id, "the stored link stands");
    assert_eq!(moved_to(&h, &old_id).await, None);
    assert_eq!(h.stack.stored_identity_id("pia").await.as_deref(), Some(old_id.as_str()));
}
