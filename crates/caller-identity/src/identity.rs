//! The caller identity value itself.

use serde::Serialize;

/// Where API Gateway (or our authorizer) put the identity this value was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum IdentitySource {
    /// The Cognito Bridge Lambda authorizer's context.
    LambdaAuthorizer,
    /// IAM (SigV4) auth with Cognito identity pool credentials.
    Iam,
    /// API Gateway's built-in Cognito user pool authorizer (REST API).
    CognitoUserPoolAuthorizer,
    /// The HTTP API JWT authorizer configured with the user pool.
    JwtAuthorizer,
}

/// The caller as both Cognito halves know them.
///
/// `sub` is always present; `identity_id` is present whenever the source knows it
/// (always through our authorizer and IAM auth; through the built-in authorizers only
/// once the user is linked and their token refreshed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallerIdentity {
    /// The user pool user id.
    pub sub: String,
    /// The user pool user name, when the source carries it (not under IAM auth).
    pub username: Option<String>,
    /// The identity pool IdentityId, e.g. `us-east-1:1f0c…`.
    pub identity_id: Option<String>,
    /// The identity pool id, when the source carries it.
    pub identity_pool_id: Option<String>,
    /// The user's email, when the source carries it.
    pub email: Option<String>,
    /// The user's user pool groups.
    pub groups: Vec<String>,
    /// Whether the user pool record already holds the IdentityId (`custom:identity_id`);
    /// `None` when the source cannot tell.
    pub linked: Option<bool>,
    /// Where this was read from.
    pub source: IdentitySource,
}
