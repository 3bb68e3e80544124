//! The example downstream Lambda: what a handler behind Cognito Bridge looks like.
//! Copy [`whoami`] and replace its body with your own logic.

use caller_identity::RequestCallerExt;
use lambda_http::{Body, Request, Response};

/// Answers with the caller's identity as JSON: user pool `sub` and IdentityId, and
/// what the token says when the source passes it on (`tokenUse`, `scopes`, `groups`,
/// `userPoolId`, `clientId`; `null` or empty under IAM auth, which carries no token), so a developer
/// sees what a handler's [`require_scope`](caller_identity::CallerIdentity::require_scope)
/// and [`require_group`](caller_identity::CallerIdentity::require_group) would check.
/// Answers 401/403 with `{"error", "message"}` when the request carries no usable identity.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let event = include_str!("../../../events/whoami-rest-cognito-authorizer.json");
/// let response = whoami::whoami(lambda_http::request::from_str(event).unwrap()).await;
/// assert_eq!(response.status(), 200);
/// let body: serde_json::Value = serde_json::from_slice(response.body()).unwrap();
/// assert_eq!((body["tokenUse"].as_str(), body["userPoolId"].as_str()), (Some("id"), Some("us-east-1_AbCdEf123")));
/// # });
/// ```
pub async fn whoami(request: Request) -> Response<Body> {
    let (status, body) = match request.caller_identity() {
        Ok(caller) => (200, serde_json::to_value(&caller).unwrap_or_default()),
        Err(err) => (err.status(), serde_json::json!({"error": "no_caller_identity", "message": err.to_string()})),
    };
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .expect("static response parts are valid")
}
