//! One test per verification rule, with RSA keys generated in the test and the
//! JWKS served from memory so fetches can be counted and made to fail.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use test_support::static_jwks::{StaticJwks, StaticJwksMode};
use test_support::token_forge::{TestKey, b64, id_token_claims, jwks_json, now, sign_hs256, unsigned};
use token_verifier::{AcceptedTokens, CognitoJwtVerifier, VerifierConfig, VerifyError};

const POOL: &str = "us-east-1_TestPool1";
const CLIENT: &str = "client-id-1";

struct Fixture {
    key: TestKey,
    jwks: Arc<StaticJwks>,
    verifier: CognitoJwtVerifier,
}

fn config() -> VerifierConfig {
    VerifierConfig::new(POOL, vec![CLIENT.into(), "client-id-2".into()]).unwrap()
}

fn fixture_with(config: VerifierConfig) -> Fixture {
    let key = TestKey::generate("key-1");
    let jwks = Arc::new(StaticJwks::new(jwks_json(&[&key])));
    let verifier = CognitoJwtVerifier::with_fetcher(config, jwks.clone());
    Fixture { key, jwks, verifier }
}

fn fixture() -> Fixture {
    fixture_with(config())
}

fn claims() -> Value {
    id_token_claims("us-east-1", POOL, CLIENT, "5f6e7d8c-1111-2222-3333-444455556666")
}

fn with(mut value: Value, key: &str, new: Value) -> Value {
    value[key] = new;
    value
}

fn without(mut value: Value, key: &str) -> Value {
    value.as_object_mut().unwrap().remove(key);
    value
}

#[tokio::test]
async fn a_real_shaped_id_token_verifies_into_typed_claims() {
    let f = fixture();
    let mut payload = claims();
    payload["custom:identity_id"] = json!("us-east-1:0a1b2c3d-0000-4000-8000-000000000000");
    payload["cognito:groups"] = json!(["admins", "readers"]);
    let claims = f.verifier.verify(&f.key.sign(&payload)).await.unwrap();
    assert_eq!(claims.sub, "5f6e7d8c-1111-2222-3333-444455556666");
    assert_eq!(claims.user_name(), Some("user-5f6e7d8c"));
    assert_eq!(claims.email.as_deref(), Some("user@example.com"));
    assert_eq!(claims.groups, vec!["admins", "readers"]);
    assert_eq!(claims.linked_identity_id(), Some("us-east-1:0a1b2c3d-0000-4000-8000-000000000000"));
    assert_eq!(claims.app_client_id(), Some(CLIENT));
    assert_eq!(f.jwks.fetch_count(), 1);
}

