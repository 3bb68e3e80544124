//! The link function's one handler: a response and one log line for every request
//! (the steps are in [`crate::link_flow`], what they work with in
//! [`crate::link_service`]).

use lambda_http::{Body, Request, RequestExt, Response};

use crate::link_flow::{LinkTrace, link};
use crate::link_service::LinkService;

/// Handles one request: always a response, never a panic or an internal error body.
pub async fn handle_link(service: &LinkService, request: Request) -> Response<Body> {
    let request_id = request.lambda_context_ref().map(|c| c.request_id.clone()).unwrap_or_default();
    let mut trace = LinkTrace::default();
    let result = link(service, &request, &mut trace).await;
    let (status, outcome) = match &result {
        Ok(done) if done.changed => (200, "linked"),
        Ok(_) => (200, "unchanged"),
        Err(err) => (err.status(), err.code()),
    };
    tracing::info!(
        request_id,
        outcome,
        status,
        sub = trace.sub.as_deref().unwrap_or(""),
        identity_id = trace.identity_id.as_deref().unwrap_or(""),
        reason = result.as_ref().err().map(ToString::to_string).unwrap_or_default(),
        "link"
    );
    crate::metrics::record(&result);
    match result {
        Ok(done) => crate::error::json_response(serde_json::to_string(&done).unwrap_or_default()),
        Err(err) => err.to_response(),
    }
}
