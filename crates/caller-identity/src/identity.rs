//! The caller identity value itself, and the scope and group checks handlers make on it.

use serde::Serialize;

use crate::error::AccessDenied;

/// Where API Gateway (or our authorizer) put the identity this value was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum IdentitySource {
    /// The Cognito Bridge Lambda authorizer's context.
    LambdaAuthorizer,
    /// IAM (SigV4) auth with Cognito identity pool credentials.
    Iam,
    /// API Gateway's built-in Cognito user pool authorizer (REST API).
    CognitoUserPoolAuthorizer,
    /// The HTTP API JWT authorizer configured with the user pool.
    JwtAuthorizer,
}

/// Which kind of user pool token the caller presented (its `token_use` claim).
///
/// It matters because only access tokens carry OAuth scopes, and only id tokens carry
/// the user's attributes (email, `custom:identity_id`): a handler that needs either can
/// say why a request falls short instead of guessing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum TokenUse {
    /// An id token (`token_use` = `id`): the user's attributes, no scopes.
    Id,
    /// An access token (`token_use` = `access`): scopes and groups, few attributes.
    Access,
}

impl TokenUse {
    /// Reads `id` or `access`, the values Cognito writes (and our authorizer copies);
    /// anything else is `None`, so a context from a newer or foreign writer never
    /// passes for a known kind of token.
    ///
    /// ```
    /// use caller_identity::TokenUse;
    /// assert_eq!(TokenUse::parse("access"), Some(TokenUse::Access));
    /// assert_eq!(TokenUse::parse("refresh"), None);
    /// ```
    pub fn parse(value: &str) -> Option<TokenUse> {
        match value {
            "id" => Some(TokenUse::Id),
            "access" => Some(TokenUse::Access),
            _ => None,
        }
    }

    /// The claim value, `id` or `access` (also what `Serialize` writes).
    pub fn as_str(self) -> &'static str {
        match self {
            TokenUse::Id => "id",
            TokenUse::Access => "access",
        }
    }
}

/// The caller as both Cognito halves know them.
///
/// `sub` is always present; `identity_id` is present whenever the source knows it
/// (always through our authorizer and IAM auth; through the built-in authorizers only
/// once the user is linked and their token refreshed).
///
/// What each source carries besides `sub`:
///
/// | field | our authorizer | Cognito / JWT authorizer | IAM auth |
/// |---|---|---|---|
/// | `token_use` | `tokenUse` | `token_use` claim | – |
/// | `scopes` | `scopes` (access tokens) | `scope` claim (JWT: also `jwt.scopes`) | – |
/// | `groups` | `groups` | `cognito:groups` claim | – |
/// | `user_pool_id` | `userPoolId` | from the `iss` claim | – |
/// | `client_id` | `clientId` | `client_id` claim (access tokens), else `aud` (id tokens) | – |
/// | `identity_id` | `identityId` | `custom:identity_id` claim, else `identity_id` | `cognitoIdentityId` |
///
/// IAM auth carries none of the token's fields: API Gateway sees SigV4 credentials, not a token,
/// so [`require_scope`](Self::require_scope) and [`require_group`](Self::require_group)
/// refuse every IAM caller.
///
/// Serialized (serde), it is the shared JSON shape of `events/expected/README.md` that
/// the Node and Python readers answer too: camelCase keys `sub`, `username`,
/// `identityId`, `identityPoolId`, `userPoolId`, `email`, `groups`, `scopes`,
/// `tokenUse` (`"id"`/`"access"`), `clientId`, `linked` and `source`
/// (`lambdaAuthorizer`, `iam`, `cognitoUserPoolAuthorizer`, `jwtAuthorizer`), every key
/// present (`null` or `[]` when the source does not carry it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallerIdentity {
    /// The user pool user id.
    pub sub: String,
    /// The user pool user name, when the source carries it (not under IAM auth).
    pub username: Option<String>,
    /// The identity pool IdentityId, e.g. `us-east-1:1f0c…`.
    pub identity_id: Option<String>,
    /// The identity pool id, when the source carries it.
    pub identity_pool_id: Option<String>,
    /// The user pool that issued the caller's token, e.g. `us-east-1_AbCdEf123`: an
    /// authorizer may trust several pools, and a `sub` is unique only within its pool.
    /// `None` under IAM auth.
    pub user_pool_id: Option<String>,
    /// The user's email, when the source carries it.
    pub email: Option<String>,
    /// The user's user pool groups; empty when the user is in none or the source does
    /// not carry them (IAM auth).
    pub groups: Vec<String>,
    /// The OAuth scopes of an access token; empty for id tokens and IAM auth.
    pub scopes: Vec<String>,
    /// Which kind of token the caller presented; `None` under IAM auth, or when the
    /// source does not say.
    pub token_use: Option<TokenUse>,
    /// The app client the token was issued to: a handler serving several clients (web,
    /// mobile, a script) can tell them apart. `None` under IAM auth, which carries no token.
    pub client_id: Option<String>,
    /// Whether the user pool record already holds the IdentityId (the token carries
    /// `custom:identity_id` or the `identity_id` claim a Pre Token Generation trigger adds);
    /// `None` when the source cannot tell.
    pub linked: Option<bool>,
    /// Where this was read from.
    pub source: IdentitySource,
}

