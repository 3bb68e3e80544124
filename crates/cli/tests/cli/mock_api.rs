//! A small stand-in for the deployed API on a loopback port ([`MockApi::serve`] makes
//! other stand-ins, e.g. a Cognito answering SRP): it records every
//! request (so tests can check the SigV4 shape) and answers `/link` and
//! `/whoami` the way the real functions do, against the local Cognito.
//!
//! Routes: `/Prod/link` (POST), `/Prod/whoami` and `/Prod/iam/whoami` (GET); `/deny/…` answers 401 like
//! an authorizer refusing the token; `/forbidden/link` answers the link
//! function's 403. `/Prod/scoped/whoami` requires the OAuth scope [`SCOPED_ROUTE_SCOPE`] and
//! `/Prod/admin/whoami` the group [`ADMIN_ROUTE_GROUP`]: a token without it gets API Gateway's
//! 403 for an authorizer's explicit Deny, as the stack's routes do.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::{Value, json};
use test_support::local_cognito::TestStack;
use tokio::net::TcpListener;

use crate::harness::claims_of;

/// The scope `/Prod/scoped/whoami` requires: the one the local Cognito's access tokens grant.
pub const SCOPED_ROUTE_SCOPE: &str = "aws.cognito.signin.user.admin";
/// The group `/Prod/admin/whoami` requires.
pub const ADMIN_ROUTE_GROUP: &str = "admins";
/// API Gateway's answer (REST API) when the authorizer's policy denies the route explicitly.
pub const EXPLICIT_DENY_MESSAGE: &str = "User is not authorized to access this resource with an explicit deny";

/// What a route's authorizer rules require of the token.
#[derive(Debug, Clone, Copy)]
enum RouteRule {
    Any,
    Scope(&'static str),
    Group(&'static str),
}

/// One request the API received.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    /// Lower-case names.
    pub headers: BTreeMap<String, String>,
    pub body: Bytes,
}

/// The running stand-in; stops when dropped.
pub struct MockApi {
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    recorded: Arc<Mutex<Vec<RecordedRequest>>>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for MockApi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl MockApi {
    /// Starts the API on a free loopback port, answering with `stack`'s pools.
    pub async fn start(stack: &TestStack) -> Self {
        let stack = stack.clone();
        MockApi::serve(move |request| {
            let stack = stack.clone();
            async move { api_routes(&stack, &request).await }
        })
        .await
    }

    /// Starts a server on a free loopback port that records every request and answers with `route`.
    pub async fn serve<Route, Answer>(route: Route) -> Self
    where
        Route: Fn(RecordedRequest) -> Answer + Clone + Send + Sync + 'static,
        Answer: Future<Output = Response<Full<Bytes>>> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let recorded = Arc::new(Mutex::new(Vec::new()));
        let log = recorded.clone();
        let server = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { return };
                let (route, log) = (route.clone(), log.clone());
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let (route, log) = (route.clone(), log.clone());
                        async move {
                            let recorded = record(request).await;
                            log.lock().unwrap().push(recorded.clone());
                            Ok::<_, Infallible>(route(recorded).await)
                        }
                    });
                    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        MockApi { base_url, recorded, server }
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.recorded.lock().unwrap().clone()
    }
}

/// A JSON answer with `status`.
pub fn answer(status: u16, body: Value) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap()
}

async fn record(request: Request<Incoming>) -> RecordedRequest {
    let (parts, body) = request.into_parts();
    RecordedRequest {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        headers: parts
            .headers
            .iter()
            .map(|(name, value)| (name.as_str().to_owned(), value.to_str().unwrap_or_default().to_owned()))
            .collect(),
        body: body.collect().await.map(|b| b.to_bytes()).unwrap_or_default(),
    }
}

async fn api_routes(stack: &TestStack, request: &RecordedRequest) -> Response<Full<Bytes>> {
    match (request.method.as_str(), request.path.as_str()) {
        (_, path) if path.starts_with("/deny/") => answer(401, json!({"message": "Unauthorized"})),
        ("POST", "/forbidden/link") => answer(
            403,
            json!({"error": "forbidden", "message": "the signing credentials belong to another user than the id token"}),
        ),
        ("POST", "/Prod/link") => link(stack, request).await,
        ("GET", "/Prod/whoami") => whoami(stack, request, RouteRule::Any).await,
        ("GET", "/Prod/scoped/whoami") => whoami(stack, request, RouteRule::Scope(SCOPED_ROUTE_SCOPE)).await,
        ("GET", "/Prod/admin/whoami") => whoami(stack, request, RouteRule::Group(ADMIN_ROUTE_GROUP)).await,
        ("GET", "/Prod/iam/whoami") => iam_whoami(stack, request),
        _ => answer(404, json!({"message": "Not Found"})),
    }
}

