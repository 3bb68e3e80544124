//! The authorizer against the local Cognito: real sign-ins, the real JWKS endpoint,
//! and `GetId` calls counted in the emulator's call log.

use authorizer::{Authorizer, AuthorizerConfig};
use serde_json::{Value, json};
use test_support::local_cognito::{LocalCognito, TestStack, env_var_in, unique_name};
use test_support::sample_events::{EventValues, sample_event};
use test_support::token_forge::now;
use token_verifier::CognitoJwtVerifier;

async fn stack() -> TestStack {
    LocalCognito::from_env().await.create_stack(&unique_name("authz")).await
}

/// An authorizer configured as the deployed function would be for `stack`, plus `extra`.
fn authorizer_for(stack: &TestStack, extra: &[(&str, &str)]) -> Authorizer {
    let mut env = stack.function_env();
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let config = AuthorizerConfig::from_lookup(|name| env_var_in(&env, name))
        .expect("configuration from the stack's environment");
    let verifier = CognitoJwtVerifier::new(config.verifier.clone());
    Authorizer::new(config, verifier, stack.cognito.identity())
}

fn event(file: &str, id_token: &str) -> Value {
    sample_event(file, &EventValues { id_token: Some(id_token.to_owned()), ..Default::default() })
}

/// `GetId` calls the emulator received for the stack's identity pool.
async fn get_id_calls(stack: &TestStack) -> usize {
    stack.cognito.calls_for(&stack.identity_pool_id).await.iter().filter(|c| c.operation == "GetId").count()
}

/// Any Cognito Identity call for the stack's identity pool.
async fn identity_calls(stack: &TestStack) -> usize {
    stack.cognito.calls_for(&stack.identity_pool_id).await.iter().filter(|c| c.service == "cognito-identity").count()
}

#[tokio::test]
async fn an_unlinked_token_gets_the_identity_id_get_id_gives_once_per_user() {
    let stack = stack().await;
    let user = stack.create_user("ursula").await;
    let tokens = stack.sign_in(&user).await;
    let authorizer = authorizer_for(&stack, &[]);

    let answer =
        authorizer.authorize(&event("authorizer-rest-token.json", &tokens.id_token), now()).await.unwrap().to_value();
    assert_eq!(answer["principalId"], json!(user.sub));
    assert_eq!(answer["policyDocument"]["Statement"][0]["Effect"], json!("Allow"));
    let context = &answer["context"];
    assert_eq!(context["linked"], json!("false"));
    assert_eq!(context["username"], json!("ursula"));
    assert_eq!(context["email"], json!("ursula@example.com"));
    assert_eq!(context["clientId"], json!(stack.client_id));
    assert_eq!(context["identityPoolId"], json!(stack.identity_pool_id));
    assert_eq!(get_id_calls(&stack).await, 1);

    // The same token again, then a new token of the same user: no further GetId.
    let again =
        authorizer.authorize(&event("authorizer-http-api-v2.json", &tokens.id_token), now()).await.unwrap().to_value();
    assert_eq!(again["context"]["identityId"], context["identityId"]);
    let new_sign_in = stack.sign_in(&user).await;
    assert_ne!(new_sign_in.id_token, tokens.id_token);
    let third = authorizer
        .authorize(&event("authorizer-rest-request.json", &new_sign_in.id_token), now())
        .await
        .unwrap()
        .to_value();
    assert_eq!(third["context"]["identityId"], context["identityId"]);
    assert_eq!(get_id_calls(&stack).await, 1, "GetId is cached per sub");

    // Cognito's own answer for this user is the IdentityId the authorizer put in the context.
    let expected = stack.get_id(&tokens.id_token).await.unwrap();
    assert_eq!(context["identityId"], json!(expected));
}

#[tokio::test]
async fn require_linked_denies_an_unlinked_token_without_any_call() {
    let stack = stack().await;
    let user = stack.create_user("ulrich").await;
    let tokens = stack.sign_in(&user).await;
    let authorizer = authorizer_for(&stack, &[("REQUIRE_LINKED", "true")]);

    let answer =
        authorizer.authorize(&event("authorizer-rest-token.json", &tokens.id_token), now()).await.unwrap().to_value();
    assert_eq!(answer["policyDocument"]["Statement"][0]["Effect"], json!("Deny"));
    assert_eq!(answer["principalId"], json!(user.sub));
    let simple =
        authorizer.authorize(&event("authorizer-http-api-v2.json", &tokens.id_token), now()).await.unwrap().to_value();
    assert_eq!(simple, json!({"isAuthorized": false}));
    assert_eq!(identity_calls(&stack).await, 0);
}

#[tokio::test]
async fn a_linked_token_is_allowed_with_its_own_identity_id_and_no_call() {
    let stack = stack().await;
    let user = stack.create_user("lena").await;
    let tokens = stack.sign_in(&user).await;
    // What the link function does: GetId, then write custom:identity_id.
    let identity_id = stack.get_id(&tokens.id_token).await.unwrap();
    stack.set_identity_id(&user.username, &identity_id).await;
    let refreshed = stack.refresh(tokens.refresh_token.as_deref().expect("refresh token")).await;
    let calls_before = get_id_calls(&stack).await;
    assert_eq!(calls_before, 1, "only the link's own GetId");

    let authorizer = authorizer_for(&stack, &[("REQUIRE_LINKED", "true")]);
    for file in ["authorizer-rest-token.json", "authorizer-rest-request.json", "authorizer-http-api-v2.json"] {
        let answer = authorizer.authorize(&event(file, &refreshed.id_token), now()).await.unwrap().to_value();
        assert_eq!(answer["context"]["linked"], json!("true"), "{file}: {answer}");
        assert_eq!(answer["context"]["identityId"], json!(identity_id), "{file}");
        assert_eq!(answer["context"]["sub"], json!(user.sub), "{file}");
    }
    assert_eq!(get_id_calls(&stack).await, calls_before, "a linked token needs no GetId");
}

#[tokio::test]
async fn refused_tokens_cost_no_cognito_identity_call() {
    let stack = stack().await;
    let user = stack.create_user("rufus").await;
    let tokens = stack.sign_in(&user).await;
    let authorizer = authorizer_for(&stack, &[]);

    let mut expired_claims = test_support::token_forge::id_token_claims(
        "us-east-1",
        &stack.pool_id,
        &stack.client_id,
        "3f3f3f3f-0000-4000-8000-00000000e001",
    );
    expired_claims["exp"] = json!(now() - 120);
    let expired = stack.cognito.sign_with_pool_key(&expired_claims).await;
    let foreign = {
        let other = stack.cognito.create_stack(&unique_name("authz-foreign")).await;
        let eve = other.create_user("eve").await;
        other.sign_in(&eve).await.id_token
    };
    for (token, reason) in [
        (tokens.access_token.as_str(), "wrong_token_use"),
        (expired.as_str(), "expired"),
        (foreign.as_str(), "wrong_issuer"),
        ("eyJhbGciOiJub25lIn0.e30.", "malformed"),
    ] {
        let err = authorizer.authorize(&event("authorizer-rest-token.json", token), now()).await.expect_err(reason);
        assert_eq!(err.code(), reason);
        let simple =
            authorizer.authorize(&event("authorizer-http-api-v2.json", token), now()).await.unwrap().to_value();
        assert_eq!(simple, json!({"isAuthorized": false}));
    }
    assert_eq!(identity_calls(&stack).await, 0);
}
