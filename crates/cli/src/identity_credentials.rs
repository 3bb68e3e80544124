//! Identity pool credentials for the signed-in user: the cached id token exchanged
//! with GetId, then GetCredentialsForIdentity (both with the token in `Logins`).
//! `credentials` prints them; `link`, `whoami --iam`, `upload` and `ls` sign with them.

use crate::aws_call_error::AwsCallError;
use crate::context::Context;
use crate::error::CliError;
use crate::session::Session;
use crate::settings::Setting;

/// Temporary AWS credentials of the signed-in user's identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityCredentials {
    /// The IdentityId they belong to, e.g. `us-east-1:1f0c…`.
    pub identity_id: String,
    /// `ASIA…`.
    pub access_key_id: String,
    /// The secret key.
    pub secret_access_key: String,
    /// The STS session token (always present for identity pool credentials).
    pub session_token: String,
    /// RFC 3339 expiry, when Cognito gives one.
    pub expiration: Option<String>,
}

/// GetId + GetCredentialsForIdentity with the session's id token. A token Cognito
/// refuses is a session error (exit 3): sign in again.
pub async fn identity_credentials(context: &Context, session: &Session) -> Result<IdentityCredentials, CliError> {
    let identity_pool_id = context.config.identity_pool_id()?;
    let provider = context.config.identity_provider_name()?;
    let id_token = &session.tokens.id_token;
    let identity = context.identity()?;
    let refused = |action: &'static str, failure: AwsCallError| match failure.code() {
        Some("NotAuthorizedException") => CliError::SessionRefused {
            action,
            username: session.tokens.username.clone(),
            cause: format!("Cognito refused the cached id token ({})", failure.redacting(id_token).cause()),
        },
        Some("ResourceNotFoundException") => failure.into_error(
            action,
            &context.config.aws_target(),
            Some(format!("check {} and {}", Setting::IdentityPoolId.names(), Setting::Region.flag())),
        ),
        _ => failure.into_error(action, &context.config.aws_target(), None),
    };
    let identity_id = identity
        .get_id()
        .identity_pool_id(identity_pool_id)
        .logins(&provider, id_token)
        .send()
        .await
        .map_err(|err| refused("GetId", AwsCallError::from_sdk(&err)))?
        .identity_id
        .ok_or_else(|| CliError::Unexpected {
            action: "GetId",
            cause: "no IdentityId in the answer".into(),
            hint: None,
        })?;
    let answer = identity
        .get_credentials_for_identity()
        .identity_id(&identity_id)
        .logins(&provider, id_token)
        .send()
        .await
        .map_err(|err| refused("GetCredentialsForIdentity", AwsCallError::from_sdk(&err)))?;
    let missing = |what: &str| CliError::Unexpected {
        action: "GetCredentialsForIdentity",
        cause: format!("the answer has no {what}"),
        hint: None,
    };
    let credentials = answer.credentials.ok_or_else(|| missing("Credentials"))?;
    Ok(IdentityCredentials {
        identity_id: answer.identity_id.unwrap_or(identity_id),
        access_key_id: credentials.access_key_id.ok_or_else(|| missing("AccessKeyId"))?,
        secret_access_key: credentials.secret_key.ok_or_else(|| missing("SecretKey"))?,
        session_token: credentials.session_token.ok_or_else(|| missing("SessionToken"))?,
        expiration: credentials
            .expiration
            .and_then(|at| at.fmt(aws_sdk_cognitoidentity::primitives::DateTimeFormat::DateTime).ok()),
    })
}
