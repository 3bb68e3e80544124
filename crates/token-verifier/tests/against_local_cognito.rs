//! The verifier against the local Cognito: real sign-ins, the real JWKS endpoint,
//! fetches counted in the emulator's call log.

use serde_json::json;
use test_support::local_cognito::{LocalCognito, TestStack, unique_name};
use test_support::token_forge::{TestKey, id_token_claims};
use token_verifier::{CognitoJwtVerifier, VerifierConfig, VerifyError};

async fn stack() -> TestStack {
    LocalCognito::from_env().await.create_stack(&unique_name("verifier")).await
}

fn verifier_for(stack: &TestStack) -> CognitoJwtVerifier {
    let config = VerifierConfig::from_lookup(|name| stack.env_var(name)).expect("config from the stack's environment");
    CognitoJwtVerifier::new(config)
}

async fn jwks_fetches(stack: &TestStack) -> usize {
    stack.cognito.calls_for(&stack.pool_id).await.iter().filter(|c| c.service == "jwks").count()
}

#[tokio::test]
async fn tokens_from_a_real_sign_in_verify() {
    let stack = stack().await;
    let user = stack.create_user("ada").await;
    let tokens = stack.sign_in(&user).await;
    let verifier = verifier_for(&stack);

    let claims = verifier.verify(&tokens.id_token).await.expect("a real id token verifies");
    assert_eq!(claims.sub, user.sub);
    assert_eq!(claims.user_name(), Some("ada"));
    assert_eq!(claims.email.as_deref(), Some("ada@example.com"));
    assert_eq!(claims.linked_identity_id(), None, "not linked yet");
    assert_eq!(
        verifier.verify(&tokens.access_token).await.unwrap_err(),
        VerifyError::WrongTokenUse { expected: "id" },
        "an access token is not an id token"
    );
    assert_eq!(jwks_fetches(&stack).await, 1);
}

#[tokio::test]
async fn a_token_of_another_pool_or_client_is_refused() {
    let stack = stack().await;
    let other = stack.cognito.create_stack(&unique_name("verifier-other")).await;
    let user = other.create_user("eve").await;
    let tokens = other.sign_in(&user).await;
    let verifier = verifier_for(&stack);
    assert_eq!(verifier.verify(&tokens.id_token).await.unwrap_err(), VerifyError::WrongIssuer);

    let second_client = stack.cognito.create_app_client(&stack.pool_id, "not-accepted").await;
    let user = stack.create_user("mallory").await;
    let tokens = stack.sign_in_with(&user, &second_client).await;
    assert_eq!(verifier.verify(&tokens.id_token).await.unwrap_err(), VerifyError::WrongAudience);
}

#[tokio::test]
async fn expired_pool_signed_tokens_are_refused() {
    let stack = stack().await;
    let mut claims =
        id_token_claims("us-east-1", &stack.pool_id, &stack.client_id, "7d1e9c52-aaaa-4bbb-8ccc-0123456789ab");
    claims["exp"] = json!(test_support::token_forge::now() - 3600);
    let expired = stack.cognito.sign_with_pool_key(&claims).await;
    assert_eq!(verifier_for(&stack).verify(&expired).await.unwrap_err(), VerifyError::Expired);
}

#[tokio::test]
async fn unknown_kids_cause_at_most_one_fetch_per_interval() {
    let stack = stack().await;
    let user = stack.create_user("grace").await;
    let tokens = stack.sign_in(&user).await;
    let verifier = verifier_for(&stack);
    verifier.verify(&tokens.id_token).await.unwrap();
    assert_eq!(jwks_fetches(&stack).await, 1);

    let claims = id_token_claims("us-east-1", &stack.pool_id, &stack.client_id, &user.sub);
    for i in 0..25 {
        let stranger = TestKey::generate(&format!("rotated-{i}"));
        let err = verifier.verify(&stranger.sign(&claims)).await.unwrap_err();
        assert!(matches!(err, VerifyError::UnknownKey(_)), "{err:?}");
    }
    assert_eq!(jwks_fetches(&stack).await, 1, "a storm of unknown kids within 10 s fetches nothing more");
}

#[tokio::test]
async fn cached_keys_keep_working_after_the_jwks_endpoint_goes_away() {
    let stack = stack().await;
    let user = stack.create_user("linus").await;
    let verifier = verifier_for(&stack);
    verifier.verify(&stack.sign_in(&user).await.id_token).await.unwrap();

    stack.cognito.set_jwks_mode(&stack.pool_id, "down", 0).await;
    let fresh = stack.sign_in(&user).await;
    let result = verifier.verify(&fresh.id_token).await;
    stack.cognito.set_jwks_mode(&stack.pool_id, "ok", 0).await;
    assert_eq!(result.expect("cached keys verify while the JWKS is down").sub, user.sub);
    assert_eq!(jwks_fetches(&stack).await, 1);
}

#[tokio::test]
async fn a_first_fetch_against_a_down_endpoint_is_an_upstream_error() {
    let stack = stack().await;
    let user = stack.create_user("ken").await;
    let tokens = stack.sign_in(&user).await;
    stack.cognito.set_jwks_mode(&stack.pool_id, "down", 0).await;
    let err = verifier_for(&stack).verify(&tokens.id_token).await.unwrap_err();
    stack.cognito.set_jwks_mode(&stack.pool_id, "ok", 0).await;
    assert!(err.is_upstream(), "{err:?}");
}
