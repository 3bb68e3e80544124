//! What finding a caller's IdentityId cost, noted by the handler and the identity resolver
//! as a call goes, for the call's metrics line ([`crate::metrics`]). Plain data that
//! imports nothing, so that the resolver can note without depending on the metrics.

/// Where a caller's IdentityId came from, cheapest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentitySource {
    /// The token's own `custom:identity_id` (create mode): no call.
    Claim,
    /// This instance's cache of earlier directory or `GetId` answers: no call.
    Cache,
    /// The identity directory, by (pool, `sub`).
    Directory,
    /// Cognito Identity `GetId`.
    GetId,
}

/// What finding the IdentityId cost: filled by the handler and the identity resolver as
/// the call goes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IdentityNotes {
    /// Where the IdentityId came from, if one was found.
    pub source: Option<IdentitySource>,
    /// The directory could not be read and `GetId` answered instead (the outage degrade).
    pub get_id_fallback: bool,
    /// The directory answered that it does not know the user.
    pub directory_miss: bool,
    /// A directory read, or the write of `GetId`'s answer, failed.
    pub directory_error: bool,
}
