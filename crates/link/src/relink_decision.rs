//! What `/link` does when the IAM caller's IdentityId is not the one the directory holds
//! for the same user: pure functions over the three ids involved.
//!
//! An IdentityId can change under a user: the identity was deleted (`DeleteIdentities`)
//! and the next sign-in minted a new one, identities were merged, or the identity pool was
//! re-created. The caller's credentials then name the new IdentityId while the directory
//! still names the old one. Neither the caller nor the directory is believed: one `GetId`
//! with the caller's verified id token asks Cognito, and only Cognito's answer decides.

/// A repeat link's first check, before any Cognito call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoredLinkCheck {
    /// No IAM caller (the token alone decides), or the caller's IdentityId is the
    /// directory's: answer from the directory, as for any repeat link.
    Matches,
    /// The caller's IdentityId differs from the directory's: ask Cognito (`GetId`).
    AskCognito,
}

/// Compares the IAM caller's IdentityId (if the request carries one) with the stored one.
pub fn check_stored_link(caller_identity_id: Option<&str>, stored_identity_id: &str) -> StoredLinkCheck {
    match caller_identity_id {
        Some(caller) if caller != stored_identity_id => StoredLinkCheck::AskCognito,
        _ => StoredLinkCheck::Matches,
    }
}

/// What Cognito's answer means for a caller whose IdentityId is not the directory's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelinkDecision {
    /// Cognito names the caller's IdentityId: the user's IdentityId changed. Replace the
    /// directory entry (`old` → `new`) and rewrite the attribute.
    Relink {
        /// The IdentityId the directory holds.
        old: String,
        /// The caller's IdentityId, confirmed by `GetId`.
        new: String,
    },
    /// Cognito names the stored IdentityId, or a third one: the caller's credentials are
    /// stale or not this user's. Refused (403) as before, and nothing changes.
    Refuse,
}

/// Decides from the caller's IdentityId, the stored one and `GetId`'s answer.
pub fn relink_decision(
    caller_identity_id: &str,
    stored_identity_id: &str,
    cognito_identity_id: &str,
) -> RelinkDecision {
    if cognito_identity_id == caller_identity_id && caller_identity_id != stored_identity_id {
        RelinkDecision::Relink { old: stored_identity_id.to_owned(), new: caller_identity_id.to_owned() }
    } else {
        RelinkDecision::Refuse
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = "us-east-1:aaaaaaaa-0000-4000-8000-000000000000";
    const NEW: &str = "us-east-1:bbbbbbbb-0000-4000-8000-000000000000";
    const THIRD: &str = "us-east-1:cccccccc-0000-4000-8000-000000000000";

    #[test]
    fn cognito_is_asked_only_when_the_caller_disagrees_with_the_directory() {
        assert_eq!(check_stored_link(None, OLD), StoredLinkCheck::Matches);
        assert_eq!(check_stored_link(Some(OLD), OLD), StoredLinkCheck::Matches);
        assert_eq!(check_stored_link(Some(NEW), OLD), StoredLinkCheck::AskCognito);
    }

    #[test]
    fn only_cognito_naming_the_caller_relinks() {
        assert_eq!(relink_decision(NEW, OLD, NEW), RelinkDecision::Relink { old: OLD.into(), new: NEW.into() });
        assert_eq!(relink_decision(NEW, OLD, OLD), RelinkDecision::Refuse, "stale or foreign credentials");
        assert_eq!(relink_decision(NEW, OLD, THIRD), RelinkDecision::Refuse, "Cognito names neither");
        assert_eq!(relink_decision(OLD, OLD, OLD), RelinkDecision::Refuse, "nothing to relink");
    }
}
