//! Route rules (`ROUTE_SCOPES`, `ROUTE_GROUPS`) in-process, with forged tokens (the
//! emulator's access tokens carry no custom scopes): every outcome of a rule, in every
//! flavour, and the property API Gateway's cache needs: a token's answer is the same
//! whichever route it was asked for, and denies exactly the ruled routes it may not use.

mod common;

use authorizer::{Authorizer, AuthorizerError, HttpApiResponseFormat, RouteRules};
use common::*;
use serde_json::{Value, json};
use token_verifier::AcceptedTokens;

const STAGE: &str = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod";
const HTTP_STAGE: &str = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/$default";

fn rules() -> RouteRules {
    RouteRules::parse(
        Some("GET /orders=orders/read,orders/admin; POST /orders=orders/write"),
        Some("DELETE /orders/{id}=admins"),
    )
    .unwrap()
}

fn ruled(format: HttpApiResponseFormat) -> Fixture {
    fixture_with(get_id_answers(), |c| {
        c.verifier.token_use = AcceptedTokens::Any;
        c.route_rules = rules();
        c.http_api_response = format;
    })
}

fn access_claims(scope: &str, groups: &[&str]) -> Value {
    json!({
        "sub": SUB, "iss": format!("https://cognito-idp.us-east-1.amazonaws.com/{POOL}"),
        "client_id": CLIENT, "token_use": "access", "scope": scope, "cognito:groups": groups,
        "exp": now() + 3600, "iat": now(), "jti": "j", "username": "alice",
    })
}

/// A REST `REQUEST` event for `method` on `resource` (a template) at `path`.
fn rest_request(token: &str, method: &str, resource: &str, path: &str) -> Value {
    let mut event = event("authorizer-rest-request.json", token);
    event["methodArn"] = json!(format!("{STAGE}/{method}/{}", path.trim_start_matches('/')));
    event["resource"] = json!(resource);
    event["path"] = json!(path);
    event["httpMethod"] = json!(method);
    event
}

/// A `TOKEN` event, which names only the concrete path.
fn token_event(token: &str, method: &str, path: &str) -> Value {
    let mut event = rest_token_event(token);
    event["methodArn"] = json!(format!("{STAGE}/{method}/{}", path.trim_start_matches('/')));
    event
}

/// An HTTP API 2.0 event for route `route_key`, with the route key among its identity
/// sources when `route_key_listed`.
fn http_request(token: &str, route_key: &str, path: &str, route_key_listed: bool) -> Value {
    let mut event = http_api_event(token);
    let method = route_key.split_once(' ').unwrap().0;
    event["routeArn"] = json!(format!("{HTTP_STAGE}/{method}/{}", path.trim_start_matches('/')));
    event["routeKey"] = json!(route_key);
    event["rawPath"] = json!(path);
    let bearer = format!("Bearer {token}");
    event["identitySource"] = if route_key_listed { json!([bearer, route_key]) } else { json!([bearer]) };
    event
}

async fn answer(authorizer: &Authorizer, event: &Value) -> Value {
    authorizer.authorize(event, now()).await.expect("an answer").to_value()
}

