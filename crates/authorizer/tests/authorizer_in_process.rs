//! The authorizer called in-process, as the runtime (or a bench) calls it: every
//! flavour's answer, the caches, `REQUIRE_LINKED`, and what a failing `GetId` or an
//! unreachable JWKS turns into.

mod common;

use std::sync::Arc;

use authorizer::{AuthorizerError, HttpApiResponseFormat, RejectReason};
use aws_lambda_events::apigw::{
    ApiGatewayCustomAuthorizerResponse, ApiGatewayV2CustomAuthorizerIamPolicyResponse,
    ApiGatewayV2CustomAuthorizerSimpleResponse,
};
use aws_lambda_events::iam::IamPolicyEffect;
use aws_sdk_cognitoidentity::operation::get_id::GetIdOutput;
use aws_smithy_mocks::mock;
use common::*;
use lambda_runtime::Diagnostic;
use serde_json::{Value, json};
use test_support::static_jwks::StaticJwksMode;
use test_support::token_forge::{TestKey, jwks_json};
use token_verifier::CognitoJwtVerifier;

fn allow_context(answer: &Value) -> &serde_json::Map<String, Value> {
    answer["context"].as_object().unwrap_or_else(|| panic!("no context in {answer}"))
}

#[tokio::test]
async fn rest_token_event_gets_a_stage_wide_allow_with_both_ids() {
    let f = fixture();
    let token = f.key.sign(&linked_claims());
    let answer = f.authorizer.authorize(&rest_token_event(&token), now()).await.unwrap().to_value();

    let parsed: ApiGatewayCustomAuthorizerResponse = serde_json::from_value(answer.clone()).unwrap();
    assert_eq!(parsed.principal_id.as_deref(), Some(SUB));
    let statement = &parsed.policy_document.statement[0];
    assert_eq!(statement.effect, IamPolicyEffect::Allow);
    assert_eq!(statement.action, vec!["execute-api:Invoke"]);
    assert_eq!(statement.resource, vec![REST_STAGE_RESOURCE]);
    assert_eq!(
        Value::Object(allow_context(&answer).clone()),
        json!({
            "sub": SUB,
            "username": "user-5f6e7d8c",
            "identityId": LINKED_IDENTITY_ID,
            "identityPoolId": IDENTITY_POOL,
            "linked": "true",
            "clientId": CLIENT,
            "email": "user@example.com",
            "groups": r#"["admins","readers"]"#,
            "tokenUse": "id",
            "userPoolId": POOL,
        })
    );
    assert_eq!(f.get_id.num_calls(), 0, "a linked token needs no Cognito call");
}

#[tokio::test]
async fn rest_request_event_reads_the_authorization_header() {
    let f = fixture();
    let token = f.key.sign(&linked_claims());
    let answer =
        f.authorizer.authorize(&event("authorizer-rest-request.json", &token), now()).await.unwrap().to_value();
    assert_eq!(answer["principalId"], json!(SUB));
    assert_eq!(answer["policyDocument"]["Statement"][0]["Resource"], json!(REST_STAGE_RESOURCE));
    assert_eq!(answer["context"]["identityId"], json!(LINKED_IDENTITY_ID));

    // The header name in another case, the token without a scheme.
    let mut lower = event("authorizer-rest-request.json", &token);
    let headers = lower["headers"].as_object_mut().unwrap();
    headers.remove("Authorization");
    headers.insert("authorization".into(), json!(format!("  {token} ")));
    assert_eq!(f.authorizer.authorize(&lower, now()).await.unwrap().to_value(), answer);
}

