//! The two Cognito calls of a link, and how their failures map to [`LinkError`].

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_cognitoidentity as identity;
use aws_sdk_cognitoidentityprovider as idp;
use aws_sdk_cognitoidentityprovider::error::{ProvideErrorMetadata, SdkError};

use crate::error::LinkError;

/// The user pool attribute that holds the IdentityId.
pub const IDENTITY_ID_ATTRIBUTE: &str = "custom:identity_id";

/// SDK settings for a function behind API Gateway (29 s limit): three attempts with
/// exponential backoff on throttling and 5xx, each call bounded.
pub async fn load_sdk_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .retry_config(RetryConfig::standard().with_max_attempts(3).with_initial_backoff(Duration::from_millis(100)))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(2))
                .operation_attempt_timeout(Duration::from_secs(3))
                .operation_timeout(Duration::from_secs(8))
                .build(),
        )
        .load()
        .await
}

/// The identity pool and user pool clients with the ids they act on.
pub struct CognitoCalls {
    identity: identity::Client,
    idp: idp::Client,
    identity_pool_id: String,
    user_pool_id: String,
    provider_name: String,
}

impl CognitoCalls {
    /// Wraps ready-made clients (from [`load_sdk_config`], or mocks in tests).
    pub fn new(
        identity: identity::Client,
        idp: idp::Client,
        identity_pool_id: String,
        user_pool_id: String,
        provider_name: String,
    ) -> Self {
        CognitoCalls { identity, idp, identity_pool_id, user_pool_id, provider_name }
    }

    /// `GetId` with the id token as the pool's login: Cognito's own answer to
    /// "which IdentityId is this user".
    pub async fn get_id(&self, id_token: &str) -> Result<String, LinkError> {
        let output = self
            .identity
            .get_id()
            .identity_pool_id(&self.identity_pool_id)
            .logins(&self.provider_name, id_token)
            .send()
            .await
            .map_err(|err| map_sdk_error("GetId", &err))?;
        output
            .identity_id
            .filter(|id| !id.is_empty())
            .ok_or_else(|| LinkError::Upstream("GetId returned no IdentityId".into()))
    }

    /// `AdminUpdateUserAttributes` writing `custom:identity_id`.
    pub async fn write_identity_id(&self, username: &str, identity_id: &str) -> Result<(), LinkError> {
        let attribute = idp::types::AttributeType::builder()
            .name(IDENTITY_ID_ATTRIBUTE)
            .value(identity_id)
            .build()
            .map_err(|_| LinkError::Upstream("invalid attribute".into()))?;
        self.idp
            .admin_update_user_attributes()
            .user_pool_id(&self.user_pool_id)
            .username(username)
            .user_attributes(attribute)
            .send()
            .await
            .map_err(|err| map_sdk_error("AdminUpdateUserAttributes", &err))?;
        Ok(())
    }
}

/// One mapping for both services' errors (they share the error codes).
fn map_sdk_error<E: ProvideErrorMetadata + std::error::Error, R: std::fmt::Debug>(
    operation: &'static str,
    err: &SdkError<E, R>,
) -> LinkError {
    let mapped = match err {
        SdkError::ServiceError(service) => match service.err().code().unwrap_or("Unknown") {
            "NotAuthorizedException" if operation == "GetId" => {
                LinkError::InvalidToken("Cognito Identity refused the token".into())
            }
            "TooManyRequestsException" | "ThrottlingException" | "LimitExceededException" => LinkError::Throttled,
            "InternalErrorException" | "InternalServerError" | "ServiceUnavailable" => LinkError::Unavailable,
            code => LinkError::Upstream(format!("{operation}: {code}")),
        },
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => LinkError::Unavailable,
        _ => LinkError::Upstream(format!("{operation}: unexpected response")),
    };
    tracing::warn!(operation, error = %aws_smithy_error_summary(err), status = mapped.status(), "Cognito call failed");
    mapped
}

/// The error's code and message, never the request (which holds the token).
fn aws_smithy_error_summary<E: ProvideErrorMetadata + std::error::Error, R>(err: &SdkError<E, R>) -> String {
    match err {
        SdkError::ServiceError(service) => {
            format!("{}: {}", service.err().code().unwrap_or("Unknown"), service.err().message().unwrap_or(""))
        }
        SdkError::TimeoutError(_) => "timeout".into(),
        SdkError::DispatchFailure(_) => "dispatch failure".into(),
        SdkError::ConstructionFailure(_) => "construction failure".into(),
        _ => "response error".into(),
    }
}
