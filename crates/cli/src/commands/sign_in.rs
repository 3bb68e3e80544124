//! `login` and `logout`: sign in with SRP (USER_SRP_AUTH, the password never leaves
//! the machine) or USER_PASSWORD_AUTH, cache the tokens, and say who is signed in,
//! until when, and whether the id token carries `custom:identity_id`; or forget them.

use aws_cognito_srp::{SrpClient, User};
use aws_sdk_cognitoidentityprovider as idp;
use idp::types::{AuthFlowType, AuthenticationResultType, ChallengeNameType};
use serde_json::json;
use token_verifier::decode_unverified_claims;

use crate::aws_call_error::AwsCallError;
use crate::cli_args::{AuthFlow, LoginArgs};
use crate::context::Context;
use crate::error::CliError;
use crate::output::{Output, TextBlock, expiry, rfc3339, unix_now};
use crate::session::tokens_from;
use crate::settings::Setting;
use crate::token_cache::CachedTokens;

/// Pointer given when SRP cannot complete: moto, the local emulator, accepts
/// USER_SRP_AUTH but never returns tokens for it.
const SRP_HINT: &str = "check that the app client allows USER_SRP_AUTH, or use --flow password";

/// `login`: signs in with SRP or USER_PASSWORD_AUTH and caches the tokens.
pub async fn login(context: &Context, args: &LoginArgs) -> Result<Output, CliError> {
    let config = &context.config;
    let (pool, client_id) = (config.user_pool_id()?, config.client_id()?);
    let cache = context.token_cache()?;
    let password = args.password.read()?;
    let idp = context.idp()?;
    let result = match args.flow {
        AuthFlow::Password => password_sign_in(&idp, client_id, &args.username, &password).await,
        AuthFlow::Srp => srp_sign_in(&idp, pool, client_id, &args.username, &password).await,
    }
    .map_err(|failure| sign_in_error(failure.redacting(&password), &args.username, args.flow, &config.aws_target()))?;
    let tokens = tokens_from(result, None, pool, client_id, &args.username)?;
    let path = cache.save(&tokens)?;
    summary(context, &tokens, "signed in as", &path)
}

async fn password_sign_in(
    idp: &idp::Client,
    client_id: &str,
    username: &str,
    password: &str,
) -> Result<AuthenticationResultType, SignInFailure> {
    let answer = idp
        .initiate_auth()
        .client_id(client_id)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("PASSWORD", password)
        .send()
        .await
        .map_err(|err| SignInFailure::Aws(AwsCallError::from_sdk(&err)))?;
    match (answer.authentication_result, answer.challenge_name) {
        (Some(tokens), _) => Ok(tokens),
        (None, Some(challenge)) => Err(SignInFailure::Challenge(challenge.as_str().to_owned())),
        (None, None) => Err(SignInFailure::Challenge("none, and no tokens".into())),
    }
}

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
    Aws(AwsCallError),
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
        .map_err(|err| SignInFailure::Aws(AwsCallError::from_sdk(&err)))?;
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
        .map_err(|err| SignInFailure::Aws(AwsCallError::from_sdk(&err)))?;
    if let Some(tokens) = answered.authentication_result {
        return Ok(tokens);
    }
    Err(match answered.challenge_name {
        Some(challenge) => SignInFailure::Challenge(challenge.as_str().to_owned()),
        None => SignInFailure::Srp("RespondToAuthChallenge answered with neither tokens nor a challenge".into()),
    })
}

fn sign_in_error(failure: SignInFailure, username: &str, flow: AuthFlow, target: &str) -> CliError {
    match failure {
        SignInFailure::Aws(failure) => {
            let hint = match failure.code() {
                Some("NotAuthorizedException") => Some("check the username and password".to_owned()),
                Some("UserNotFoundException") => {
                    Some(format!("check the username, or sign up with 'cognito-bridge signup --username {username}'"))
                }
                Some("UserNotConfirmedException") => Some(format!(
                    "confirm the user with 'cognito-bridge confirm --username {username} --code <code>' (or --admin)"
                )),
                Some("PasswordResetRequiredException") => Some("the user must reset their password first".to_owned()),
                Some("ResourceNotFoundException") => Some(format!("check {}", Setting::ClientId.names())),
                Some("InvalidParameterException") => Some(format!(
                    "the app client may not allow this flow: enable it on the client or try --flow {}",
                    if flow == AuthFlow::Srp { "password" } else { "srp" }
                )),
                _ => None,
            };
            failure.into_error("login", target, hint)
        }
        SignInFailure::Challenge(challenge) => CliError::Unexpected {
            action: "login",
            cause: format!("Cognito asks for the challenge {challenge}, which this CLI does not answer"),
            hint: Some("complete it once in the app (new password, MFA setup), then log in again".into()),
        },
        SignInFailure::Srp(cause) => CliError::Unexpected { action: "login", cause, hint: Some(SRP_HINT.into()) },
    }
}

/// Who is signed in, until when, whether the id token carries `custom:identity_id`, and where
/// the tokens are; the tokens themselves only with `--show-tokens`.
pub fn summary(
    context: &Context,
    tokens: &CachedTokens,
    title: &str,
    cache_path: &std::path::Path,
) -> Result<Output, CliError> {
    let claims = decode_unverified_claims(&tokens.id_token).map_err(|cause| CliError::Unexpected {
        action: "sign-in",
        cause: format!("the id token is unreadable: {cause}"),
        hint: None,
    })?;
    let identity_id = claims.linked_identity_id();
    let mut human = TextBlock::new(format!("{title} {}", tokens.username))
        .line("sub", &claims.sub)
        .line("id token expires", expiry(tokens.expires_at, unix_now()))
        .line(
            "custom:identity_id",
            identity_id.map_or_else(|| "not in the id token yet: run 'cognito-bridge link'".to_owned(), str::to_owned),
        )
        .line("tokens cached in", cache_path.display().to_string());
    let mut json = json!({
        "username": tokens.username,
        "sub": claims.sub,
        "expiresAt": rfc3339(tokens.expires_at),
        "identityIdInToken": identity_id.is_some(),
        "identityId": identity_id,
        "tokenCache": cache_path,
    });
    if context.show_tokens {
        human = human
            .line("id token", &tokens.id_token)
            .line("access token", &tokens.access_token)
            .line("refresh token", tokens.refresh_token.as_deref().unwrap_or("none"));
        json["idToken"] = json!(tokens.id_token);
        json["accessToken"] = json!(tokens.access_token);
        json["refreshToken"] = json!(tokens.refresh_token);
    }
    Ok(Output::Report { human: human.render(), json })
}

/// `logout`: deletes the cache file of this user pool and app client (the tokens stay valid
/// at Cognito until they expire; this only forgets them locally).
pub fn logout(context: &Context) -> Result<Output, CliError> {
    let (pool, client) = (context.config.user_pool_id()?, context.config.client_id()?);
    let cache = context.token_cache()?;
    let removed = cache.remove(pool, client)?;
    let path = cache.path_for(pool, client);
    let human = if removed {
        format!("signed out: deleted {}", path.display())
    } else {
        format!("not signed in: there was no {}", path.display())
    };
    Ok(Output::Report { human, json: json!({"removed": removed, "tokenCache": path}) })
}