#[tokio::test]
async fn http_api_payload_1_0_answers_with_a_policy() {
    let f = fixture();
    let token = f.key.sign(&linked_claims());
    let event = json!({
        "version": "1.0",
        "type": "REQUEST",
        "methodArn": "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/$default/GET/whoami",
        "identitySource": format!("Bearer {token}"),
        "authorizationToken": format!("Bearer {token}"),
        "resource": "/whoami",
        "path": "/whoami",
        "httpMethod": "GET",
        "headers": {"authorization": format!("Bearer {token}")},
        "requestContext": {"accountId": "123456789012", "apiId": "abcdef1234", "stage": "$default"}
    });
    let answer = f.authorizer.authorize(&event, now()).await.unwrap().to_value();
    assert_eq!(
        answer["policyDocument"]["Statement"][0]["Resource"],
        json!("arn:aws:execute-api:us-east-1:123456789012:abcdef1234/$default/*/*")
    );
    assert_eq!(answer["context"]["sub"], json!(SUB));
}

#[tokio::test]
async fn http_api_v2_answers_simply_by_default() {
    let f = fixture();
    let token = f.key.sign(&linked_claims());
    let answer = f.authorizer.authorize(&http_api_event(&token), now()).await.unwrap().to_value();
    let parsed: ApiGatewayV2CustomAuthorizerSimpleResponse = serde_json::from_value(answer.clone()).unwrap();
    assert!(parsed.is_authorized);
    assert_eq!(answer["context"]["identityId"], json!(LINKED_IDENTITY_ID));
    assert_eq!(answer["context"]["linked"], json!("true"));
    assert!(answer.get("policyDocument").is_none());

    let refused = f.authorizer.authorize(&http_api_event("not-a-token"), now()).await.unwrap().to_value();
    assert_eq!(refused, json!({"isAuthorized": false}));
}

#[tokio::test]
async fn http_api_v2_answers_with_a_policy_when_configured() {
    let f = fixture_with(get_id_answers(), |c| c.http_api_response = HttpApiResponseFormat::Iam);
    let token = f.key.sign(&linked_claims());
    let answer = f.authorizer.authorize(&http_api_event(&token), now()).await.unwrap().to_value();
    let parsed: ApiGatewayV2CustomAuthorizerIamPolicyResponse = serde_json::from_value(answer.clone()).unwrap();
    assert_eq!(parsed.principal_id.as_deref(), Some(SUB));
    assert_eq!(
        parsed.policy_document.statement[0].resource,
        vec!["arn:aws:execute-api:us-east-1:123456789012:abcdef1234/$default/*/*"]
    );
    assert_eq!(answer["context"]["sub"], json!(SUB));

    let err = f.authorizer.authorize(&http_api_event("not-a-token"), now()).await.unwrap_err();
    assert_eq!(Diagnostic::from(err).error_message, "Unauthorized");
}

#[tokio::test]
async fn an_unlinked_token_is_resolved_with_get_id_once_per_user() {
    let f = fixture();
    let first = f.key.sign(&unlinked_claims());
    let answer = f.authorizer.authorize(&rest_token_event(&first), now()).await.unwrap().to_value();
    assert_eq!(answer["context"]["identityId"], json!(RESOLVED_IDENTITY_ID));
    assert_eq!(answer["context"]["linked"], json!("false"));
    assert!(answer["context"].get("groups").is_none(), "no groups claim, no groups key");
    assert_eq!(f.get_id.num_calls(), 1);

    // Another token of the same user (a new sign-in): the IdentityId is remembered.
    let mut claims = unlinked_claims();
    claims["jti"] = json!("another-token-id");
    let second = f.key.sign(&claims);
    assert_ne!(first, second);
    let answer = f.authorizer.authorize(&http_api_event(&second), now()).await.unwrap().to_value();
    assert_eq!(answer["context"]["identityId"], json!(RESOLVED_IDENTITY_ID));
    assert_eq!(f.get_id.num_calls(), 1, "GetId is cached per sub");
}

