//! `token`: one cached token, bare, for an HTTP client.

use crate::cli_args::{TokenArgs, TokenKind};
use crate::context::Context;
use crate::error::CliError;
use crate::output::Output;
use crate::session::{cached_tokens, current_session};

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
