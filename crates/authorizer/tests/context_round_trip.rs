//! The authorizer → downstream context contract, end to end in one process: the
//! authorizer's real answer, put into the request the way API Gateway hands it to the
//! route's Lambda, read back with `caller_identity()`. Renaming a key on either side
//! fails here, not in a deployment.

mod common;

use caller_identity::{CallerIdentity, IdentitySource, RequestCallerExt, context_keys};
use common::*;
use serde_json::{Value, json};
use test_support::sample_events::{EventValues, sample_event};

/// The downstream event of a REST API route behind a Lambda authorizer: the answer's
/// `context` and `principalId` under `requestContext.authorizer`.
fn rest_downstream(answer: &Value) -> Value {
    let mut event = sample_event("whoami-rest-lambda-authorizer.json", &EventValues::default());
    let mut authorizer = answer["context"].clone();
    authorizer["principalId"] = answer["principalId"].clone();
    event["requestContext"]["authorizer"] = authorizer;
    event
}

/// The downstream event (payload 2.0) of an HTTP API route behind a Lambda authorizer:
/// the answer's `context` under `requestContext.authorizer.lambda`.
fn http_api_downstream(answer: &Value) -> Value {
    let mut event = sample_event("whoami-http-api-lambda-authorizer.json", &EventValues::default());
    event["requestContext"]["authorizer"] = json!({"lambda": answer["context"].clone()});
    event
}

fn caller_of(downstream: &Value) -> CallerIdentity {
    let request = lambda_http::request::from_str(&downstream.to_string()).expect("API Gateway event");
    request.caller_identity().expect("both ids")
}

/// An HTTP API payload 1.0 authorizer event: the REST `REQUEST` shape with `version`
/// and a comma-separated `identitySource`.
fn http_api_v1_event(token: &str) -> Value {
    let mut event = event("authorizer-rest-request.json", token);
    event["version"] = json!("1.0");
    event["identitySource"] = json!(token);
    event
}

async fn answers(f: &Fixture, token: &str) -> Vec<(&'static str, Value, fn(&Value) -> Value)> {
    let rest_token = f.authorizer.authorize(&rest_token_event(token), now()).await.unwrap().to_value();
    let rest_request =
        f.authorizer.authorize(&event("authorizer-rest-request.json", token), now()).await.unwrap().to_value();
    let http_v1 = f.authorizer.authorize(&http_api_v1_event(token), now()).await.unwrap().to_value();
    let http_v2_simple = f.authorizer.authorize(&http_api_event(token), now()).await.unwrap().to_value();
    vec![
        ("REST TOKEN", rest_token, rest_downstream as fn(&Value) -> Value),
        ("REST REQUEST", rest_request, rest_downstream),
        ("HTTP API 1.0", http_v1, http_api_downstream),
        ("HTTP API 2.0 simple", http_v2_simple, http_api_downstream),
    ]
}

#[tokio::test]
async fn a_linked_callers_context_reads_back_with_both_ids_in_every_flavour() {
    let f = fixture();
    let token = f.key.sign(&linked_claims());
    for (flavour, answer, downstream) in answers(&f, &token).await {
        let context = answer["context"].as_object().unwrap_or_else(|| panic!("{flavour}: no context: {answer}"));
        assert!(context.keys().all(|key| context_keys::ALL.contains(&key.as_str())), "{flavour}: {answer}");
        let caller = caller_of(&downstream(&answer));
        assert_eq!(
            caller,
            CallerIdentity {
                sub: SUB.into(),
                username: Some(format!("user-{}", &SUB[..8])),
                identity_id: Some(LINKED_IDENTITY_ID.into()),
                identity_pool_id: Some(IDENTITY_POOL.into()),
                email: Some("user@example.com".into()),
                groups: vec!["admins".into(), "readers".into()],
                user_pool_id: Some(POOL.into()),
                scopes: Vec::new(),
                token_use: Some(caller_identity::TokenUse::Id),
                client_id: Some(CLIENT.into()),
                linked: Some(true),
                source: IdentitySource::LambdaAuthorizer,
            },
            "{flavour}"
        );
    }
    assert_eq!(f.get_id.num_calls(), 0);
}

#[tokio::test]
async fn a_resolved_callers_context_reads_back_as_not_linked() {
    let f = fixture();
    let token = f.key.sign(&unlinked_claims());
    for (flavour, answer, downstream) in answers(&f, &token).await {
        let caller = caller_of(&downstream(&answer));
        assert_eq!(caller.sub, SUB, "{flavour}");
        assert_eq!(caller.identity_id.as_deref(), Some(RESOLVED_IDENTITY_ID), "{flavour}");
        assert_eq!(caller.identity_pool_id.as_deref(), Some(IDENTITY_POOL), "{flavour}");
        assert_eq!(caller.linked, Some(false), "{flavour}");
    }
}

/// A group name may hold a comma (`ops,admins`): downstream it is one group, and its
/// member is not taken for a member of `admins`, in every flavour.
#[tokio::test]
async fn a_group_name_with_a_comma_reads_back_as_one_group() {
    let f = fixture();
    let mut claims = linked_claims();
    claims["cognito:groups"] = json!(["ops,admins", "readers"]);
    let token = f.key.sign(&claims);
    for (flavour, answer, downstream) in answers(&f, &token).await {
        let caller = caller_of(&downstream(&answer));
        assert_eq!(caller.groups, ["ops,admins", "readers"], "{flavour}");
        assert!(caller.require_group("admins").is_err(), "{flavour}: a member of ops,admins passed for admins");
        assert_eq!(caller.require_group("ops,admins"), Ok(()), "{flavour}");
    }
}
