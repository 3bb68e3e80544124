//! Access tokens (`TOKEN_USE`) and several user pools, in-process with forged tokens
//! (the emulator's access tokens carry no custom scopes): the context names the token's
//! kind, pool and scopes; an access token never costs a `GetId`; `GetId`'s `Logins` is
//! keyed by the token's own pool; a pool outside the list costs nothing at all.

mod common;

use std::sync::Arc;

use authorizer::{Authorizer, AuthorizerError};
use aws_sdk_cognitoidentity::operation::get_id::GetIdOutput;
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use common::*;
use serde_json::{Value, json};
use test_support::static_jwks::StaticJwks;
use test_support::token_forge::{TestKey, id_token_claims, jwks_json};
use token_verifier::{AcceptedTokens, CognitoJwtVerifier, VerifierConfig};

const STAFF_POOL: &str = "eu-west-1_StaffPool2";
const STAFF_LOGIN: &str = "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_StaffPool2";
const STAFF_IDENTITY_ID: &str = "us-east-1:5a5a5a5a-0000-4000-8000-00000000beef";

/// The claims of an access token of [`SUB`] in `pool`, with `scope`.
fn access_claims(pool: &str, scope: &str) -> Value {
    let region = pool.split_once('_').unwrap().0;
    json!({
        "sub": SUB, "iss": format!("https://cognito-idp.{region}.amazonaws.com/{pool}"),
        "client_id": CLIENT, "token_use": "access", "scope": scope, "auth_time": now(),
        "exp": now() + 3600, "iat": now(), "jti": "j", "username": "alice",
    })
}

async fn context_of(authorizer: &Authorizer, token: &str) -> Value {
    let answer = authorizer.authorize(&rest_token_event(token), now()).await.expect("an answer").to_value();
    assert_eq!(answer["policyDocument"]["Statement"][0]["Effect"], json!("Allow"), "{answer}");
    answer["context"].clone()
}

#[tokio::test]
async fn an_unknown_access_token_is_allowed_unlinked_with_no_identity_id_and_no_call() {
    let f = fixture_with(get_id_answers(), |c| c.verifier.token_use = AcceptedTokens::Access);
    let token = f.key.sign(&access_claims(POOL, "orders/read orders/write"));
    let context = context_of(&f.authorizer, &token).await;
    assert_eq!(context["linked"], json!("false"));
    assert_eq!(context.get("identityId"), None, "{context}");
    assert_eq!(context["tokenUse"], json!("access"));
    assert_eq!(context["scopes"], json!("orders/read orders/write"));
    assert_eq!(context["userPoolId"], json!(POOL));
    assert_eq!(context["username"], json!("alice"));
    assert_eq!(context["clientId"], json!(CLIENT));
    assert_eq!(f.get_id.num_calls(), 0, "GetId takes id tokens only");
}

#[tokio::test]
async fn require_linked_denies_an_access_token_nobody_vouches_for() {
    let f = fixture_with(get_id_answers(), |c| {
        c.verifier.token_use = AcceptedTokens::Access;
        c.require_linked = true;
    });
    let answer =
        f.authorizer.authorize(&rest_token_event(&f.key.sign(&access_claims(POOL, "a"))), now()).await.unwrap();
    assert_eq!(answer.to_value()["policyDocument"]["Statement"][0]["Effect"], json!("Deny"));
    assert_eq!(f.get_id.num_calls(), 0);
}

