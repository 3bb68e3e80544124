//! Whether a token's own `custom:identity_id` may be believed, and what a claim that the
//! directory contradicts gets: pure decisions over the claim and the directory's answer.
//!
//! In create mode (`TRUST_TOKEN_IDENTITY_ID=true`, the default) our own app client
//! cannot write `custom:identity_id`, so the claim is the link and costs no call. In
//! adopt mode (`false`) a team's existing app client may have been left able to write
//! custom attributes: a user could then write someone else's IdentityId into their own
//! token. So the claim is never the source there. The IdentityId comes from the
//! directory by (pool, `sub`), and a claim the directory contradicts is a Deny (the
//! token is valid, so not a 401; API Gateway may cache the Deny for that token, which
//! is right: the token will keep carrying the same claim). A claim of a user the
//! directory does not know is treated as absent: `GetId` answers as for any unlinked
//! id token (then records the link), and `REQUIRE_LINKED` denies as it would.

use crate::identity_resolver::{FoundBy, Resolved};

/// What the authorizer may do with a token's `custom:identity_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimUse {
    /// The claim is the IdentityId (create mode): no call.
    Trust,
    /// The claim is checked against the directory, never used (adopt mode).
    CheckAgainstDirectory,
}

impl ClaimUse {
    /// `TRUST_TOKEN_IDENTITY_ID` as a use.
    pub fn from_setting(trust_token_identity_id: bool) -> Self {
        if trust_token_identity_id { ClaimUse::Trust } else { ClaimUse::CheckAgainstDirectory }
    }
}

/// The verdict on a token's claim once its user's IdentityId is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimCheck {
    /// Nothing contradicts the claim (it agrees with the directory, the token has none,
    /// or only `GetId` answered, which leaves the claim unchecked): allow with the
    /// IdentityId found.
    Consistent,
    /// The directory names another IdentityId for this user: deny.
    Contradicted,
}

/// Checks `claimed` (the token's `custom:identity_id`, if any) against `found`, the
/// IdentityId the directory (or `GetId`) gave for the token's user.
///
/// Only a directory read can contradict a claim: a user the directory did not know is
/// resolved as if the token carried no claim.
pub fn check_claim(claimed: Option<&str>, found: &Resolved) -> ClaimCheck {
    match (claimed, found.found_by) {
        (Some(claimed), FoundBy::DirectoryRead) if claimed != &*found.identity_id => ClaimCheck::Contradicted,
        _ => ClaimCheck::Consistent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    const MINE: &str = "us-east-1:11111111-0000-4000-8000-000000000000";
    const THEIRS: &str = "us-east-1:22222222-0000-4000-8000-000000000000";

    fn found(identity_id: &str, found_by: FoundBy) -> Resolved {
        Resolved { identity_id: Arc::from(identity_id), in_directory: true, found_by }
    }

    #[test]
    fn a_claim_the_directory_contradicts_is_denied() {
        assert_eq!(check_claim(Some(THEIRS), &found(MINE, FoundBy::DirectoryRead)), ClaimCheck::Contradicted);
    }

    #[test]
    fn a_claim_the_directory_confirms_or_no_claim_is_consistent() {
        assert_eq!(check_claim(Some(MINE), &found(MINE, FoundBy::DirectoryRead)), ClaimCheck::Consistent);
        assert_eq!(check_claim(None, &found(MINE, FoundBy::DirectoryRead)), ClaimCheck::Consistent);
    }

    #[test]
    fn a_user_the_directory_did_not_know_is_judged_as_if_the_claim_were_absent() {
        assert_eq!(check_claim(Some(THEIRS), &found(MINE, FoundBy::GetId)), ClaimCheck::Consistent);
    }

    #[test]
    fn the_setting_names_the_use() {
        assert_eq!(ClaimUse::from_setting(true), ClaimUse::Trust);
        assert_eq!(ClaimUse::from_setting(false), ClaimUse::CheckAgainstDirectory);
    }
}
