//! `relink <user>`: for a user whose IdentityId changed (identity deleted, identities
//! merged, identity pool re-created) and whose directory entry an operator knows to be
//! stale. It is `unlink` ([`super::unlink`]), after which the user's next `/link` records
//! the IdentityId Cognito gives them now; the plan says so.
//!
//! Why no admin path: Cognito answers "which IdentityId has this user pool user" only to
//! `GetId` with the user's own id token in `Logins`; `LookupDeveloperIdentity` and
//! `MergeDeveloperIdentities` work for developer-authenticated identities only, and
//! `ListIdentities` lists ids and provider names, not which user holds them. So the
//! operator removes the stale link and the user's next sign-in and `/link` record the new
//! one (and `/link` relinks by itself when the user's credentials already name it).

use crate::cli_args::UnlinkArgs;
use crate::context::Context;
use crate::error::CliError;
use crate::output::Output;

use super::unlink::{UnlinkCommand, run_unlink};

/// `relink`.
pub async fn relink(context: &Context, args: &UnlinkArgs) -> Result<Output, CliError> {
    run_unlink(context, args, UnlinkCommand::Relink).await
}