impl CallerIdentity {
    /// Whether the caller's access token grants `scope` (exact, case-sensitive, as OAuth
    /// compares scopes).
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// Whether the caller is in the user pool group `group` (exact, case-sensitive, as
    /// Cognito names groups).
    pub fn in_group(&self, group: &str) -> bool {
        self.groups.iter().any(|g| g == group)
    }

    /// Refuses a caller whose access token does not grant `scope`: the one-line check
    /// a handler makes before doing what the scope allows, so the rule holds even when
    /// a gateway's route rules are misconfigured or bypassed.
    ///
    /// The error's [`status`](AccessDenied::status) is 403 and its message names the
    /// scope and why it is missing (an id token or IAM auth carries no scopes).
    ///
    /// ```
    /// # use caller_identity::{AccessDenied, CallerIdentity, IdentitySource, TokenUse};
    /// # let caller = CallerIdentity {
    /// #     sub: "7d8c".into(), username: None, identity_id: None, identity_pool_id: None,
    /// #     user_pool_id: None, email: None, groups: vec![], scopes: vec!["orders/read".into()],
    /// #     token_use: Some(TokenUse::Access), client_id: None, linked: None, source: IdentitySource::LambdaAuthorizer,
    /// # };
    /// assert!(caller.require_scope("orders/read").is_ok());
    /// let err = caller.require_scope("orders/write").unwrap_err();
    /// assert_eq!(err.status(), 403);
    /// assert_eq!(err.to_string(), "missing OAuth scope orders/write: the access token does not grant it");
    /// ```
    pub fn require_scope(&self, scope: &str) -> Result<(), AccessDenied> {
        if self.has_scope(scope) {
            return Ok(());
        }
        let reason = match (self.source, self.token_use) {
            (IdentitySource::Iam, _) => "IAM auth carries no OAuth scopes",
            (_, Some(TokenUse::Access)) => "the access token does not grant it",
            (_, Some(TokenUse::Id)) => "id tokens carry no OAuth scopes; call with an access token",
            (_, None) => "the request names no OAuth scopes",
        };
        Err(AccessDenied::MissingScope { scope: scope.to_owned(), reason })
    }

