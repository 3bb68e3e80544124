//! USER_SRP_AUTH: signing in without sending the password, with the
//! `aws-cognito-srp` crate computing `SRP_A` and the `PASSWORD_VERIFIER` answer.

use aws_cognito_srp::{SrpClient, User};
use aws_sdk_cognitoidentityprovider as idp;
use idp::types::{AuthFlowType, AuthenticationResultType, ChallengeNameType};

use crate::aws_failure::AwsFailure;

impl SignInFailure {
    /// The same failure with `secret` (the password) blanked out of AWS's message.
    pub fn redacting(self, secret: &str) -> Self {
        match self {
            SignInFailure::Aws(failure) => SignInFailure::Aws(failure.redacting(secret)),
            other => other,
        }
    }
}

/// Why a sign-in produced no tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInFailure {
    /// Cognito refused or could not be reached.
    Aws(AwsFailure),
    /// Cognito asks for a challenge the CLI does not answer (MFA, new password, …).
    Challenge(String),
    /// The SRP exchange could not be completed (malformed challenge, no tokens at the end).
    Srp(String),
}

/// Runs InitiateAuth(USER_SRP_AUTH) + RespondToAuthChallenge(PASSWORD_VERIFIER).
pub async fn srp_sign_in(
    idp: &idp::Client,
    user_pool_id: &str,
    client_id: &str,
    username: &str,
    password: &str,
) -> Result<AuthenticationResultType, SignInFailure> {
    let srp = SrpClient::new(User::new(user_pool_id, username, password), client_id, None);
    let start = srp.get_auth_parameters();
    let started = idp
        .initiate_auth()
        .client_id(client_id)
        .auth_flow(AuthFlowType::UserSrpAuth)
        .auth_parameters("USERNAME", start.username)
        .auth_parameters("SRP_A", start.a)
        .send()
        .await
        .map_err(|err| SignInFailure::Aws(AwsFailure::from_sdk(&err)))?;
    match started.challenge_name {
        Some(ChallengeNameType::PasswordVerifier) => {}
        Some(other) => return Err(SignInFailure::Challenge(other.as_str().to_owned())),
        None => {
            return started
                .authentication_result
                .ok_or_else(|| SignInFailure::Srp("InitiateAuth answered with neither a challenge nor tokens".into()));
        }
    }
    let parameters = started.challenge_parameters.unwrap_or_default();
    let parameter = |name: &str| {
        parameters
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| SignInFailure::Srp(format!("the PASSWORD_VERIFIER challenge has no {name}")))
    };
    // The proof hashes USER_ID_FOR_SRP (the user's internal name, not an alias typed in); the answer names
    // the user as the challenge did (USERNAME, which real Cognito sets to the same internal name).
    let user_id = parameter("USER_ID_FOR_SRP")?;
    let answer_username = parameters.get("USERNAME").map(String::as_str).unwrap_or(user_id);
    let proof = srp
        .verify(parameter("SECRET_BLOCK")?, user_id, parameter("SALT")?, parameter("SRP_B")?)
        .map_err(|err| SignInFailure::Srp(format!("cannot answer the PASSWORD_VERIFIER challenge: {err}")))?;
    let answered = idp
        .respond_to_auth_challenge()
        .client_id(client_id)
        .challenge_name(ChallengeNameType::PasswordVerifier)
        .set_session(started.session)
        .challenge_responses("USERNAME", answer_username)
        .challenge_responses("PASSWORD_CLAIM_SECRET_BLOCK", proof.password_claim_secret_block)
        .challenge_responses("PASSWORD_CLAIM_SIGNATURE", proof.password_claim_signature)
        .challenge_responses("TIMESTAMP", proof.timestamp)
        .send()
        .await
        .map_err(|err| SignInFailure::Aws(AwsFailure::from_sdk(&err)))?;
    if let Some(tokens) = answered.authentication_result {
        return Ok(tokens);
    }
    Err(match answered.challenge_name {
        Some(challenge) => SignInFailure::Challenge(challenge.as_str().to_owned()),
        None => SignInFailure::Srp("RespondToAuthChallenge answered with neither tokens nor a challenge".into()),
    })
}
