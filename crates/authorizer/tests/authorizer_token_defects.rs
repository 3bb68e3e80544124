//! One test per class of bad token: each is refused with the `Unauthorized` that API
//! Gateway turns into 401 (or `isAuthorized: false` for HTTP API simple answers), and
//! none of them costs a Cognito call, under `TOKEN_USE=id` and under `TOKEN_USE=any`
//! (which accepts both kinds, and so must refuse every defect of either). The tokens carry no `custom:identity_id`, so an
//! accepted one would call `GetId`: the count of zero is meaningful.

// clippy computes the layout of the authorizer's future (each wait bounded by the
// request's deadline), which is deeper than the default query limit of 128.
#![recursion_limit = "256"]

mod common;

use authorizer::{Authorizer, AuthorizerError, RejectReason};
use common::{
    CLIENT, Fixture, POOL, SUB, config, fixture, http_api_event, identity_client, now, rest_token_event,
    unlinked_claims,
};
use lambda_runtime::Diagnostic;
use serde_json::{Value, json};
use test_support::token_forge::{TestKey, b64, sign_hs256, unsigned};
use token_verifier::{AcceptedTokens, CognitoJwtVerifier};

/// Asserts `token` is refused for `expected_reason` in both answer styles, with no Cognito
/// call, by the fixture's authorizer (`TOKEN_USE=id`) and by one accepting any kind.
async fn assert_refused(f: &Fixture, token: &str, expected_reason: &str) {
    assert_refused_by(f, &f.authorizer, token, expected_reason).await;
    assert_refused_by(f, &accepting_any(f), token, expected_reason).await;
}

/// An authorizer like the fixture's (same keys, same `GetId` rule) under `TOKEN_USE=any`.
fn accepting_any(f: &Fixture) -> Authorizer {
    let config = config(|c| c.verifier.token_use = AcceptedTokens::Any);
    let verifier = CognitoJwtVerifier::with_fetcher(config.verifier.clone(), f.jwks.clone());
    Authorizer::new(config, verifier, identity_client(&f.get_id))
}

