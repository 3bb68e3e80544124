//! The authorizer's decisions as pure functions over plain data.

use std::sync::Arc;

use token_verifier::TokenUse;

use crate::caller::{Grant, VerifiedCaller};
use crate::token_identity::ClaimUse;

/// How to find the IdentityId of a verified caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityPlan {
    /// The token carries it (`custom:identity_id`): no AWS call.
    Linked(Arc<str>),
    /// The token carries none, the configuration requires one and there is no directory
    /// to ask: deny, no AWS call.
    DenyUnlinked,
    /// An id token that carries none: ask the directory (cached per pool and `sub`), and
    /// `GetId` on a miss when `get_id_on_miss` (else a miss is denied).
    Resolve {
        /// `false` under `REQUIRE_LINKED`: only the directory may vouch for the user.
        get_id_on_miss: bool,
    },
    /// An access token: the directory is its only source (`GetId` takes id tokens only).
    Lookup {
        /// What a miss gets: a Deny under `REQUIRE_LINKED`, else an Allow with no IdentityId.
        on_miss: OnDirectoryMiss,
    },
    /// An access token with no directory to ask and no link required: allowed with no
    /// IdentityId, no AWS call.
    Unknown,
}

/// The answer to an access token the directory does not know.
///
/// A type rather than a flag so that the handler's match over (lookup result, this) is
/// exhaustive without guards: the compiler, not a comment, says that no case is left
/// over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnDirectoryMiss {
    /// `REQUIRE_LINKED`: deny. A directory that cannot answer is then an error (500),
    /// never a Deny that API Gateway would cache.
    Deny,
    /// Allow with no IdentityId (`linked=false`) when the directory answers that it does
    /// not know the user. A directory that cannot answer (down, throttling, out of time)
    /// is an error (500): an Allow without IdentityId would stay in API Gateway's cache
    /// for its whole TTL.
    AllowUnidentified,
}

/// A linked token answers for itself when its claim is trusted (`claim_use`); an
/// unlinked one, or a linked one whose claim is only checked, is looked up, resolved or
/// denied, as its kind, `REQUIRE_LINKED` and the presence of a directory say (the
/// handler then checks the claim against the answer, see [`crate::token_identity`]).
pub fn plan_identity(
    caller: &VerifiedCaller,
    require_linked: bool,
    has_directory: bool,
    claim_use: ClaimUse,
) -> IdentityPlan {
    let trusted_claim = caller.linked_identity_id.as_ref().filter(|_| claim_use == ClaimUse::Trust);
    match (trusted_claim, caller.token_use) {
        (Some(identity_id), _) => IdentityPlan::Linked(identity_id.clone()),
        (None, _) if require_linked && !has_directory => IdentityPlan::DenyUnlinked,
        (None, TokenUse::Access) if !has_directory => IdentityPlan::Unknown,
        (None, TokenUse::Access) => IdentityPlan::Lookup {
            on_miss: if require_linked { OnDirectoryMiss::Deny } else { OnDirectoryMiss::AllowUnidentified },
        },
        (None, TokenUse::Id) => IdentityPlan::Resolve { get_id_on_miss: !require_linked },
    }
}

/// Why an authenticated caller is explicitly denied (API Gateway answers 403).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DenyReason {
    /// `REQUIRE_LINKED=true`, the token has no `custom:identity_id` and the directory
    /// does not know the user.
    NotLinked,
    /// `TRUST_TOKEN_IDENTITY_ID=false` and the token's `custom:identity_id` is not the
    /// IdentityId the directory holds for its user: a claim the user could have written.
    IdentityMismatch,
}

impl DenyReason {
    /// A short stable code for logs and metrics.
    pub fn code(self) -> &'static str {
        match self {
            DenyReason::NotLinked => "not_linked",
            DenyReason::IdentityMismatch => "identity_mismatch",
        }
    }
}

/// The answer to an authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Allow the whole stage, with the caller in the context.
    Allow(Grant),
    /// Deny the whole stage.
    Deny {
        /// The denied caller's `sub`, the policy's `principalId`.
        sub: String,
        /// Why.
        reason: DenyReason,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(linked: Option<&str>) -> VerifiedCaller {
        VerifiedCaller {
            sub: "s".into(),
            user_pool_id: lambda_foundation::UserPoolId::parse("us-east-1_P").unwrap(),
            token_use: TokenUse::Id,
            scopes: None,
            username: None,
            email: None,
            groups: None,
            client_id: "c".into(),
            linked_identity_id: linked.map(Arc::from),
            expires_at: 0,
            linked_context: None,
            unmet_routes: Default::default(),
            resolved_context: Default::default(),
        }
    }

    #[test]
    fn a_linked_token_needs_no_call_whatever_the_setting() {
        for (require_linked, has_directory) in [(false, false), (true, false), (false, true), (true, true)] {
            assert_eq!(
                plan_identity(&caller(Some("us-east-1:x")), require_linked, has_directory, ClaimUse::Trust),
                IdentityPlan::Linked(Arc::from("us-east-1:x"))
            );
        }
    }

    #[test]
    fn an_unlinked_token_is_resolved_or_denied_as_configured() {
        for has_directory in [false, true] {
            assert_eq!(
                plan_identity(&caller(None), false, has_directory, ClaimUse::Trust),
                IdentityPlan::Resolve { get_id_on_miss: true }
            );
        }
        assert_eq!(plan_identity(&caller(None), true, false, ClaimUse::Trust), IdentityPlan::DenyUnlinked);
        assert_eq!(
            plan_identity(&caller(None), true, true, ClaimUse::Trust),
            IdentityPlan::Resolve { get_id_on_miss: false }
        );
    }

    #[test]
    fn a_claim_that_is_only_checked_is_resolved_as_if_absent() {
        let check = ClaimUse::CheckAgainstDirectory;
        let linked = caller(Some("us-east-1:x"));
        for has_directory in [false, true] {
            assert_eq!(
                plan_identity(&linked, false, has_directory, check),
                IdentityPlan::Resolve { get_id_on_miss: true }
            );
        }
        assert_eq!(plan_identity(&linked, true, true, check), IdentityPlan::Resolve { get_id_on_miss: false });
        assert_eq!(plan_identity(&linked, true, false, check), IdentityPlan::DenyUnlinked);
    }

    #[test]
    fn an_access_token_is_looked_up_in_the_directory_only() {
        let access = VerifiedCaller { token_use: TokenUse::Access, ..caller(None) };
        assert_eq!(
            plan_identity(&access, false, true, ClaimUse::Trust),
            IdentityPlan::Lookup { on_miss: OnDirectoryMiss::AllowUnidentified }
        );
        assert_eq!(
            plan_identity(&access, true, true, ClaimUse::Trust),
            IdentityPlan::Lookup { on_miss: OnDirectoryMiss::Deny }
        );
        assert_eq!(plan_identity(&access, false, false, ClaimUse::Trust), IdentityPlan::Unknown);
        assert_eq!(plan_identity(&access, true, false, ClaimUse::Trust), IdentityPlan::DenyUnlinked);
    }
}