#[tokio::test]
async fn each_token_use_setting_refuses_the_other_kind() {
    let id_only = fixture();
    let access = id_only.key.sign(&access_claims(POOL, "a"));
    assert!(matches!(
        id_only.authorizer.authorize(&rest_token_event(&access), now()).await,
        Err(AuthorizerError::Unauthorized(_))
    ));
    let access_only = fixture_with(get_id_answers(), |c| c.verifier.token_use = AcceptedTokens::Access);
    let id = access_only.key.sign(&unlinked_claims());
    assert!(matches!(
        access_only.authorizer.authorize(&rest_token_event(&id), now()).await,
        Err(AuthorizerError::Unauthorized(_))
    ));
    let any = fixture_with(get_id_answers(), |c| c.verifier.token_use = AcceptedTokens::Any);
    let id_context = context_of(&any.authorizer, &any.key.sign(&unlinked_claims())).await;
    assert_eq!(
        (id_context["tokenUse"].as_str(), id_context["identityId"].as_str()),
        (Some("id"), Some(RESOLVED_IDENTITY_ID))
    );
    let access_context = context_of(&any.authorizer, &any.key.sign(&access_claims(POOL, "a"))).await;
    assert_eq!(access_context["tokenUse"], json!("access"));
    assert_eq!(any.get_id.num_calls(), 1, "one GetId, for the id token");
}

/// An authorizer trusting [`POOL`] and [`STAFF_POOL`], `GetId` answering each pool's login only.
fn two_pools() -> (TestKey, Arc<StaticJwks>, Rule, Rule, Authorizer) {
    let key = TestKey::generate("key-1");
    let jwks = Arc::new(StaticJwks::new(jwks_json(&[&key])));
    let customers = get_id_answers();
    let staff = mock!(aws_sdk_cognitoidentity::Client::get_id)
        .match_requests(|input| input.logins().is_some_and(|l| l.len() == 1 && l.contains_key(STAFF_LOGIN)))
        .then_output(|| GetIdOutput::builder().identity_id(STAFF_IDENTITY_ID).build());
    let client = mock_client!(aws_sdk_cognitoidentity, RuleMode::MatchAny, [&staff, &customers]);
    let mut config = config(|c| c.verifier.token_use = AcceptedTokens::Any);
    config.verifier = {
        let mut v = VerifierConfig::for_pools(&[POOL, STAFF_POOL], vec![CLIENT.into()]).unwrap();
        v.token_use = AcceptedTokens::Any;
        v
    };
    let verifier = CognitoJwtVerifier::with_fetcher(config.verifier.clone(), jwks.clone());
    (key, jwks, customers, staff, Authorizer::new(config, verifier, client))
}

#[tokio::test]
async fn get_id_is_asked_with_the_tokens_own_pool_as_login() {
    let (key, jwks, customers, staff, authorizer) = two_pools();
    let staff_id = key.sign(&id_token_claims("eu-west-1", STAFF_POOL, CLIENT, SUB));
    let context = context_of(&authorizer, &staff_id).await;
    assert_eq!(context["identityId"], json!(STAFF_IDENTITY_ID));
    assert_eq!(context["userPoolId"], json!(STAFF_POOL));
    // The same sub in the other pool is another user: resolved on its own.
    let context = context_of(&authorizer, &key.sign(&unlinked_claims())).await;
    assert_eq!(context["identityId"], json!(RESOLVED_IDENTITY_ID));
    assert_eq!(context["userPoolId"], json!(POOL));
    assert_eq!((customers.num_calls(), staff.num_calls()), (1, 1));
    assert_eq!(jwks.fetch_count(), 2, "one JWKS per pool");
}

#[tokio::test]
async fn a_token_of_a_pool_outside_the_list_costs_no_call_of_any_kind() {
    let (key, jwks, customers, staff, authorizer) = two_pools();
    for token in [
        key.sign(&id_token_claims("us-east-1", "us-east-1_Outsider9", CLIENT, SUB)),
        key.sign(&access_claims("us-east-1_Outsider9", "orders/read")),
    ] {
        let err = authorizer.authorize(&rest_token_event(&token), now()).await.unwrap_err();
        assert!(err.is_unauthorized(), "{err:?}");
    }
    assert_eq!((jwks.fetch_count(), customers.num_calls(), staff.num_calls()), (0, 0, 0));
}
