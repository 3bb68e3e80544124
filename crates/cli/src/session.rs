//! The signed-in session: the cached tokens of the current user pool and app
//! client, checked for expiry before a command relies on them, and renewed with
//! the refresh token (REFRESH_TOKEN_AUTH): by `refresh` and `link`, and on its own
//! by `credentials --format process`, which an AWS profile runs unattended.

use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, AuthenticationResultType};
use token_verifier::{CognitoClaims, decode_unverified_claims};

use crate::aws_call_error::AwsCallError;
use crate::context::Context;
use crate::error::CliError;
use crate::output::{rfc3339, unix_now};
use crate::token_cache::CachedTokens;

/// An id token this close to expiry counts as expired: it could lapse mid-command.
pub const EXPIRY_MARGIN_SECS: u64 = 30;

/// Cached tokens whose id token is readable and not expired.
#[derive(Debug, Clone)]
pub struct Session {
    /// The cached tokens.
    pub tokens: CachedTokens,
    /// The id token's claims, read but not verified: Cognito verifies the token when a command sends it.
    pub claims: CognitoClaims,
}

/// The cached tokens, whatever their expiry (what `refresh` starts from).
pub fn cached_tokens(context: &Context) -> Result<CachedTokens, CliError> {
    let config = &context.config;
    context.token_cache()?.load(config.user_pool_id()?, config.client_id()?)
}

/// Whether a token that expires at `expires_at` counts as expired at `now` (seconds since the
/// epoch): within [`EXPIRY_MARGIN_SECS`] of its expiry it could lapse mid-command.
pub fn is_expired(expires_at: u64, now: u64) -> bool {
    expires_at <= now.saturating_add(EXPIRY_MARGIN_SECS)
}

/// The current session; exit code 3 errors when there is none, it is unreadable or it expired.
pub fn current_session(context: &Context) -> Result<Session, CliError> {
    let tokens = cached_tokens(context)?;
    let (claims, expires_at) = read_id_token(context, &tokens)?;
    if is_expired(expires_at, unix_now()) {
        return Err(id_token_expired(&tokens, expires_at));
    }
    Ok(Session { tokens, claims })
}

/// The current session, renewed first when its id token has expired: REFRESH_TOKEN_AUTH with
/// the cached refresh token, and the new tokens written to the cache in place of the old ones.
///
/// For callers that cannot stop to run `refresh` (an AWS profile's `credential_process`), so a
/// session lasts as long as its refresh token, not the id token's hour. Only a refresh token
/// Cognito refuses (expired or revoked) or a cache without one asks to sign in again.
pub async fn current_or_refreshed_session(context: &Context) -> Result<Session, CliError> {
    let cached = cached_tokens(context)?;
    let (claims, expires_at) = read_id_token(context, &cached)?;
    if !is_expired(expires_at, unix_now()) {
        return Ok(Session { tokens: cached, claims });
    }
    let tokens = refresh_tokens(context, &cached).await?;
    context.token_cache()?.save(&tokens)?;
    let (claims, expires_at) = read_id_token(context, &tokens)?;
    if is_expired(expires_at, unix_now()) {
        return Err(id_token_expired(&tokens, expires_at));
    }
    Ok(Session { tokens, claims })
}

/// The claims of `tokens`' id token and when it expires; [`CliError::CacheUnusable`] when it
/// cannot be read.
fn read_id_token(context: &Context, tokens: &CachedTokens) -> Result<(CognitoClaims, u64), CliError> {
    let claims = decode_unverified_claims(&tokens.id_token).map_err(|cause| CliError::CacheUnusable {
        path: context
            .token_cache()
            .map(|cache| cache.path_for(&tokens.user_pool_id, &tokens.client_id))
            .unwrap_or_default(),
        cause: format!("the cached id token is unreadable: {cause}"),
    })?;
    let expires_at = claims.exp.unwrap_or(tokens.expires_at);
    Ok((claims, expires_at))
}

fn id_token_expired(tokens: &CachedTokens, expires_at: u64) -> CliError {
    CliError::SessionExpired { token: "id token", username: tokens.username.clone(), expired_at: rfc3339(expires_at) }
}

/// The session's access token, after the same expiry check as the id token: an app client
/// can give the two different lifetimes, and an expired one would only come back as a 401.
pub fn current_access_token<'s>(context: &Context, session: &'s Session) -> Result<&'s str, CliError> {
    let tokens = &session.tokens;
    let claims = decode_unverified_claims(&tokens.access_token).map_err(|cause| CliError::CacheUnusable {
        path: context
            .token_cache()
            .map(|cache| cache.path_for(&tokens.user_pool_id, &tokens.client_id))
            .unwrap_or_default(),
        cause: format!("the cached access token is unreadable: {cause}"),
    })?;
    match claims.exp {
        Some(expires_at) if is_expired(expires_at, unix_now()) => Err(CliError::SessionExpired {
            token: "access token",
            username: tokens.username.clone(),
            expired_at: rfc3339(expires_at),
        }),
        _ => Ok(&tokens.access_token),
    }
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
            let failure = AwsCallError::from_sdk(&err);
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

/// Cached tokens from an authentication result; `kept_refresh_token` when the answer has none.
pub fn tokens_from(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_counts_as_expired_shortly_before_its_expiry() {
        let now = 1_000_000;
        assert!(!is_expired(now + EXPIRY_MARGIN_SECS + 1, now));
        assert!(is_expired(now + EXPIRY_MARGIN_SECS, now), "it could lapse mid-command");
        assert!(is_expired(now - 3600, now));
        assert!(is_expired(0, u64::MAX), "no overflow");
    }
}
