//! What a link request works with, built once per process: the verifier, the two
//! Cognito calls, the identity directory and the pool ids they act on.

use directory::IdentityDirectory;
use lambda_foundation::{IdentityPoolId, UserPoolId};
use token_verifier::CognitoJwtVerifier;

use crate::cognito_calls::CognitoCalls;
use crate::config::LinkConfig;

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
    pub fn new(config: LinkConfig, sdk: &aws_config::SdkConfig) -> Self {
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
