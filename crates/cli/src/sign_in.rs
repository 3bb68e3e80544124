//! `login` and `refresh`: get tokens from Cognito, cache them, and say who is
//! signed in, until when, and whether the id token carries `custom:identity_id`.

use aws_sdk_cognitoidentityprovider as idp;
use idp::types::{AuthFlowType, AuthenticationResultType};
use serde_json::json;

use crate::aws_failure::AwsFailure;
use crate::cli_args::{AuthFlow, LoginArgs};
use crate::context::Context;
use crate::error::CliError;
use crate::output::{Output, TextBlock, expiry, rfc3339, unix_now};
use crate::password_input::read_password;
use crate::session::cached_tokens;
use crate::settings::Setting;
use crate::srp_sign_in::{SignInFailure, srp_sign_in};
use crate::token_cache::CachedTokens;
use token_verifier::decode_unverified_claims;

/// Pointer given when SRP cannot complete: moto, the local emulator, accepts
/// USER_SRP_AUTH but never returns tokens for it.
const SRP_HINT: &str = "check that the app client allows USER_SRP_AUTH, or use --flow password";

/// `login`: signs in with SRP or USER_PASSWORD_AUTH and caches the tokens.
pub async fn login(context: &Context, args: &LoginArgs) -> Result<Output, CliError> {
    let config = &context.config;
    let (pool, client_id) = (config.user_pool_id()?, config.client_id()?);
    let cache = context.token_cache()?;
    let password = read_password(&args.password)?;
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

/// `refresh`: new id and access tokens from the cached refresh token.
pub async fn refresh(context: &Context) -> Result<Output, CliError> {
    let cached = cached_tokens(context)?;
    let tokens = refresh_tokens(context, &cached).await?;
    let path = context.token_cache()?.save(&tokens)?;
    summary(context, &tokens, "refreshed the tokens of", &path)
}

/// REFRESH_TOKEN_AUTH with `cached`'s refresh token; the refresh token is kept
/// (Cognito's answer carries none unless refresh token rotation is on). Not saved.
pub async fn refresh_tokens(context: &Context, cached: &CachedTokens) -> Result<CachedTokens, CliError> {
    let Some(refresh_token) = cached.refresh_token.as_deref() else {
        return Err(CliError::SessionRefused {
            action: "refresh",
            username: cached.username.clone(),
            cause: "the token cache holds no refresh token".into(),
        });
    };
    let answer = context
        .idp()?
        .initiate_auth()
        .client_id(&cached.client_id)
        .auth_flow(AuthFlowType::RefreshTokenAuth)
        .auth_parameters("REFRESH_TOKEN", refresh_token)
        .send()
        .await;
    let answer = match answer {
        Ok(answer) => answer,
        Err(err) => {
            let failure = AwsFailure::from_sdk(&err);
            if failure.code() == Some("NotAuthorizedException") {
                return Err(CliError::SessionRefused {
                    action: "refresh",
                    username: cached.username.clone(),
                    cause: format!("Cognito refused the refresh token ({})", failure.redacting(refresh_token).cause()),
                });
            }
            return Err(failure.redacting(refresh_token).into_error("refresh", &context.config.aws_target(), None));
        }
    };
    let result = answer.authentication_result.ok_or_else(|| CliError::Unexpected {
        action: "refresh",
        cause: "Cognito answered REFRESH_TOKEN_AUTH without tokens".into(),
        hint: None,
    })?;
    tokens_from(result, Some(refresh_token), &cached.user_pool_id, &cached.client_id, &cached.username)
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
        .map_err(|err| SignInFailure::Aws(AwsFailure::from_sdk(&err)))?;
    match (answer.authentication_result, answer.challenge_name) {
        (Some(tokens), _) => Ok(tokens),
        (None, Some(challenge)) => Err(SignInFailure::Challenge(challenge.as_str().to_owned())),
        (None, None) => Err(SignInFailure::Challenge("none, and no tokens".into())),
    }
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

/// Cached tokens from an authentication result; `kept_refresh_token` when the answer has none.
fn tokens_from(
    result: AuthenticationResultType,
    kept_refresh_token: Option<&str>,
    user_pool_id: &str,
    client_id: &str,
    username: &str,
) -> Result<CachedTokens, CliError> {
    let missing = |what: &str| CliError::Unexpected {
        action: "sign-in",
        cause: format!("Cognito's answer has no {what}"),
        hint: None,
    };
    let id_token = result.id_token.ok_or_else(|| missing("id token"))?;
    let access_token = result.access_token.ok_or_else(|| missing("access token"))?;
    let claims = decode_unverified_claims(&id_token).map_err(|cause| CliError::Unexpected {
        action: "sign-in",
        cause: format!("the id token Cognito returned is unreadable: {cause}"),
        hint: None,
    })?;
    let expires_at = claims.exp.unwrap_or_else(|| unix_now() + u64::try_from(result.expires_in).unwrap_or(0));
    Ok(CachedTokens {
        user_pool_id: user_pool_id.to_owned(),
        client_id: client_id.to_owned(),
        username: claims.user_name().unwrap_or(username).to_owned(),
        id_token,
        access_token,
        refresh_token: result.refresh_token.or_else(|| kept_refresh_token.map(str::to_owned)),
        expires_at,
    })
}

/// Who is signed in, until when, whether the id token carries `custom:identity_id`, and where
/// the tokens are; the tokens themselves only with `--show-tokens`.
fn summary(
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