/// The statements of a policy answer as (effect, resource) pairs.
fn statements(answer: &Value) -> Vec<(String, String)> {
    answer["policyDocument"]["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["Effect"].as_str().unwrap().to_owned(), s["Resource"].as_str().unwrap().to_owned()))
        .collect()
}

fn allow_stage_denying(stage: &str, routes: &[&str]) -> Vec<(String, String)> {
    let mut expected = vec![("Allow".to_owned(), format!("{stage}/*/*"))];
    expected.extend(routes.iter().map(|route| ("Deny".to_owned(), format!("{stage}/{route}"))));
    expected
}

#[tokio::test]
async fn an_access_token_with_a_listed_scope_is_denied_only_the_routes_it_lacks() {
    let f = ruled(HttpApiResponseFormat::Iam);
    // The instance's first token loads the keys, and is not cached (see `Authorizer`).
    answer(&f.authorizer, &rest_token_event(&f.key.sign(&linked_claims()))).await;
    let logs = LogCapture::install();
    let token = f.key.sign(&access_claims("orders/admin other/scope", &[]));
    let on_get = answer(&f.authorizer, &rest_request(&token, "GET", "/orders", "/orders")).await;
    assert_eq!(statements(&on_get), allow_stage_denying(STAGE, &["POST/orders", "DELETE/orders/*"]));
    assert_eq!(on_get["context"]["scopes"], json!("orders/admin other/scope"));
    let on_post = answer(&f.authorizer, &rest_request(&token, "POST", "/orders", "/orders")).await;
    assert_eq!(on_post, on_get, "the answer does not depend on the route called");
    let decisions = logs.decisions();
    assert_eq!((decisions[0]["outcome"].as_str(), decisions[0].get("reason")), (Some("allow"), None));
    assert_eq!(
        (decisions[1]["outcome"].as_str(), decisions[1]["reason"].as_str()),
        (Some("deny"), Some("missing_scope"))
    );
    assert_eq!(decisions[1]["cached"], json!(true), "the unmet routes are cached with the token");
}

#[tokio::test]
async fn a_token_meeting_every_rule_gets_the_plain_stage_allow() {
    let f = ruled(HttpApiResponseFormat::Iam);
    let token = f.key.sign(&access_claims("orders/read orders/write", &["admins"]));
    let answer = answer(&f.authorizer, &rest_request(&token, "DELETE", "/orders/{id}", "/orders/42")).await;
    assert_eq!(statements(&answer), allow_stage_denying(STAGE, &[]));
}

#[tokio::test]
async fn an_id_token_is_refused_on_every_scope_ruled_route_and_judged_by_groups() {
    let f = ruled(HttpApiResponseFormat::Iam);
    let logs = LogCapture::install();
    let token = f.key.sign(&linked_claims()); // groups: admins, readers
    let on_get = answer(&f.authorizer, &rest_request(&token, "GET", "/orders", "/orders")).await;
    assert_eq!(statements(&on_get), allow_stage_denying(STAGE, &["GET/orders", "POST/orders"]));
    assert_eq!(on_get["context"]["identityId"], json!(LINKED_IDENTITY_ID));
    assert_eq!(logs.decisions()[0]["reason"], json!("id_token_on_scoped_route"));
    assert_eq!(f.get_id.num_calls(), 0);
}

/// A group name may hold a comma: a member of `ops,admins` is not a member of `admins`,
/// neither for the route rules nor for a downstream reader of the context.
#[tokio::test]
async fn a_member_of_a_group_whose_name_holds_a_comma_does_not_pass_a_rule_for_a_part_of_it() {
    let f = ruled(HttpApiResponseFormat::Iam);
    let token = f.key.sign(&access_claims("orders/read orders/write", &["ops,admins"]));
    let answer = answer(&f.authorizer, &rest_request(&token, "DELETE", "/orders/{id}", "/orders/42")).await;
    assert_eq!(statements(&answer), allow_stage_denying(STAGE, &["DELETE/orders/*"]));
    assert_eq!(answer["context"]["groups"], json!(r#"["ops,admins"]"#));
}

#[tokio::test]
async fn a_group_rule_closes_its_route_to_users_outside_the_group() {
    let f = ruled(HttpApiResponseFormat::Iam);
    let logs = LogCapture::install();
    let reader = f.key.sign(&access_claims("orders/read", &["readers"]));
    // A TOKEN event names the concrete path: the rule's template matches it.
    let answer = answer(&f.authorizer, &token_event(&reader, "DELETE", "/orders/42")).await;
    assert_eq!(statements(&answer), allow_stage_denying(STAGE, &["POST/orders", "DELETE/orders/*"]));
    assert_eq!(logs.decisions()[0]["reason"], json!("missing_group"));
}

#[tokio::test]
async fn an_unruled_route_needs_a_valid_token_only() {
    let f = ruled(HttpApiResponseFormat::Iam);
    let logs = LogCapture::install();
    let token = f.key.sign(&access_claims("aws.cognito.signin.user.admin", &[]));
    let answer = answer(&f.authorizer, &rest_request(&token, "GET", "/whoami", "/whoami")).await;
    assert_eq!(statements(&answer)[0], ("Allow".to_owned(), format!("{STAGE}/*/*")));
    assert_eq!(logs.decisions()[0]["outcome"], json!("allow"));
    // A bad token is still a 401 on any route, ruled or not.
    let forged = test_support::token_forge::TestKey::generate("key-1").sign(&access_claims("orders/read", &[]));
    let err = f.authorizer.authorize(&rest_request(&forged, "GET", "/orders", "/orders"), now()).await;
    assert!(matches!(err, Err(AuthorizerError::Unauthorized(_))), "{err:?}");
}

#[tokio::test]
async fn http_api_policy_answers_deny_under_the_route_arns_stage() {
    let f = ruled(HttpApiResponseFormat::Iam);
    let token = f.key.sign(&access_claims("orders/write", &[]));
    let answer = answer(&f.authorizer, &http_request(&token, "POST /orders", "/orders", false)).await;
    assert_eq!(statements(&answer), allow_stage_denying(HTTP_STAGE, &["GET/orders", "DELETE/orders/*"]));
}

/// A caller who controls a header that is an identity source can give it the route key's
/// value. Nothing is decided from that: with route rules (even a configuration built in
/// code that asks for simple answers) the answer is a policy denying
/// every ruled route the token fails, whichever route was called and whatever the
/// identity sources hold, so API Gateway's cached answer is right on every route.
#[tokio::test]
async fn with_rules_an_http_api_answer_is_a_policy_whatever_the_identity_sources_hold() {
    let f = ruled(HttpApiResponseFormat::Simple);
    let token = f.key.sign(&access_claims("orders/read", &[]));
    // The route key planted in a second identity source the caller controls.
    for listed in [true, false] {
        let on_get = answer(&f.authorizer, &http_request(&token, "GET /orders", "/orders", listed)).await;
        assert_eq!(on_get.get("isAuthorized"), None, "no simple answer with route rules: {on_get}");
        assert_eq!(statements(&on_get), allow_stage_denying(HTTP_STAGE, &["POST/orders", "DELETE/orders/*"]));
        let on_delete = answer(&f.authorizer, &http_request(&token, "DELETE /orders/{id}", "/orders/7", listed)).await;
        assert_eq!(on_delete, on_get, "the answer does not depend on the route called");
    }
}

#[tokio::test]
async fn without_rules_simple_answers_need_no_route_key() {
    let f = fixture_with(get_id_answers(), |c| c.verifier.token_use = AcceptedTokens::Any);
    let token = f.key.sign(&access_claims("orders/read", &[]));
    let answer = answer(&f.authorizer, &http_request(&token, "GET /orders", "/orders", false)).await;
    assert_eq!(answer["isAuthorized"], json!(true));
}

#[tokio::test]
async fn require_linked_still_denies_the_whole_stage() {
    let f = fixture_with(get_id_answers(), |c| {
        c.verifier.token_use = AcceptedTokens::Any;
        c.route_rules = rules();
        c.require_linked = true;
    });
    let token = f.key.sign(&access_claims("orders/read", &[]));
    let answer = answer(&f.authorizer, &rest_request(&token, "GET", "/orders", "/orders")).await;
    assert_eq!(statements(&answer), vec![("Deny".to_owned(), format!("{STAGE}/*/*"))]);
}