    /// Refuses a caller who is not in the user pool group `group`: the one-line check a
    /// handler makes before an action reserved to that group.
    ///
    /// The error's [`status`](AccessDenied::status) is 403 and its message names the group.
    ///
    /// ```
    /// # use caller_identity::{CallerIdentity, IdentitySource, TokenUse};
    /// # let caller = CallerIdentity {
    /// #     sub: "7d8c".into(), username: None, identity_id: None, identity_pool_id: None,
    /// #     user_pool_id: None, email: None, groups: vec!["readers".into()], scopes: vec![],
    /// #     token_use: Some(TokenUse::Id), client_id: None, linked: None, source: IdentitySource::LambdaAuthorizer,
    /// # };
    /// assert!(caller.require_group("readers").is_ok());
    /// let err = caller.require_group("admins").unwrap_err();
    /// assert_eq!((err.status(), err.code()), (403, "missing_group"));
    /// assert_eq!(err.to_string(), "not in user pool group admins: the token's groups do not list it");
    /// ```
    pub fn require_group(&self, group: &str) -> Result<(), AccessDenied> {
        if self.in_group(group) {
            return Ok(());
        }
        let reason = match self.source {
            IdentitySource::Iam => "IAM auth carries no user pool groups",
            _ => "the token's groups do not list it",
        };
        Err(AccessDenied::MissingGroup { group: group.to_owned(), reason })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(source: IdentitySource, token_use: Option<TokenUse>, scopes: &[&str], groups: &[&str]) -> CallerIdentity {
        CallerIdentity {
            sub: "7d8ca528-4931-4254-9273-ea5ee853f271".into(),
            username: Some("alice".into()),
            identity_id: None,
            identity_pool_id: None,
            user_pool_id: Some("us-east-1_AbCdEf123".into()),
            email: None,
            groups: groups.iter().map(|g| g.to_string()).collect(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            token_use,
            client_id: Some("4p1l7kq2v0example9clientid".into()),
            linked: None,
            source,
        }
    }

    #[test]
    fn require_scope_passes_only_a_granted_scope() {
        let access = caller(IdentitySource::LambdaAuthorizer, Some(TokenUse::Access), &["openid", "orders/write"], &[]);
        assert_eq!(access.require_scope("orders/write"), Ok(()));
        assert_eq!(access.require_scope("openid"), Ok(()));
        for missing in ["orders/read", "Orders/Write", "orders", "", "orders/write "] {
            let err = access.require_scope(missing).unwrap_err();
            assert_eq!(
                err,
                AccessDenied::MissingScope { scope: missing.into(), reason: "the access token does not grant it" },
                "{missing:?}"
            );
            assert_eq!(err.status(), 403);
            assert_eq!(err.code(), "missing_scope");
        }
    }

    #[test]
    fn a_missing_scope_says_why_for_each_kind_of_caller() {
        let message = |caller: &CallerIdentity| caller.require_scope("orders/write").unwrap_err().to_string();
        assert_eq!(
            message(&caller(IdentitySource::CognitoUserPoolAuthorizer, Some(TokenUse::Id), &[], &["admins"])),
            "missing OAuth scope orders/write: id tokens carry no OAuth scopes; call with an access token"
        );
        assert_eq!(
            message(&caller(IdentitySource::Iam, None, &[], &[])),
            "missing OAuth scope orders/write: IAM auth carries no OAuth scopes"
        );
        assert_eq!(
            message(&caller(IdentitySource::JwtAuthorizer, None, &[], &[])),
            "missing OAuth scope orders/write: the request names no OAuth scopes"
        );
    }

    #[test]
    fn require_group_passes_only_a_listed_group() {
        let member = caller(IdentitySource::JwtAuthorizer, Some(TokenUse::Access), &[], &["admins", "readers"]);
        assert_eq!(member.require_group("admins"), Ok(()));
        assert_eq!(member.require_group("readers"), Ok(()));
        for missing in ["Admins", "admin", "writers", ""] {
            let err = member.require_group(missing).unwrap_err();
            assert_eq!(
                err,
                AccessDenied::MissingGroup { group: missing.into(), reason: "the token's groups do not list it" }
            );
            assert_eq!((err.status(), err.code()), (403, "missing_group"));
        }
        let iam = caller(IdentitySource::Iam, None, &[], &[]);
        assert_eq!(
            iam.require_group("admins").unwrap_err().to_string(),
            "not in user pool group admins: IAM auth carries no user pool groups"
        );
    }

    #[test]
    fn a_scope_is_not_a_group_and_a_group_is_not_a_scope() {
        let caller = caller(IdentitySource::LambdaAuthorizer, Some(TokenUse::Access), &["admins"], &["orders/write"]);
        assert!(caller.require_scope("orders/write").is_err());
        assert!(caller.require_group("admins").is_err());
    }

    #[test]
    fn token_use_reads_only_the_two_cognito_values() {
        assert_eq!(TokenUse::parse("id"), Some(TokenUse::Id));
        assert_eq!(TokenUse::parse("access"), Some(TokenUse::Access));
        for other in ["", "ID", "Access", "refresh", " id"] {
            assert_eq!(TokenUse::parse(other), None, "{other:?}");
        }
        assert_eq!(serde_json::to_value(TokenUse::Access).unwrap(), serde_json::json!("access"));
        assert_eq!(TokenUse::Id.as_str(), "id");
    }
}