#[tokio::test]
async fn alg_none_is_rejected() {
    let f = fixture();
    let token = unsigned(&json!({"alg": "none", "kid": "key-1"}), &claims());
    assert!(matches!(f.verifier.verify(&token).await, Err(VerifyError::Malformed(_))));
    let token = format!("{}.{}.{}", b64(r#"{"alg":"none","kid":"key-1"}"#), b64(claims().to_string()), b64("x"));
    assert!(matches!(f.verifier.verify(&token).await, Err(VerifyError::UnsupportedAlgorithm(_))));
}

#[tokio::test]
async fn hs256_with_the_public_key_as_secret_is_rejected() {
    let f = fixture();
    let header = json!({"alg": "HS256", "kid": "key-1"});
    for secret in [f.key.modulus_bytes(), f.key.jwk().to_string().into_bytes()] {
        let token = sign_hs256(&secret, &header, &claims());
        assert!(matches!(f.verifier.verify(&token).await, Err(VerifyError::UnsupportedAlgorithm(_))));
    }
    // Even with the header claiming RS256, a MAC is not an RSA signature.
    let token = sign_hs256(&f.key.modulus_bytes(), &json!({"alg": "RS256", "kid": "key-1"}), &claims());
    assert_eq!(f.verifier.verify(&token).await.unwrap_err(), VerifyError::BadSignature);
}

#[tokio::test]
async fn other_rsa_algorithms_in_the_header_are_rejected() {
    let f = fixture();
    for alg in ["RS384", "RS512", "PS256", "ES256"] {
        let token = f.key.sign_with_header(&json!({"alg": alg, "kid": "key-1"}), &claims());
        assert!(matches!(f.verifier.verify(&token).await, Err(VerifyError::UnsupportedAlgorithm(_))), "{alg}");
    }
}

#[tokio::test]
async fn the_algorithm_comes_from_the_jwk() {
    let key = TestKey::generate("key-ps");
    let mut jwk = key.jwk();
    jwk["alg"] = json!("PS256");
    let jwks = Arc::new(StaticJwks::new(json!({"keys": [jwk]}).to_string()));
    let verifier = CognitoJwtVerifier::with_fetcher(config(), jwks);
    // A perfectly good RS256 signature, but the JWKS says this key is not for RS256.
    let err = verifier.verify(&key.sign(&claims())).await.unwrap_err();
    assert!(matches!(err, VerifyError::JwksUnavailable(_) | VerifyError::UnknownKey(_)), "{err:?}");
}

#[tokio::test]
async fn kid_is_required() {
    let f = fixture();
    let token = f.key.sign_with_header(&json!({"alg": "RS256"}), &claims());
    assert_eq!(f.verifier.verify(&token).await.unwrap_err(), VerifyError::MissingKeyId);
    assert_eq!(f.jwks.fetch_count(), 0, "no fetch for a token without kid");
}

#[tokio::test]
async fn embedded_keys_and_key_urls_in_the_header_are_ignored() {
    let f = fixture();
    let attacker = TestKey::generate("key-1");
    let header = json!({
        "alg": "RS256", "kid": "key-1",
        "jwk": attacker.jwk(),
        "jku": "https://attacker.example/jwks.json",
        "x5u": "https://attacker.example/cert.pem",
    });
    let token = attacker.sign_with_header(&header, &claims());
    assert_eq!(f.verifier.verify(&token).await.unwrap_err(), VerifyError::BadSignature);
}

#[tokio::test]
async fn crit_header_is_rejected() {
    let f = fixture();
    let token = f.key.sign_with_header(&json!({"alg": "RS256", "kid": "key-1", "crit": ["exp"]}), &claims());
    assert_eq!(f.verifier.verify(&token).await.unwrap_err(), VerifyError::CriticalHeader);
}

#[tokio::test]
async fn issuer_must_be_exactly_this_pool() {
    let f = fixture();
    for iss in [
        "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_OtherPool",
        "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool1/",
        "https://evil.example/us-east-1_TestPool1",
    ] {
        let token = f.key.sign(&with(claims(), "iss", json!(iss)));
        assert_eq!(f.verifier.verify(&token).await.unwrap_err(), VerifyError::WrongIssuer, "{iss}");
    }
    assert_eq!(f.jwks.fetch_count(), 0, "a foreign issuer never triggers a JWKS fetch");
}

#[tokio::test]
async fn audience_must_be_an_accepted_client() {
    let f = fixture();
    let token = f.key.sign(&with(claims(), "aud", json!("someone-elses-client")));
    assert_eq!(f.verifier.verify(&token).await.unwrap_err(), VerifyError::WrongAudience);
    let token = f.key.sign(&with(claims(), "aud", json!("client-id-2")));
    assert!(f.verifier.verify(&token).await.is_ok(), "every configured client is accepted");
    let token = f.key.sign(&without(claims(), "aud"));
    assert_eq!(f.verifier.verify(&token).await.unwrap_err(), VerifyError::WrongAudience);
}

#[tokio::test]
async fn token_use_must_match() {
    let f = fixture();
    let access = json!({
        "sub": "5f6e7d8c-1111-2222-3333-444455556666",
        "iss": format!("https://cognito-idp.us-east-1.amazonaws.com/{POOL}"),
        "client_id": CLIENT, "token_use": "access", "scope": "aws.cognito.signin.user.admin",
        "exp": now() + 3600, "iat": now(), "username": "alice",
    });
    let token = f.key.sign(&access);
    assert_eq!(f.verifier.verify(&token).await.unwrap_err(), VerifyError::WrongTokenUse { expected: "id" });

    let mut access_config = config();
    access_config.token_use = AcceptedTokens::Access;
    let access_verifier = CognitoJwtVerifier::with_fetcher(access_config, f.jwks.clone());
    let claims_of_access = access_verifier.verify(&token).await.unwrap();
    assert_eq!(claims_of_access.user_name(), Some("alice"));
    let id_token = f.key.sign(&claims());
    assert_eq!(access_verifier.verify(&id_token).await.unwrap_err(), VerifyError::WrongTokenUse { expected: "access" });
}

#[tokio::test]
async fn expired_tokens_are_rejected_within_leeway_only() {
    let f = fixture();
    let token = f.key.sign(&with(claims(), "exp", json!(now() - 60)));
    assert_eq!(f.verifier.verify(&token).await.unwrap_err(), VerifyError::Expired);
    let token = f.key.sign(&with(claims(), "exp", json!(now() - 2)));
    assert!(f.verifier.verify(&token).await.is_ok(), "2 s past exp is within the 5 s leeway");
}

#[tokio::test]
async fn exp_is_required() {
    let f = fixture();
    let token = f.key.sign(&without(claims(), "exp"));
    assert_eq!(f.verifier.verify(&token).await.unwrap_err(), VerifyError::MissingClaim("exp"));
}

#[tokio::test]
async fn not_yet_valid_tokens_are_rejected() {
    let f = fixture();
    let token = f.key.sign(&with(claims(), "nbf", json!(now() + 600)));
    assert_eq!(f.verifier.verify(&token).await.unwrap_err(), VerifyError::NotYetValid);
}

#[tokio::test]
async fn leeway_is_configurable() {
    let mut config = config();
    config.leeway = Duration::from_secs(0);
    let f = fixture_with(config);
    let token = f.key.sign(&with(claims(), "exp", json!(now() - 2)));
    assert_eq!(f.verifier.verify(&token).await.unwrap_err(), VerifyError::Expired);
}

#[tokio::test]
async fn oversized_tokens_are_rejected_before_decoding() {
    let f = fixture();
    let padding = "x".repeat(20 * 1024);
    let token = f.key.sign(&with(claims(), "padding", json!(padding)));
    assert_eq!(f.verifier.verify(&token).await.unwrap_err(), VerifyError::TooLarge { limit: 16 * 1024 });
    assert_eq!(f.verifier.verify(&"a".repeat(1 << 20)).await.unwrap_err(), VerifyError::TooLarge { limit: 16 * 1024 });
    assert_eq!(f.jwks.fetch_count(), 0);
}

#[tokio::test]
async fn a_tampered_payload_fails_the_signature() {
    let f = fixture();
    let token = f.key.sign(&claims());
    let parts: Vec<&str> = token.split('.').collect();
    let forged = b64(with(claims(), "sub", json!("someone-else")).to_string());
    let tampered = format!("{}.{}.{}", parts[0], forged, parts[2]);
    assert_eq!(f.verifier.verify(&tampered).await.unwrap_err(), VerifyError::BadSignature);
}

#[tokio::test]
async fn a_truncated_or_flipped_signature_fails() {
    let f = fixture();
    let token = f.key.sign(&claims());
    let truncated = &token[..token.len() - 4];
    assert!(matches!(f.verifier.verify(truncated).await, Err(VerifyError::BadSignature | VerifyError::Malformed(_))));
    let mut flipped = token.clone().into_bytes();
    let last = flipped.len() - 10;
    flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
    assert_eq!(f.verifier.verify(std::str::from_utf8(&flipped).unwrap()).await.unwrap_err(), VerifyError::BadSignature);
}

#[tokio::test]
async fn a_signature_by_another_key_with_the_same_kid_fails() {
    let f = fixture();
    let impostor = TestKey::generate("key-1");
    assert_eq!(f.verifier.verify(&impostor.sign(&claims())).await.unwrap_err(), VerifyError::BadSignature);
}

#[tokio::test]
async fn malformed_inputs_are_malformed_not_panics() {
    let f = fixture();
    for token in ["", "abc", "a.b", "a.b.c", "....", "eyJhbGciOiJSUzI1NiJ9.e30.", "\u{0}\u{0}.\u{ff}.x"] {
        assert!(f.verifier.verify(token).await.is_err(), "{token:?}");
    }
    let header = b64(r#"{"alg":"RS256","kid":"key-1"}"#);
    let not_json = f.key.sign_parts(&header, &b64("not json"));
    assert!(matches!(f.verifier.verify(&not_json).await, Err(VerifyError::Malformed(_))));
    let wrong_types = f.key.sign(&with(claims(), "exp", json!("tomorrow")));
    assert!(matches!(f.verifier.verify(&wrong_types).await, Err(VerifyError::Malformed(_))));
}

#[tokio::test(start_paused = true)]
async fn an_unknown_kid_refetches_at_most_once_per_ten_seconds() {
    let f = fixture();
    f.verifier.verify(&f.key.sign(&claims())).await.unwrap();
    assert_eq!(f.jwks.fetch_count(), 1);

    let rotated = TestKey::generate("key-2");
    for _ in 0..50 {
        let err = f.verifier.verify(&rotated.sign(&claims())).await.unwrap_err();
        assert!(matches!(err, VerifyError::UnknownKey(_)), "{err:?}");
    }
    assert_eq!(f.jwks.fetch_count(), 1, "the first fetch was under 10 s ago: no refetch");

    tokio::time::advance(Duration::from_secs(10)).await;
    let generation = f.verifier.key_set_generation();
    f.jwks.set_body(jwks_json(&[&f.key, &rotated]));
    f.verifier.verify(&rotated.sign(&claims())).await.unwrap();
    assert_eq!(f.jwks.fetch_count(), 2, "one refetch after the interval picks up the rotated key");
    assert_ne!(f.verifier.key_set_generation(), generation, "a changed key set bumps the generation");

    for _ in 0..20 {
        let stranger = TestKey::generate("key-3");
        assert!(f.verifier.verify(&stranger.sign(&claims())).await.is_err());
    }
    assert_eq!(f.jwks.fetch_count(), 2);
}

#[tokio::test(start_paused = true)]
async fn concurrent_first_requests_share_one_fetch() {
    let f = Arc::new(fixture());
    let token = f.key.sign(&claims());
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let (f, token) = (f.clone(), token.clone());
            tokio::spawn(async move { f.verifier.verify(&token).await.map(|_| ()) })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(f.jwks.fetch_count(), 1);
}

#[tokio::test(start_paused = true)]
async fn cached_keys_keep_working_while_the_jwks_endpoint_is_down() {
    let f = fixture();
    let token = f.key.sign(&claims());
    f.verifier.verify(&token).await.unwrap();
    f.jwks.set_mode(StaticJwksMode::Fail);
    tokio::time::advance(Duration::from_secs(60)).await;
    let unknown = TestKey::generate("key-9").sign(&claims());
    assert!(matches!(f.verifier.verify(&unknown).await, Err(VerifyError::JwksUnavailable(_))));
    f.verifier.verify(&token).await.expect("cached key still verifies");
    f.verifier.verify(&f.key.sign(&claims())).await.expect("new tokens of a cached key verify");
}

#[tokio::test(start_paused = true)]
async fn a_hung_jwks_fetch_is_bounded_by_the_timeout() {
    let f = fixture();
    f.jwks.set_mode(StaticJwksMode::Hang);
    let started = tokio::time::Instant::now();
    let err = f.verifier.verify(&f.key.sign(&claims())).await.unwrap_err();
    assert_eq!(err, VerifyError::JwksUnavailable("timed out".into()));
    assert_eq!(started.elapsed(), Duration::from_secs(2));
}

#[tokio::test]
async fn an_unchanged_refetch_keeps_the_generation() {
    let f = fixture();
    f.verifier.verify(&f.key.sign(&claims())).await.unwrap();
    let generation = f.verifier.key_set_generation();
    assert!(f.verifier.verify(&f.key.sign(&claims())).await.is_ok());
    let unknown = TestKey::generate("other").sign(&claims());
    assert!(matches!(f.verifier.verify(&unknown).await, Err(VerifyError::UnknownKey(_))));
    assert_eq!(f.verifier.key_set_generation(), generation);
}
