//! Access tokens (`TOKEN_USE=access|any`) and several user pools: one test per rule,
//! with the JWKS served from memory so every fetch is counted.

use std::sync::Arc;

use serde_json::{Value, json};
use test_support::static_jwks::StaticJwks;
use test_support::token_forge::{TestKey, id_token_claims, jwks_json, now};
use token_verifier::{AcceptedTokens, CognitoJwtVerifier, VerifierConfig, VerifyError};

const CUSTOMERS: &str = "us-east-1_Customers1";
const STAFF: &str = "eu-west-1_Staff2";
const OUTSIDER: &str = "us-east-1_NotListed3";
const CLIENT: &str = "client-id-1";
const SUB: &str = "5f6e7d8c-1111-2222-3333-444455556666";

fn issuer(pool: &str) -> String {
    let region = pool.split_once('_').unwrap().0;
    format!("https://cognito-idp.{region}.amazonaws.com/{pool}")
}

/// The claims of a Cognito access token as a user pool issues them.
fn access_claims(pool: &str, scope: &str) -> Value {
    json!({
        "sub": SUB, "iss": issuer(pool), "client_id": CLIENT, "origin_jti": "o", "event_id": "e",
        "token_use": "access", "scope": scope, "auth_time": now(), "exp": now() + 3600, "iat": now(),
        "jti": "j", "username": "alice", "cognito:groups": ["admins"],
    })
}

fn id_claims(pool: &str) -> Value {
    let region = pool.split_once('_').unwrap().0;
    id_token_claims(region, pool, CLIENT, SUB)
}

fn verifier(pools: &[&str], token_use: AcceptedTokens, jwks: &Arc<StaticJwks>) -> CognitoJwtVerifier {
    let mut config = VerifierConfig::for_pools(pools, vec![CLIENT.into()]).unwrap();
    config.token_use = token_use;
    CognitoJwtVerifier::with_fetcher(config, jwks.clone())
}

#[tokio::test]
async fn an_access_token_verifies_into_scopes_client_and_username() {
    let key = TestKey::generate("k1");
    let jwks = Arc::new(StaticJwks::new(jwks_json(&[&key])));
    let v = verifier(&[CUSTOMERS], AcceptedTokens::Access, &jwks);
    let claims =
        v.verify(&key.sign(&access_claims(CUSTOMERS, "orders/read  aws.cognito.signin.user.admin"))).await.unwrap();
    assert_eq!(claims.scope, ["orders/read", "aws.cognito.signin.user.admin"]);
    assert_eq!(claims.client_id.as_deref(), Some(CLIENT));
    assert_eq!(claims.user_name(), Some("alice"));
    assert_eq!(claims.groups, ["admins"]);
    assert_eq!(claims.issuer_pool_id(), Some(CUSTOMERS));
    assert_eq!(
        v.verify(&key.sign(&id_claims(CUSTOMERS))).await.unwrap_err(),
        VerifyError::WrongTokenUse { expected: "access" }
    );
}

#[tokio::test]
async fn any_takes_both_kinds_each_against_its_own_audience_claim() {
    let key = TestKey::generate("k1");
    let jwks = Arc::new(StaticJwks::new(jwks_json(&[&key])));
    let v = verifier(&[CUSTOMERS], AcceptedTokens::Any, &jwks);
    assert!(v.verify(&key.sign(&id_claims(CUSTOMERS))).await.unwrap().scope.is_empty());
    assert!(v.verify(&key.sign(&access_claims(CUSTOMERS, "orders/read"))).await.is_ok());

    // An access token is checked on client_id, never on aud.
    let mut access = access_claims(CUSTOMERS, "orders/read");
    access.as_object_mut().unwrap().remove("client_id");
    access["aud"] = json!(CLIENT);
    assert_eq!(v.verify(&key.sign(&access)).await.unwrap_err(), VerifyError::WrongAudience);
    access["client_id"] = json!("client-of-another-app");
    assert_eq!(v.verify(&key.sign(&access)).await.unwrap_err(), VerifyError::WrongAudience);
    // An id token is checked on aud, never on client_id.
    let mut id = id_claims(CUSTOMERS);
    id["aud"] = json!("client-of-another-app");
    id["client_id"] = json!(CLIENT);
    assert_eq!(v.verify(&key.sign(&id)).await.unwrap_err(), VerifyError::WrongAudience);
    // Neither kind: refused whatever else it carries.
    let mut refresh = id_claims(CUSTOMERS);
    refresh["token_use"] = json!("refresh");
    assert_eq!(
        v.verify(&key.sign(&refresh)).await.unwrap_err(),
        VerifyError::WrongTokenUse { expected: "id or access" }
    );
}