#[tokio::test]
async fn require_linked_denies_unlinked_tokens_without_a_call() {
    let f = fixture_with(get_id_answers(), |c| c.require_linked = true);
    let unlinked = f.key.sign(&unlinked_claims());

    let answer = f.authorizer.authorize(&rest_token_event(&unlinked), now()).await.unwrap().to_value();
    let parsed: ApiGatewayCustomAuthorizerResponse = serde_json::from_value(answer.clone()).unwrap();
    assert_eq!(parsed.principal_id.as_deref(), Some(SUB));
    assert_eq!(parsed.policy_document.statement[0].effect, IamPolicyEffect::Deny, "an explicit Deny: 403");
    assert_eq!(parsed.policy_document.statement[0].resource, vec![REST_STAGE_RESOURCE]);
    assert!(answer.get("context").is_none());

    let simple = f.authorizer.authorize(&http_api_event(&unlinked), now()).await.unwrap().to_value();
    assert_eq!(simple, json!({"isAuthorized": false}));
    assert_eq!(f.get_id.num_calls(), 0);

    let linked = f.key.sign(&linked_claims());
    let answer = f.authorizer.authorize(&rest_token_event(&linked), now()).await.unwrap().to_value();
    assert_eq!(answer["policyDocument"]["Statement"][0]["Effect"], json!("Allow"));
    assert_eq!(f.get_id.num_calls(), 0);
}

#[tokio::test]
async fn get_id_refusing_the_login_is_unauthorized() {
    let f = fixture_with(get_id_fails("NotAuthorizedException"), |_| {});
    let token = f.key.sign(&unlinked_claims());
    let err = f.authorizer.authorize(&rest_token_event(&token), now()).await.unwrap_err();
    assert_eq!(err, AuthorizerError::Unauthorized(RejectReason::IdentityRefused));
    assert_eq!(Diagnostic::from(err).error_message, "Unauthorized");
    let simple = f.authorizer.authorize(&http_api_event(&token), now()).await.unwrap().to_value();
    assert_eq!(simple, json!({"isAuthorized": false}));
}

#[tokio::test]
async fn get_id_throttled_or_down_is_a_500_not_a_401_and_not_an_allow() {
    let cases = [
        ("TooManyRequestsException", AuthorizerError::IdentityThrottled),
        ("InternalErrorException", AuthorizerError::IdentityUnavailable),
        ("ResourceNotFoundException", AuthorizerError::IdentityCallFailed("ResourceNotFoundException".into())),
        ("LimitExceededException", AuthorizerError::IdentityCallFailed("LimitExceededException".into())),
    ];
    for (error, expected) in cases {
        assert!(!expected.is_unauthorized());
        let f = fixture_with(get_id_fails(error), |_| {});
        let token = f.key.sign(&unlinked_claims());
        for event in [rest_token_event(&token), http_api_event(&token)] {
            let err = f.authorizer.authorize(&event, now()).await.unwrap_err();
            assert_eq!(err, expected);
            let diagnostic = Diagnostic::from(err);
            assert_ne!(diagnostic.error_message, "Unauthorized");
            assert!(!diagnostic.error_message.contains(&token));
        }
        assert_eq!(f.get_id.num_calls(), 2, "a failure is not cached: every request asks again");
    }
}

#[tokio::test]
async fn a_get_id_failure_is_retried_on_the_next_request() {
    let get_id = mock!(aws_sdk_cognitoidentity::Client::get_id)
        .sequence()
        .http_response(|| cognito_identity_error("TooManyRequestsException"))
        .output(|| GetIdOutput::builder().identity_id(RESOLVED_IDENTITY_ID).build())
        .build();
    let f = fixture_with(get_id, |_| {});
    let token = f.key.sign(&unlinked_claims());
    assert_eq!(
        f.authorizer.authorize(&rest_token_event(&token), now()).await.unwrap_err(),
        AuthorizerError::IdentityThrottled
    );
    let answer = f.authorizer.authorize(&rest_token_event(&token), now()).await.unwrap().to_value();
    assert_eq!(answer["context"]["identityId"], json!(RESOLVED_IDENTITY_ID));
    assert_eq!(f.get_id.num_calls(), 2);
}

