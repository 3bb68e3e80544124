//! A failed directory call, logged once (a conflict with who holds what; never a token)
//! and mapped to the link's answer: shared by the first link and the relink.

use directory::DirectoryError;

use crate::error::LinkError;

/// Logs a failed directory call (a conflict with who holds what; never a token) and
/// maps it to the link's answer.
pub fn directory_failed(err: DirectoryError) -> LinkError {
    match &err {
        DirectoryError::Conflict(conflict) => tracing::warn!(
            sub = conflict.requested.sub,
            identity_id = %conflict.requested.identity_id,
            identity_owner_sub = conflict.identity_owner.as_ref().map(|e| e.sub.as_str()).unwrap_or(""),
            user_linked_to = conflict.user_link.as_ref().map(|e| e.identity_id.as_str()).unwrap_or(""),
            "directory conflict: the link was refused and nothing changed"
        ),
        other => tracing::warn!(error = %other, retryable = other.is_retryable(), "directory call failed"),
    }
    LinkError::from(err)
}
