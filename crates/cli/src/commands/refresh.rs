//! `refresh`: new id and access tokens from the cached refresh token, cached in
//! place of the old ones.

use crate::commands::sign_in::summary;
use crate::context::Context;
use crate::error::CliError;
use crate::output::Output;
use crate::session::{cached_tokens, refresh_tokens};

/// `refresh`: REFRESH_TOKEN_AUTH, then the same summary as `login`.
pub async fn refresh(context: &Context) -> Result<Output, CliError> {
    let cached = cached_tokens(context)?;
    let tokens = refresh_tokens(context, &cached).await?;
    let path = context.token_cache()?.save(&tokens)?;
    summary(context, &tokens, "refreshed the tokens of", &path)
}