#[tokio::test]
async fn unreachable_keys_are_a_500_not_a_401() {
    let f = fixture();
    f.jwks.set_mode(StaticJwksMode::Fail);
    let token = f.key.sign(&linked_claims());
    for event in [rest_token_event(&token), http_api_event(&token)] {
        let err = f.authorizer.authorize(&event, now()).await.unwrap_err();
        assert_eq!(err, AuthorizerError::KeysUnavailable);
        assert_ne!(Diagnostic::from(err).error_message, "Unauthorized");
    }
}

#[tokio::test]
async fn a_repeated_token_is_served_from_the_cache() {
    let logs = LogCapture::install();
    let f = fixture();
    let token = f.key.sign(&linked_claims());
    let t = now();
    let first = f.authorizer.authorize(&rest_token_event(&token), t).await.unwrap().to_value();
    for _ in 0..3 {
        assert_eq!(f.authorizer.authorize(&rest_token_event(&token), t + 1).await.unwrap().to_value(), first);
    }
    // The very first verification loaded the keys (a new key set), so it was not
    // cached; the second was; the rest came from the cache.
    let cached: Vec<Value> = logs.decisions().iter().map(|d| d["cached"].clone()).collect();
    assert_eq!(cached, vec![json!(false), json!(false), json!(true), json!(true)]);
    assert_eq!(f.authorizer.cached_token_count(), 1);
    assert_eq!(f.jwks.fetch_count(), 1);
}

#[tokio::test]
async fn the_cache_never_outlives_the_token_or_the_ttl() {
    let logs = LogCapture::install();
    let f = fixture_with(get_id_answers(), |c| c.verified_token_cache_ttl_secs = 60);
    let t = now();
    let mut claims = linked_claims();
    claims["exp"] = json!(t + 30);
    let short_lived = f.key.sign(&claims);
    let long_lived = f.key.sign(&linked_claims());
    for token in [&short_lived, &long_lived] {
        f.authorizer.authorize(&rest_token_event(token), t).await.unwrap().to_value();
        f.authorizer.authorize(&rest_token_event(token), t).await.unwrap().to_value();
    }
    assert!(f.authorizer.authorize(&rest_token_event(&short_lived), t + 29).await.is_ok());
    let err = f.authorizer.authorize(&rest_token_event(&short_lived), t + 40).await.unwrap_err();
    assert_eq!(err.code(), "expired", "past exp (and the 5 s leeway) the token is verified again and refused");
    assert!(f.authorizer.authorize(&rest_token_event(&long_lived), t + 59).await.is_ok());
    assert!(f.authorizer.authorize(&rest_token_event(&long_lived), t + 61).await.is_ok());
    let cached: Vec<Value> = logs.decisions().iter().skip(4).map(|d| d["cached"].clone()).collect();
    assert_eq!(cached, vec![json!(true), json!(false), json!(true), json!(false)], "{}", logs.text());
}

#[tokio::test]
async fn a_new_key_set_flushes_the_cache() {
    let f = fixture();
    let old_token = f.key.sign(&linked_claims());
    for _ in 0..2 {
        f.authorizer.authorize(&rest_token_event(&old_token), now()).await.unwrap().to_value();
    }
    assert_eq!(f.authorizer.cached_token_count(), 1);

    // The pool rotates to a new key and withdraws the old one; the first token naming
    // the new key makes the verifier fetch the new key set.
    let new_key = TestKey::generate("key-2");
    f.jwks.set_body(jwks_json(&[&new_key]));
    let new_token = new_key.sign(&linked_claims());
    f.authorizer.authorize(&rest_token_event(&new_token), now()).await.unwrap().to_value();

    let err = f.authorizer.authorize(&rest_token_event(&old_token), now()).await.unwrap_err();
    assert_eq!(err.code(), "unknown_kid", "the old token was not served from the flushed cache");
}

