//! The example downstream Lambda: what a handler behind Cognito Bridge looks like.
//! Copy [`whoami`] and replace its body with your own logic.

use caller_identity::RequestCallerExt;
use lambda_http::{Body, Request, Response};

/// Answers with the caller's identity (user pool `sub` and IdentityId) as JSON, or
/// 401/403 with `{"error", "message"}` when the request carries no usable identity.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let event = include_str!("../../../events/whoami-rest-iam.json");
/// let response = whoami::whoami(lambda_http::request::from_str(event).unwrap()).await;
/// assert_eq!(response.status(), 200);
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
