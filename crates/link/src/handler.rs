//! The link function's service and its one handler: a response and one log line for
//! every request (the steps are in [`crate::link_flow`]).

use directory::IdentityDirectory;
use lambda_foundation::{IdentityPoolId, UserPoolId};
use lambda_http::{Body, Request, RequestExt, Response};
use token_verifier::CognitoJwtVerifier;

use crate::cognito_calls::CognitoCalls;
use crate::link_flow::{LinkTrace, link};

/// Built once per process; shared by every request.
pub struct LinkService {
    /// Verifies the id token in the body.
    pub verifier: CognitoJwtVerifier,
    /// `GetId` and `AdminUpdateUserAttributes`.
    pub cognito: CognitoCalls,
    /// The identity directory: read first, written on a first link.
    pub directory: IdentityDirectory,
    /// The identity pool the IdentityId comes from.
    pub identity_pool_id: IdentityPoolId,
    /// The user pool whose users link (the verifier's).
    pub user_pool_id: UserPoolId,
}

impl LinkService {
    /// The service for `config`, with Cognito and DynamoDB clients built from one SDK
    /// configuration.
    pub fn new(config: crate::LinkConfig, sdk: &aws_config::SdkConfig) -> Self {
        let cognito = CognitoCalls::new(
            aws_sdk_cognitoidentity::Client::new(sdk),
            aws_sdk_cognitoidentityprovider::Client::new(sdk),
            config.identity_pool_id.clone(),
            config.verifier.first_pool().clone(),
        );
        let directory = IdentityDirectory::new(aws_sdk_dynamodb::Client::new(sdk), config.directory_table);
        let user_pool_id = config.verifier.first_pool().clone();
        LinkService {
            verifier: CognitoJwtVerifier::new(config.verifier),
            cognito,
            directory,
            identity_pool_id: config.identity_pool_id,
            user_pool_id,
        }
    }
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