#[tokio::test]
async fn odd_events_never_panic() {
    let f = fixture();
    let token = f.key.sign(&linked_claims());
    let events = [
        json!({"type": "TOKEN", "authorizationToken": null, "methodArn": null}),
        json!({"type": "TOKEN", "authorizationToken": ["Bearer", token], "methodArn": REST_STAGE_RESOURCE}),
        json!({"type": "REQUEST", "headers": {"Authorization": {"value": token}}, "methodArn": REST_STAGE_RESOURCE}),
        json!({"type": "REQUEST", "headers": [["Authorization", token]], "methodArn": REST_STAGE_RESOURCE}),
        json!({"version": "2.0", "identitySource": "not-an-array", "routeArn": 42}),
        json!({"version": "2.0", "identitySource": [null, token], "routeArn": {}}),
        json!({"version": 2, "type": "REQUEST"}),
        json!({"type": "TOKEN", "authorizationToken": "Bearer \u{0}\u{ffff}é.€.🙂", "methodArn": REST_STAGE_RESOURCE}),
        json!({"type": "TOKEN", "authorizationToken": token, "methodArn": "arn:aws:execute-api:::"}),
        json!(1.5),
        json!(""),
    ];
    for event in events {
        match f.authorizer.authorize(&event, now()).await {
            Ok(answer) => assert_eq!(answer.to_value(), json!({"isAuthorized": false}), "{event}"),
            Err(err) => assert!(err.is_unauthorized(), "{event}: {err:?}"),
        }
    }
    assert_eq!(f.get_id.num_calls(), 0);
}

#[tokio::test]
async fn one_log_line_per_decision_and_never_the_token() {
    let logs = LogCapture::install();
    let f = fixture_with(get_id_answers(), |c| c.require_linked = true);
    let linked = f.key.sign(&linked_claims());
    let unlinked = f.key.sign(&unlinked_claims());
    let forged = TestKey::generate("key-1").sign(&linked_claims());
    f.authorizer.authorize(&rest_token_event(&linked), now()).await.unwrap().to_value();
    f.authorizer.authorize(&http_api_event(&unlinked), now()).await.unwrap().to_value();
    f.authorizer.authorize(&rest_token_event(&forged), now()).await.unwrap_err();
    f.authorizer.authorize(&json!({"type": "TOKEN"}), now()).await.unwrap_err();

    let decisions = logs.decisions();
    assert_eq!(decisions.len(), 4, "{}", logs.text());
    let summary: Vec<(Value, Value, Value)> =
        decisions.iter().map(|d| (d["outcome"].clone(), d["reason"].clone(), d["sub"].clone())).collect();
    assert_eq!(
        summary,
        vec![
            (json!("allow"), Value::Null, json!(SUB)),
            (json!("deny"), json!("not_linked"), json!(SUB)),
            (json!("unauthorized"), json!("bad_signature"), Value::Null),
            (json!("unauthorized"), json!("malformed_event"), Value::Null),
        ]
    );
    assert_eq!(decisions[0]["flavour"], json!("rest_token"));
    assert_eq!(decisions[1]["flavour"], json!("http_api_v2"));
    let text = logs.text();
    for token in [&linked, &unlinked, &forged] {
        let signature = token.rsplit('.').next().unwrap();
        let payload = token.split('.').nth(1).unwrap();
        assert!(!text.contains(signature) && !text.contains(payload), "a token reached the logs:\n{text}");
    }
}

#[tokio::test]
async fn the_verifier_can_be_shared_with_its_own_key_source() {
    // What a bench does: the verifier built by the caller, keys from memory.
    let key = TestKey::generate("bench-key");
    let jwks = Arc::new(test_support::static_jwks::StaticJwks::new(jwks_json(&[&key])));
    let config = config(|_| {});
    let verifier = CognitoJwtVerifier::with_fetcher(config.verifier.clone(), jwks);
    let get_id = get_id_answers();
    let authorizer = authorizer::Authorizer::new(config, verifier, identity_client(&get_id));
    let answer = authorizer.authorize(&rest_token_event(&key.sign(&linked_claims())), now()).await.unwrap().to_value();
    assert_eq!(answer["principalId"], json!(SUB));
}
