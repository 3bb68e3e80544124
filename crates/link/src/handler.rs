//! The link flow: verify, check the caller, `GetId`, write if needed.

use lambda_foundation::IdentityPoolId;
use lambda_http::{Body, Request, RequestExt, Response};
use token_verifier::CognitoJwtVerifier;

use crate::cognito_calls::CognitoCalls;
use crate::error::LinkError;
use crate::link_decision::{LinkOutcome, check_caller_identity, check_caller_is_token_user, plan_link};
use crate::link_request::{iam_caller, id_token_from_body};

/// Built once per process; shared by every request.
pub struct LinkService {
    /// Verifies the id token in the body.
    pub verifier: CognitoJwtVerifier,
    /// `GetId` and `AdminUpdateUserAttributes`.
    pub cognito: CognitoCalls,
    /// The identity pool the IdentityId comes from.
    pub identity_pool_id: IdentityPoolId,
}

impl LinkService {
    /// The service for `config`, with Cognito clients built from one SDK configuration.
    pub fn new(config: crate::LinkConfig, sdk: &aws_config::SdkConfig) -> Self {
        let cognito = CognitoCalls::new(
            aws_sdk_cognitoidentity::Client::new(sdk),
            aws_sdk_cognitoidentityprovider::Client::new(sdk),
            config.identity_pool_id.clone(),
            config.verifier.user_pool_id.clone(),
        );
        LinkService {
            verifier: CognitoJwtVerifier::new(config.verifier),
            cognito,
            identity_pool_id: config.identity_pool_id,
        }
    }
}

/// What is known about a request for its one log line.
#[derive(Default)]
struct LinkTrace {
    sub: Option<String>,
    identity_id: Option<String>,
}

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
    match result {
        Ok(done) => Response::builder()
            .status(200)
            .header("content-type", "application/json")
            .body(Body::from(serde_json::to_string(&done).unwrap_or_default()))
            .expect("static response parts are valid"),
        Err(err) => err.to_response(),
    }
}

async fn link(service: &LinkService, request: &Request, trace: &mut LinkTrace) -> Result<LinkOutcome, LinkError> {
    if request.method() != lambda_http::http::Method::POST {
        return Err(LinkError::MethodNotAllowed);
    }
    let id_token = id_token_from_body(request.body())?;
    let caller = iam_caller(request)?;
    let claims = service.verifier.verify(&id_token).await?;
    trace.sub = Some(claims.sub.clone());
    let username =
        claims.user_name().ok_or(LinkError::InvalidToken("the token has no cognito:username".into()))?.to_owned();
    if let Some(caller) = &caller {
        check_caller_is_token_user(caller, &claims, service.identity_pool_id.as_str())?;
    }

    let identity_id = service.cognito.get_id(&id_token).await?;
    trace.identity_id = Some(identity_id.clone());
    if let Some(caller) = &caller {
        check_caller_identity(caller, &identity_id)?;
    }

    let plan = plan_link(&claims, &identity_id);
    if plan.write {
        service.cognito.write_identity_id(&username, &identity_id).await?;
    }
    Ok(LinkOutcome { identity_id, sub: claims.sub, username, changed: plan.write, refresh_tokens: plan.write })
}
