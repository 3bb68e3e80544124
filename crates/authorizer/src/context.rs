//! The context downstream Lambdas read, written under the key names of the contract
//! that [`caller_identity::context_keys`] owns (its reader uses the same constants).
//!
//! API Gateway accepts only flat string, number and boolean values; all are strings here
//! so every flavour reads the same. Always: `sub`, `identityPoolId`, `linked`
//! (`"true"`/`"false"`), `clientId`, `tokenUse` (`id`/`access`), `userPoolId`; when known:
//! `identityId` (absent for an access token the directory does not know); when the token
//! has them: `username`, `email`, `groups` (a JSON array of strings written as one string,
//! `["ops,admins","readers"]`: a group name may hold a comma), `scopes` (space-joined).

use caller_identity::context_keys as key;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::value::RawValue;

/// One caller's context values, borrowed, in the order API Gateway receives them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContextFields<'a> {
    /// The user pool `sub`.
    pub sub: &'a str,
    /// `cognito:username`.
    pub username: Option<&'a str>,
    /// The IdentityId in `identity_pool_id`, when known.
    pub identity_id: Option<&'a str>,
    /// The identity pool.
    pub identity_pool_id: &'a str,
    /// True when the IdentityId came from the token itself.
    pub linked: bool,
    /// The app client the token was issued to.
    pub client_id: &'a str,
    /// The user's email.
    pub email: Option<&'a str>,
    /// `cognito:groups` as a JSON array of strings (see [`crate::caller::VerifiedCaller::groups`]).
    pub groups: Option<&'a str>,
    /// `id` or `access`.
    pub token_use: &'a str,
    /// An access token's scopes, space-joined.
    pub scopes: Option<&'a str>,
    /// The user pool that issued the token.
    pub user_pool_id: &'a str,
}

impl Serialize for ContextFields<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry(key::SUB, self.sub)?;
        if let Some(username) = self.username {
            map.serialize_entry(key::USERNAME, username)?;
        }
        if let Some(identity_id) = self.identity_id {
            map.serialize_entry(key::IDENTITY_ID, identity_id)?;
        }
        map.serialize_entry(key::IDENTITY_POOL_ID, self.identity_pool_id)?;
        map.serialize_entry(key::LINKED, if self.linked { "true" } else { "false" })?;
        map.serialize_entry(key::CLIENT_ID, self.client_id)?;
        if let Some(email) = self.email {
            map.serialize_entry(key::EMAIL, email)?;
        }
        if let Some(groups) = self.groups {
            map.serialize_entry(key::GROUPS, groups)?;
        }
        map.serialize_entry(key::TOKEN_USE, self.token_use)?;
        if let Some(scopes) = self.scopes {
            map.serialize_entry(key::SCOPES, scopes)?;
        }
        map.serialize_entry(key::USER_POOL_ID, self.user_pool_id)?;
        map.end()
    }
}

/// A linked caller's context as JSON text, written when their token is verified.
///
/// Everything in the context of a linked caller comes from their token (and the
/// configured identity pool), so it is the same for every request that presents the
/// token again: writing it once and copying it into each answer saves escaping and
/// writing eight strings on the hot path.
#[derive(Debug, Clone)]
pub struct PrerenderedContext(Box<RawValue>);

impl PrerenderedContext {
    /// `fields` written out once.
    pub fn of(fields: &ContextFields<'_>) -> Option<Self> {
        // Strings only: writing them cannot fail.
        serde_json::value::to_raw_value(fields).ok().map(PrerenderedContext)
    }

    /// The JSON text.
    #[cfg(test)]
    pub fn json(&self) -> &str {
        self.0.get()
    }

    /// The length of the JSON text, in bytes (what the verified-token cache counts).
    pub fn json_len(&self) -> usize {
        self.0.get().len()
    }
}

impl PartialEq for PrerenderedContext {
    fn eq(&self, other: &Self) -> bool {
        self.0.get() == other.0.get()
    }
}

impl Eq for PrerenderedContext {}

impl Serialize for PrerenderedContext {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> ContextFields<'static> {
        ContextFields {
            sub: "sub-1",
            username: Some("alice"),
            identity_id: Some("us-east-1:id-1"),
            identity_pool_id: "us-east-1:pool",
            linked: true,
            client_id: "client-a",
            email: Some("a\"@example.com"),
            groups: None,
            token_use: "access",
            scopes: Some("orders/read orders/write"),
            user_pool_id: "us-east-1_Pool",
        }
    }

    #[test]
    fn written_once_is_written_the_same() {
        let once = PrerenderedContext::of(&fields()).unwrap();
        assert_eq!(once.json(), serde_json::to_string(&fields()).unwrap());
        assert_eq!(once.json_len(), once.json().len());
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(once.json()).unwrap(),
            serde_json::json!({
                "sub": "sub-1", "username": "alice", "identityId": "us-east-1:id-1",
                "identityPoolId": "us-east-1:pool", "linked": "true", "clientId": "client-a",
                "email": "a\"@example.com", "tokenUse": "access", "scopes": "orders/read orders/write",
                "userPoolId": "us-east-1_Pool",
            })
        );
    }
}
