//! The signed-in session: the cached tokens of the current user pool and app
//! client, checked for expiry before a command relies on them; and the two
//! commands that only touch the cache (`token`, `logout`).

use serde_json::json;
use token_verifier::CognitoClaims;

use crate::cli_args::{TokenArgs, TokenKind};
use crate::context::Context;
use crate::error::CliError;
use crate::output::{Output, rfc3339, unix_now};
use crate::token_cache::CachedTokens;
use token_verifier::decode_unverified_claims;

/// An id token this close to expiry counts as expired: it could lapse mid-command.
pub const EXPIRY_MARGIN_SECS: u64 = 30;

/// Cached tokens whose id token is readable and not expired.
#[derive(Debug, Clone)]
pub struct Session {
    /// The cached tokens.
    pub tokens: CachedTokens,
    /// The id token's claims (read, not verified: see [`crate::id_token`]).
    pub claims: CognitoClaims,
}

/// The cached tokens, whatever their expiry (what `refresh` starts from).
pub fn cached_tokens(context: &Context) -> Result<CachedTokens, CliError> {
    let config = &context.config;
    context.token_cache()?.load(config.user_pool_id()?, config.client_id()?)
}

/// The current session; exit code 3 errors when there is none, it is unreadable or it expired.
pub fn current_session(context: &Context) -> Result<Session, CliError> {
    let tokens = cached_tokens(context)?;
    let claims = decode_unverified_claims(&tokens.id_token).map_err(|cause| CliError::CacheUnusable {
        path: context
            .token_cache()
            .map(|cache| cache.path_for(&tokens.user_pool_id, &tokens.client_id))
            .unwrap_or_default(),
        cause: format!("the cached id token is unreadable: {cause}"),
    })?;
    let expires_at = claims.exp.unwrap_or(tokens.expires_at);
    if expires_at <= unix_now() + EXPIRY_MARGIN_SECS {
        return Err(CliError::SessionExpired {
            token: "id token",
            username: tokens.username.clone(),
            expired_at: rfc3339(expires_at),
        });
    }
    Ok(Session { tokens, claims })
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
        Some(expires_at) if expires_at <= unix_now() + EXPIRY_MARGIN_SECS => Err(CliError::SessionExpired {
            token: "access token",
            username: tokens.username.clone(),
            expired_at: rfc3339(expires_at),
        }),
        _ => Ok(&tokens.access_token),
    }
}

/// `token`: one cached token, bare, for an HTTP client (`Authorization: $(cognito-bridge token)`).
pub fn print_token(context: &Context, args: &TokenArgs) -> Result<Output, CliError> {
    let tokens = match args.kind {
        TokenKind::Refresh => cached_tokens(context)?,
        TokenKind::Id | TokenKind::Access => current_session(context)?.tokens,
    };
    let token = match args.kind {
        TokenKind::Id => tokens.id_token,
        TokenKind::Access => tokens.access_token,
        TokenKind::Refresh => tokens.refresh_token.ok_or_else(|| CliError::CacheUnusable {
            path: context
                .token_cache()
                .map(|c| c.path_for(&tokens.user_pool_id, &tokens.client_id))
                .unwrap_or_default(),
            cause: "it holds no refresh token".into(),
        })?,
    };
    Ok(Output::Verbatim(token))
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
