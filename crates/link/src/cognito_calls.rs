//! The two Cognito calls of a link, and how their failures map to [`LinkError`].

use aws_sdk_cognitoidentity as identity;
use aws_sdk_cognitoidentityprovider as idp;
use lambda_foundation::aws_failure::AwsFailure;
use lambda_foundation::{IdentityPoolId, UserPoolId};

use crate::error::LinkError;

/// The user pool attribute that holds the IdentityId.
pub const IDENTITY_ID_ATTRIBUTE: &str = "custom:identity_id";

/// The identity pool and user pool clients with the ids they act on.
pub struct CognitoCalls {
    identity: identity::Client,
    idp: idp::Client,
    identity_pool_id: IdentityPoolId,
    user_pool_id: UserPoolId,
    /// The user pool's key in the `Logins` map.
    provider_name: String,
}

impl CognitoCalls {
    /// Wraps ready-made clients (from the functions' SDK configuration, or mocks in tests).
    pub fn new(
        identity: identity::Client,
        idp: idp::Client,
        identity_pool_id: IdentityPoolId,
        user_pool_id: UserPoolId,
    ) -> Self {
        let provider_name = user_pool_id.login_provider();
        CognitoCalls { identity, idp, identity_pool_id, user_pool_id, provider_name }
    }

    /// `GetId` with the id token as the pool's login: Cognito's own answer to
    /// "which IdentityId is this user".
    pub async fn get_id(&self, id_token: &str) -> Result<String, LinkError> {
        let output = self
            .identity
            .get_id()
            .identity_pool_id(self.identity_pool_id.as_str())
            .logins(&self.provider_name, id_token)
            .send()
            .await
            .map_err(|err| failed(AwsFailure::from_sdk_error("GetId", &err)))?;
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
            .user_pool_id(self.user_pool_id.as_str())
            .username(username)
            .user_attributes(attribute)
            .send()
            .await
            .map_err(|err| failed(AwsFailure::from_sdk_error("AdminUpdateUserAttributes", &err)))?;
        Ok(())
    }
}

/// Logs a failed call (its operation and code only, never the request, which holds
/// the token) and maps it to the link's answer.
fn failed(failure: AwsFailure) -> LinkError {
    failure.log();
    LinkError::from(failure)
}