#[tokio::test]
async fn each_listed_pool_verifies_with_its_own_issuer_and_keys() {
    let key = TestKey::generate("k1");
    let jwks = Arc::new(StaticJwks::new(jwks_json(&[&key])));
    let v = verifier(&[CUSTOMERS, STAFF], AcceptedTokens::Any, &jwks);
    let generation = v.key_set_generation();
    let customer = v.verify(&key.sign(&id_claims(CUSTOMERS))).await.unwrap();
    assert_eq!(customer.issuer_pool_id(), Some(CUSTOMERS));
    assert_eq!(jwks.fetch_count(), 1);
    assert_ne!(v.key_set_generation(), generation, "a pool's first keys change the generation");
    // The other pool's keys are its own: its first token fetches them, even right after.
    let staff = v.verify(&key.sign(&access_claims(STAFF, "orders/admin"))).await.unwrap();
    assert_eq!(staff.issuer_pool_id(), Some(STAFF));
    assert_eq!(jwks.fetch_count(), 2, "one fetch per pool");
    // Cached from now on, in both.
    v.verify(&key.sign(&id_claims(STAFF))).await.unwrap();
    v.verify(&key.sign(&id_claims(CUSTOMERS))).await.unwrap();
    assert_eq!(jwks.fetch_count(), 2);
}

#[tokio::test]
async fn an_unknown_kid_refetches_at_most_once_per_interval_per_pool() {
    let key = TestKey::generate("k1");
    let rotated = TestKey::generate("k2");
    let jwks = Arc::new(StaticJwks::new(jwks_json(&[&key])));
    let v = verifier(&[CUSTOMERS, STAFF], AcceptedTokens::Id, &jwks);
    v.verify(&key.sign(&id_claims(CUSTOMERS))).await.unwrap();
    assert_eq!(jwks.fetch_count(), 1);
    // The customers pool fetched under 10 s ago: an unknown kid there costs nothing.
    let unknown = rotated.sign(&id_claims(CUSTOMERS));
    assert!(matches!(v.verify(&unknown).await.unwrap_err(), VerifyError::UnknownKey(_)));
    assert_eq!(jwks.fetch_count(), 1);
    // The staff pool has its own throttle: one fetch, then none for a second unknown kid.
    v.verify(&key.sign(&id_claims(STAFF))).await.unwrap();
    assert_eq!(jwks.fetch_count(), 2);
    assert!(matches!(v.verify(&rotated.sign(&id_claims(STAFF))).await.unwrap_err(), VerifyError::UnknownKey(_)));
    assert_eq!(jwks.fetch_count(), 2);
}

#[tokio::test]
async fn a_token_of_a_pool_outside_the_list_costs_no_fetch() {
    let key = TestKey::generate("k1");
    let jwks = Arc::new(StaticJwks::new(jwks_json(&[&key])));
    let v = verifier(&[CUSTOMERS, STAFF], AcceptedTokens::Any, &jwks);
    // Correctly signed by a key every listed pool would trust, and still refused.
    for token in [key.sign(&id_claims(OUTSIDER)), key.sign(&access_claims(OUTSIDER, "orders/read"))] {
        assert_eq!(v.verify(&token).await.unwrap_err(), VerifyError::WrongIssuer);
    }
    assert_eq!(jwks.fetch_count(), 0, "no network call for a foreign issuer");
    // Also once the keys are cached (the key would verify the signature).
    v.verify(&key.sign(&id_claims(CUSTOMERS))).await.unwrap();
    assert_eq!(v.verify(&key.sign(&id_claims(OUTSIDER))).await.unwrap_err(), VerifyError::WrongIssuer);
    // A listed pool's id with another region is another issuer.
    let mut spoofed = id_claims(CUSTOMERS);
    spoofed["iss"] = json!(format!("https://cognito-idp.eu-west-1.amazonaws.com/{CUSTOMERS}"));
    assert_eq!(v.verify(&key.sign(&spoofed)).await.unwrap_err(), VerifyError::WrongIssuer);
    assert_eq!(jwks.fetch_count(), 1);
}
