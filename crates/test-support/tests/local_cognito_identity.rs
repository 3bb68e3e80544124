//! The local Cognito's identity pool behaves like the real service: `GetId` is
//! authoritative (verifies the login token, stable id per user) and
//! `GetCredentialsForIdentity` answers only the identity's own user.
//! Exercised through the Rust AWS SDK, as the functions call it.

use aws_sdk_cognitoidentity::error::ProvideErrorMetadata;
use serde_json::json;
use test_support::local_cognito::{LocalCognito, TestStack, unique_name};
use test_support::token_forge::{TestKey, id_token_claims, now};

async fn stack() -> TestStack {
    LocalCognito::from_env().await.create_stack(&unique_name("identity")).await
}

fn error_code<E: ProvideErrorMetadata>(err: &aws_sdk_cognitoidentity::error::SdkError<E>) -> String {
    err.as_service_error().and_then(|e| e.code()).unwrap_or("not a service error").to_owned()
}

#[tokio::test]
async fn get_id_is_stable_per_user_and_distinct_between_users() {
    let stack = stack().await;
    let alice = stack.create_user("alice").await;
    let bob = stack.create_user("bob").await;

    let first = stack.get_id(&stack.sign_in(&alice).await.id_token).await.unwrap();
    let again = stack.get_id(&stack.sign_in(&alice).await.id_token).await.unwrap();
    let other = stack.get_id(&stack.sign_in(&bob).await.id_token).await.unwrap();

    assert!(first.starts_with("us-east-1:"), "{first}");
    assert_eq!(first, again, "the same user always gets the same IdentityId");
    assert_ne!(first, other, "two users get two IdentityIds");
}

#[tokio::test]
async fn get_id_rejects_garbage_tokens() {
    let stack = stack().await;
    for garbage in ["", "not-a-jwt", "a.b.c", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"] {
        let err = stack.get_id(garbage).await.unwrap_err();
        assert_eq!(error_code(&err), "NotAuthorizedException", "{garbage:?}");
    }
}

#[tokio::test]
async fn get_id_rejects_expired_tokens() {
    let stack = stack().await;
    let mut claims =
        id_token_claims("us-east-1", &stack.pool_id, &stack.client_id, "3f3f3f3f-0000-4000-8000-000000000001");
    claims["exp"] = json!(now() - 60);
    let expired = stack.cognito.sign_with_pool_key(&claims).await;
    assert_eq!(error_code(&stack.get_id(&expired).await.unwrap_err()), "NotAuthorizedException");
}

#[tokio::test]
async fn get_id_rejects_tokens_signed_by_another_key() {
    let stack = stack().await;
    let claims = id_token_claims("us-east-1", &stack.pool_id, &stack.client_id, "3f3f3f3f-0000-4000-8000-000000000002");
    let forged = TestKey::generate("dummy").sign(&claims);
    assert_eq!(error_code(&stack.get_id(&forged).await.unwrap_err()), "NotAuthorizedException");
}

#[tokio::test]
async fn get_id_rejects_a_token_of_a_foreign_pool() {
    let stack = stack().await;
    let foreign = stack.cognito.create_stack(&unique_name("identity-foreign")).await;
    let user = foreign.create_user("trudy").await;
    let token = foreign.sign_in(&user).await.id_token;
    // The token is valid for its own pool, but this identity pool's provider is another pool.
    let err = stack.get_id(&token).await.unwrap_err();
    assert_eq!(error_code(&err), "NotAuthorizedException");
    assert!(foreign.get_id(&token).await.is_ok(), "the same token is fine for its own identity pool");
}

#[tokio::test]
async fn get_id_rejects_a_client_the_identity_pool_does_not_list() {
    let stack = stack().await;
    let other_client = stack.cognito.create_app_client(&stack.pool_id, "unlisted").await;
    let user = stack.create_user("oscar").await;
    let token = stack.sign_in_with(&user, &other_client).await.id_token;
    assert_eq!(error_code(&stack.get_id(&token).await.unwrap_err()), "NotAuthorizedException");
}

#[tokio::test]
async fn get_id_rejects_access_tokens() {
    let stack = stack().await;
    let user = stack.create_user("peggy").await;
    let token = stack.sign_in(&user).await.access_token;
    assert_eq!(error_code(&stack.get_id(&token).await.unwrap_err()), "NotAuthorizedException");
}

#[tokio::test]
async fn get_id_on_an_unknown_identity_pool_is_resource_not_found() {
    let stack = stack().await;
    let user = stack.create_user("victor").await;
    let token = stack.sign_in(&user).await.id_token;
    let err = stack
        .cognito
        .identity()
        .get_id()
        .identity_pool_id("us-east-1:00000000-0000-4000-8000-000000000000")
        .logins(&stack.provider_name, token)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_code(&err), "ResourceNotFoundException");
}

#[tokio::test]
async fn credentials_only_for_the_identity_of_the_login() {
    let stack = stack().await;
    let alice = stack.create_user("carol").await;
    let bob = stack.create_user("dave").await;
    let alice_token = stack.sign_in(&alice).await.id_token;
    let bob_token = stack.sign_in(&bob).await.id_token;
    let alice_id = stack.get_id(&alice_token).await.unwrap();
    let identity = stack.cognito.identity();

    let creds = identity
        .get_credentials_for_identity()
        .identity_id(&alice_id)
        .logins(&stack.provider_name, &alice_token)
        .send()
        .await
        .expect("credentials for the user's own identity");
    assert_eq!(creds.identity_id.as_deref(), Some(alice_id.as_str()));
    let creds = creds.credentials.expect("credentials");
    assert!(creds.access_key_id.is_some_and(|k| !k.is_empty()));
    assert!(creds.secret_key.is_some() && creds.session_token.is_some() && creds.expiration.is_some());

    let err = identity
        .get_credentials_for_identity()
        .identity_id(&alice_id)
        .logins(&stack.provider_name, &bob_token)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_code(&err), "NotAuthorizedException", "bob's login cannot get alice's credentials");

    let err = identity
        .get_credentials_for_identity()
        .identity_id("us-east-1:11111111-2222-4333-8444-555555555555")
        .logins(&stack.provider_name, &alice_token)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_code(&err), "ResourceNotFoundException");
}