async fn assert_refused_by(f: &Fixture, authorizer: &Authorizer, token: &str, expected_reason: &str) {
    let err = authorizer.authorize(&rest_token_event(token), now()).await.unwrap_err();
    assert!(matches!(err, AuthorizerError::Unauthorized(RejectReason::InvalidToken(_))), "{err:?}");
    assert_eq!(err.code(), expected_reason, "{err:?}");
    let diagnostic = Diagnostic::from(err);
    assert_eq!((diagnostic.error_type.as_str(), diagnostic.error_message.as_str()), ("Unauthorized", "Unauthorized"));

    let simple = authorizer.authorize(&http_api_event(token), now()).await.unwrap().to_value();
    assert_eq!(simple, json!({"isAuthorized": false}));

    assert_eq!(f.get_id.num_calls(), 0, "a token that does not verify never reaches Cognito");
    assert_eq!(authorizer.cached_token_count(), 0, "a refused token is never cached");
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

#[tokio::test]
async fn control_a_good_unlinked_token_is_allowed_and_calls_get_id() {
    let f = fixture();
    let answer =
        f.authorizer.authorize(&rest_token_event(&f.key.sign(&unlinked_claims())), now()).await.unwrap().to_value();
    assert_eq!(answer["principalId"], json!(SUB));
    assert_eq!(f.get_id.num_calls(), 1);
}

#[tokio::test]
async fn alg_none() {
    let f = fixture();
    let header = json!({"alg": "none", "kid": "key-1"});
    assert_refused(&f, &unsigned(&header, &unlinked_claims()), "malformed").await;
    let with_signature = format!("{}.{}.{}", b64(header.to_string()), b64(unlinked_claims().to_string()), b64("x"));
    assert_refused(&f, &with_signature, "unsupported_algorithm").await;
}

#[tokio::test]
async fn hs256_signed_with_the_rsa_public_key() {
    let f = fixture();
    for secret in [f.key.modulus_bytes(), f.key.jwk().to_string().into_bytes()] {
        let token = sign_hs256(&secret, &json!({"alg": "HS256", "kid": "key-1"}), &unlinked_claims());
        assert_refused(&f, &token, "unsupported_algorithm").await;
    }
    // Claiming RS256 does not turn a MAC into an RSA signature.
    let token = sign_hs256(&f.key.modulus_bytes(), &json!({"alg": "RS256", "kid": "key-1"}), &unlinked_claims());
    assert_refused(&f, &token, "bad_signature").await;
}

#[tokio::test]
async fn signed_by_another_key_with_the_same_kid() {
    let f = fixture();
    let impostor = TestKey::generate("key-1");
    assert_refused(&f, &impostor.sign(&unlinked_claims()), "bad_signature").await;
}

#[tokio::test]
async fn unknown_kid() {
    let f = fixture();
    let stranger = TestKey::generate("key-nobody-published");
    assert_refused(&f, &stranger.sign(&unlinked_claims()), "unknown_kid").await;
}

#[tokio::test]
async fn missing_kid() {
    let f = fixture();
    let token = f.key.sign_with_header(&json!({"alg": "RS256", "typ": "JWT"}), &unlinked_claims());
    assert_refused(&f, &token, "missing_kid").await;
}

#[tokio::test]
async fn expired() {
    let f = fixture();
    let token = f.key.sign(&with(unlinked_claims(), "exp", json!(now() - 60)));
    assert_refused(&f, &token, "expired").await;
}

#[tokio::test]
async fn not_yet_valid() {
    let f = fixture();
    let token = f.key.sign(&with(unlinked_claims(), "nbf", json!(now() + 600)));
    assert_refused(&f, &token, "not_yet_valid").await;
}

#[tokio::test]
async fn wrong_issuer() {
    let f = fixture();
    for iss in [
        "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_SomeoneElse".to_owned(),
        format!("https://cognito-idp.us-east-1.amazonaws.com/{POOL}/"),
        format!("https://evil.example/{POOL}"),
    ] {
        assert_refused(&f, &f.key.sign(&with(unlinked_claims(), "iss", json!(iss))), "wrong_issuer").await;
    }
}

#[tokio::test]
async fn wrong_audience() {
    let f = fixture();
    let token = f.key.sign(&with(unlinked_claims(), "aud", json!("another-app-client")));
    assert_refused(&f, &token, "wrong_audience").await;
}

#[tokio::test]
async fn wrong_token_use() {
    let f = fixture();
    for token_use in ["refresh", "ID", ""] {
        let token = f.key.sign(&with(unlinked_claims(), "token_use", json!(token_use)));
        assert_refused(&f, &token, "wrong_token_use").await;
    }
}

#[tokio::test]
async fn an_access_token_is_not_an_id_token() {
    let f = fixture();
    // Refused under `TOKEN_USE=id` only: the control that `any` accepts it is below.
    assert_refused_by(&f, &f.authorizer, &f.key.sign(&access_claims()), "wrong_token_use").await;
}

/// A good access token of [`SUB`], as a user sign-in gets it.
fn access_claims() -> Value {
    json!({
        "sub": SUB,
        "iss": format!("https://cognito-idp.us-east-1.amazonaws.com/{POOL}"),
        "client_id": CLIENT,
        "token_use": "access",
        "scope": "aws.cognito.signin.user.admin",
        "username": "alice",
        "exp": now() + 3600,
        "iat": now(),
    })
}

#[tokio::test]
async fn control_any_accepts_a_good_access_token() {
    let f = fixture();
    let answer = accepting_any(&f).authorize(&rest_token_event(&f.key.sign(&access_claims())), now()).await;
    assert_eq!(answer.unwrap().to_value()["context"]["tokenUse"], json!("access"));
}

#[tokio::test]
async fn access_token_defects_under_any() {
    let f = fixture();
    let any = accepting_any(&f);
    let mut no_client = access_claims();
    no_client.as_object_mut().unwrap().remove("client_id");
    let mut as_aud = no_client.clone();
    as_aud["aud"] = json!(CLIENT);
    for (claims, reason) in [
        (with(access_claims(), "client_id", json!("another-app-client")), "wrong_audience"),
        (no_client, "wrong_audience"),
        (as_aud, "wrong_audience"),
        (with(access_claims(), "exp", json!(now() - 3600)), "expired"),
        (
            with(access_claims(), "iss", json!("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other")),
            "wrong_issuer",
        ),
        (with(access_claims(), "token_use", json!("Access")), "wrong_token_use"),
    ] {
        assert_refused_by(&f, &any, &f.key.sign(&claims), reason).await;
    }
    let other_key = TestKey::generate("key-1");
    assert_refused_by(&f, &any, &other_key.sign(&access_claims()), "bad_signature").await;
}

#[tokio::test]
async fn tampered_payload() {
    let f = fixture();
    let token = f.key.sign(&unlinked_claims());
    let (header, rest) = token.split_once('.').unwrap();
    let (_, signature) = rest.split_once('.').unwrap();
    for (claim, value) in [("sub", json!("someone-else")), ("custom:identity_id", json!("us-east-1:stolen"))] {
        let forged_payload = b64(with(unlinked_claims(), claim, value).to_string());
        assert_refused(&f, &format!("{header}.{forged_payload}.{signature}"), "bad_signature").await;
    }
}

#[tokio::test]
async fn truncated_signature() {
    let f = fixture();
    let token = f.key.sign(&unlinked_claims());
    // 342 base64 characters carry an RSA-2048 signature; 332 decode to 249 bytes.
    assert_refused(&f, &token[..token.len() - 10], "bad_signature").await;
    // One character less is not even valid base64.
    assert_refused(&f, &token[..token.len() - 1], "malformed").await;
    let (signed, _) = token.rsplit_once('.').unwrap();
    assert_refused(&f, &format!("{signed}."), "malformed").await;
}

#[tokio::test]
async fn malformed_json_and_structure() {
    let f = fixture();
    let header = b64(json!({"alg": "RS256", "kid": "key-1"}).to_string());
    let not_json = f.key.sign_parts(&header, &b64("{\"sub\": \"x\", "));
    assert_refused(&f, &not_json, "malformed").await;
    let not_claims = f.key.sign_parts(&header, &b64("[1, 2, 3]"));
    assert_refused(&f, &not_claims, "malformed").await;
    let header_not_json = f.key.sign_parts(&b64("RS256"), &b64(unlinked_claims().to_string()));
    assert_refused(&f, &header_not_json, "malformed").await;
    for garbage in ["not-a-jwt", "a.b", "a.b.c.d", "....", "Basic dXNlcjpwYXNz", "eyJ.eyJ.sig"] {
        assert_refused(&f, garbage, "malformed").await;
    }
}

#[tokio::test]
async fn oversized_input() {
    let f = fixture();
    let padded = with(unlinked_claims(), "padding", json!("x".repeat(20_000)));
    assert_refused(&f, &f.key.sign(&padded), "too_large").await;
    assert_refused(&f, &"A".repeat(1_000_000), "too_large").await;
}

#[tokio::test]
async fn no_token_or_no_usable_event_is_unauthorized_too() {
    let f = fixture();
    let mut event = rest_token_event("x");
    event.as_object_mut().unwrap().remove("authorizationToken");
    let err = f.authorizer.authorize(&event, now()).await.unwrap_err();
    assert_eq!(err, AuthorizerError::Unauthorized(RejectReason::MissingToken));
    for header in ["", "Bearer", "  bearer   ", " \t "] {
        event["authorizationToken"] = json!(header);
        let err = f.authorizer.authorize(&event, now()).await.unwrap_err();
        assert_eq!(err, AuthorizerError::Unauthorized(RejectReason::MissingToken), "{header:?}");
    }
    let good = f.key.sign(&unlinked_claims());
    let mut event = rest_token_event(&good);
    event["methodArn"] = json!("not-an-arn");
    let err = f.authorizer.authorize(&event, now()).await.unwrap_err();
    assert_eq!(err.code(), "malformed_event");
    for event in [json!(null), json!([good]), json!({"authorizationToken": good}), json!({"type": "SIGV4"})] {
        let err = f.authorizer.authorize(&event, now()).await.unwrap_err();
        assert_eq!(err.code(), "malformed_event", "{event}");
    }
    assert_eq!(f.get_id.num_calls(), 0);
}