/// The link function: IAM auth required, GetId with the body's token, write when it differs.
async fn link(stack: &TestStack, request: &RecordedRequest) -> Response<Full<Bytes>> {
    let signed = request.headers.get("authorization").is_some_and(|a| a.starts_with("AWS4-HMAC-SHA256 "));
    if !signed {
        return answer(403, json!({"message": "Missing Authentication Token"}));
    }
    let Some(id_token) = serde_json::from_slice::<Value>(&request.body)
        .ok()
        .and_then(|body| body["idToken"].as_str().map(str::to_owned))
    else {
        return answer(
            400,
            json!({"error": "bad_request", "message": "the body must be JSON {\"idToken\": \"<id token>\"}"}),
        );
    };
    let Ok(identity_id) = stack.get_id(&id_token).await else {
        return answer(401, json!({"error": "invalid_token", "message": "the id token is not valid"}));
    };
    let claims = claims_of(&id_token);
    let username = claims["cognito:username"].as_str().unwrap().to_owned();
    let changed = claims["custom:identity_id"].as_str() != Some(identity_id.as_str());
    if changed {
        stack.set_identity_id(&username, &identity_id).await;
    }
    answer(
        200,
        json!({"identityId": identity_id, "sub": claims["sub"], "username": username, "changed": changed, "refreshTokens": changed}),
    )
}

/// The whoami function behind the authorizer, with the authorizer's part played first: the token must
/// be one the local Cognito issued (an id token through GetId, an access token through GetUser) and
/// meet the route's rule, else 401 or 403 as API Gateway answers them. An access token's IdentityId
/// is not resolved (the authorizer finds it only in the directory, which this stand-in has not).
async fn whoami(stack: &TestStack, request: &RecordedRequest, rule: RouteRule) -> Response<Full<Bytes>> {
    let unauthorized = || answer(401, json!({"message": "Unauthorized"}));
    let Some(token) = request.headers.get("authorization").map(|a| a.trim_start_matches("Bearer ").to_owned()) else {
        return unauthorized();
    };
    let Ok(claims) = token_verifier::decode_unverified_claims(&token) else { return unauthorized() };
    let identity_id = match claims.token_use.as_str() {
        "id" => match stack.get_id(&token).await {
            Ok(identity_id) => Some(identity_id),
            Err(_) => return unauthorized(),
        },
        "access" => match stack.cognito.idp().get_user().access_token(&token).send().await {
            Ok(_) => None,
            Err(_) => return unauthorized(),
        },
        _ => return unauthorized(),
    };
    let allowed = match rule {
        RouteRule::Any => true,
        RouteRule::Scope(scope) => claims.scope.iter().any(|s| s == scope),
        RouteRule::Group(group) => claims.groups.iter().any(|g| g == group),
    };
    if !allowed {
        let mut denied = answer(403, json!({"Message": EXPLICIT_DENY_MESSAGE}));
        denied.headers_mut().insert("x-amzn-errortype", "AccessDeniedException".parse().unwrap());
        return denied;
    }
    answer(
        200,
        json!({
            "sub": claims.sub,
            "username": claims.user_name(),
            "identityId": identity_id,
            "identityPoolId": stack.identity_pool_id,
            "userPoolId": claims.issuer_pool_id(),
            "email": claims.email,
            "groups": claims.groups,
            "scopes": claims.scope,
            "tokenUse": claims.token_use,
            "linked": claims.identity_id.is_some(),
            "source": "lambdaAuthorizer",
        }),
    )
}

/// whoami under IAM auth: API Gateway names the caller by the signing credentials; this stand-in
/// cannot look the key up, so it answers with the key id it saw.
fn iam_whoami(stack: &TestStack, request: &RecordedRequest) -> Response<Full<Bytes>> {
    let Some(key) = request
        .headers
        .get("authorization")
        .and_then(|a| a.strip_prefix("AWS4-HMAC-SHA256 Credential="))
        .and_then(|rest| rest.split('/').next())
    else {
        return answer(403, json!({"message": "Missing Authentication Token"}));
    };
    answer(
        200,
        json!({
            "sub": "signed-by",
            "username": null,
            "identityId": format!("signed-with:{key}"),
            "identityPoolId": stack.identity_pool_id,
            "userPoolId": null,
            "groups": [],
            "scopes": [],
            "tokenUse": null,
            "linked": null,
            "source": "iam",
        }),
    )
}
