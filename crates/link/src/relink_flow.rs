//! A repeat link whose IAM caller's IdentityId is not the directory's: one `GetId` for
//! the truth ([`crate::relink_decision`]), then, when Cognito names the caller's
//! IdentityId, the directory's conditional overwrite of both directions
//! ([`directory::IdentityDirectory::relink`]), the new IdentityId's unattributed usage
//! moved to the user, and one warning line naming the two ids, the pool and the `sub`.
//! The attribute is then rewritten by the link flow's common tail, as for a first link.

use directory::{DirectoryEntry, IdentityId, NewLink, RelinkRecorded, UsageMoved};

use crate::directory_failure::directory_failed;
use crate::error::LinkError;
use crate::link_service::LinkService;
use crate::relink_decision::{RelinkDecision, relink_decision};

/// Asks Cognito and relinks, or refuses. On success, the link now recorded and whether
/// this request wrote it.
pub(crate) async fn relink(
    service: &LinkService,
    id_token: &str,
    username: &str,
    caller_identity_id: &str,
    stored: DirectoryEntry,
) -> Result<(NewLink, bool), LinkError> {
    let resolved = service.cognito.get_id(id_token).await?;
    let RelinkDecision::Relink { old, new } =
        relink_decision(caller_identity_id, stored.identity_id.as_str(), &resolved)
    else {
        return Err(LinkError::Forbidden("the signing credentials belong to another identity than the id token"));
    };
    let new_identity_id =
        IdentityId::parse(&new).map_err(|_| LinkError::Upstream("GetId returned a malformed IdentityId".into()))?;
    let now = lambda_foundation::clock::unix_now();
    let link = NewLink {
        identity_id: new_identity_id,
        user_pool_id: stored.user_pool_id,
        sub: stored.sub,
        username: username.to_owned(),
        linked_at: now,
    };
    let recorded = service.directory.relink(&stored.identity_id, &link, now).await.map_err(directory_failed)?;
    if recorded == RelinkRecorded::Replaced {
        tracing::warn!(
            user_pool_id = %link.user_pool_id,
            sub = link.sub,
            old_identity_id = old,
            new_identity_id = new,
            "the user's IdentityId changed (confirmed by GetId): the directory entry was replaced"
        );
    }
    // Objects stored under the new IdentityId before this link were counted as
    // unattributed: they are the user's now (as after a first link's pipeline).
    match service.directory.move_unattributed_usage(&link.identity_id).await {
        Ok(UsageMoved::Moved(_) | UsageMoved::NothingToMove) => {}
        Ok(other) => tracing::info!(identity_id = new, ?other, "unattributed usage not moved yet"),
        Err(err) => tracing::warn!(identity_id = new, error = %err, "could not move unattributed usage"),
    }
    Ok((link, recorded == RelinkRecorded::Replaced))
}
