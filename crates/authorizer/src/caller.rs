//! The caller as a verified id or access token describes them, in the form the context needs.

use std::sync::{Arc, OnceLock};

use lambda_foundation::UserPoolId;
use token_verifier::{CognitoClaims, TokenUse};

use crate::context::{ContextFields, PrerenderedContext};
use crate::route_rules::{RouteRules, TokenGrants, UnmetRoutes};

/// What a verified token says about its user: computed once per token and shared
/// (through the verified-token cache) by every request that presents it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedCaller {
    /// The user pool `sub`: the policy's `principalId`.
    pub sub: String,
    /// The user pool that issued the token (the directory is keyed by it and `sub`, and
    /// `GetId`'s `Logins` names it).
    pub user_pool_id: UserPoolId,
    /// Id or access token.
    pub token_use: TokenUse,
    /// The access token's OAuth scopes, space-joined; `None` for an id token or no scope.
    pub scopes: Option<String>,
    /// `cognito:username` (id token) or `username` (access token), when the token has one.
    pub username: Option<String>,
    /// The user's email, when the app client may read it.
    pub email: Option<String>,
    /// `cognito:groups` as a JSON array of strings (`["ops,admins","readers"]`), the form
    /// no group name can split wrongly (a Cognito group name may hold a comma); `None`
    /// when the user is in no group.
    pub groups: Option<String>,
    /// The app client the token was issued to (`aud` or `client_id`).
    pub client_id: String,
    /// `custom:identity_id`: present once the user is linked and their token refreshed.
    pub linked_identity_id: Option<Arc<str>>,
    /// The token's `exp`, seconds since the epoch: nothing derived from it may outlive it.
    pub expires_at: u64,
    /// The context of this caller's Allow when the token carries their IdentityId,
    /// written once (see [`PrerenderedContext`]); `None` for an unlinked token.
    pub linked_context: Option<PrerenderedContext>,
    /// The ruled routes this token may not use: one Deny statement each in every answer,
    /// whichever route was called (see [`crate::route_rules`]).
    pub unmet_routes: UnmetRoutes,
    /// The context of an Allow for a caller whose token does not carry their IdentityId
    /// (an unlinked id token, an access token), written once with the IdentityId found
    /// when the token was first seen; empty before that, and for linked callers.
    ///
    /// Set in place, through the shared caller, before the caller enters the
    /// verified-token cache: writing it into a copy of the caller cost a copy of every
    /// string the caller holds, on every first-seen token of such a caller.
    pub resolved_context: OnceLock<ResolvedContext>,
}

/// A context written for one IdentityId (or none) and one `linked` value: what a repeat
/// answer copies while the directory still gives the caller the same IdentityId.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedContext {
    /// The IdentityId the context names, if any.
    pub identity_id: Option<Arc<str>>,
    /// The `linked` value it carries.
    pub linked: bool,
    /// The context as JSON text.
    pub context: PrerenderedContext,
}

impl VerifiedCaller {
    /// Takes what the context needs out of claims verified for `user_pool_id`; a linked
    /// caller's context (in `identity_pool_id`) is written out then, and the routes of
    /// `rules` the token may not use are found, once per token.
    pub fn from_claims(
        mut claims: CognitoClaims,
        identity_pool_id: &str,
        user_pool_id: UserPoolId,
        rules: &RouteRules,
    ) -> Self {
        // `client_id`, else the first `aud`: moved out, not copied.
        let client_id = claims.client_id.take().or_else(|| std::mem::take(&mut claims.aud).into_iter().next());
        let client_id = client_id.unwrap_or_default();
        let token_use = claims.kind().unwrap_or(TokenUse::Id);
        let unmet_routes = if rules.is_empty() {
            UnmetRoutes::default()
        } else {
            // An id token's `scope` claim, if any, is not an OAuth grant.
            let scopes: &[String] = if token_use == TokenUse::Access { &claims.scope } else { &[] };
            rules.unmet_by(TokenGrants { token_use, scopes, groups: &claims.groups })
        };
        // An id token's `custom:identity_id`, or the `identity_id` claim the Pre Token
        // Generation trigger puts in both tokens (access tokens carry no custom attributes).
        // Either is believed or checked against the directory by the same rule
        // (TRUST_TOKEN_IDENTITY_ID, token_identity.rs).
        let linked_identity_id = claims.linked_identity_id().map(Arc::from);
        let groups = groups_json(&claims.groups);
        let scopes = (!claims.scope.is_empty()).then(|| claims.scope.join(" "));
        let mut caller = VerifiedCaller {
            user_pool_id,
            token_use,
            scopes,
            username: claims.cognito_username.or(claims.username).filter(|u| !u.is_empty()),
            email: claims.email.filter(|e| !e.is_empty()),
            groups,
            client_id,
            linked_identity_id,
            expires_at: claims.exp.unwrap_or(0),
            sub: claims.sub,
            linked_context: None,
            unmet_routes,
            resolved_context: OnceLock::new(),
        };
        caller.linked_context = caller.linked_identity_id.as_deref().and_then(|identity_id| {
            PrerenderedContext::of(&caller.context_fields(Some(identity_id), identity_pool_id, true))
        });
        caller
    }

    /// Writes this caller's Allow context for `identity_id` and `linked`, once, so that
    /// every later answer for the token copies it. Nothing is written for a linked caller,
    /// whose context was written at verification, nor over a context already written;
    /// `true` when it was written now.
    pub fn write_resolved_context(&self, identity_id: Option<&Arc<str>>, identity_pool_id: &str, linked: bool) -> bool {
        if self.linked_context.is_some() || self.resolved_context.get().is_some() {
            return false;
        }
        let Some(context) =
            PrerenderedContext::of(&self.context_fields(identity_id.map(|id| &**id), identity_pool_id, linked))
        else {
            return false;
        };
        let resolved = ResolvedContext { identity_id: identity_id.cloned(), linked, context };
        self.resolved_context.set(resolved).is_ok()
    }

    /// A copy of this caller with its Allow's context written, as
    /// [`VerifiedCaller::write_resolved_context`] writes it; `None` when nothing is written.
    #[cfg(test)]
    pub fn with_resolved_context(
        &self,
        identity_id: Option<&Arc<str>>,
        identity_pool_id: &str,
        linked: bool,
    ) -> Option<Self> {
        let copy = self.clone();
        copy.write_resolved_context(identity_id, identity_pool_id, linked).then_some(copy)
    }

    /// This caller's context values with `identity_id` (`linked`: it came from the token
    /// or the directory; `None`: an access token the directory does not know).
    pub fn context_fields<'a>(
        &'a self,
        identity_id: Option<&'a str>,
        identity_pool_id: &'a str,
        linked: bool,
    ) -> ContextFields<'a> {
        ContextFields {
            sub: &self.sub,
            username: self.username.as_deref(),
            identity_id,
            identity_pool_id,
            linked,
            client_id: &self.client_id,
            email: self.email.as_deref(),
            groups: self.groups.as_deref(),
            token_use: self.token_use.as_str(),
            scopes: self.scopes.as_deref(),
            user_pool_id: self.user_pool_id.as_str(),
        }
    }
}

/// `groups` as the context carries them: a JSON array of strings, `None` for no group.
fn groups_json(groups: &[String]) -> Option<String> {
    // A list of strings always serializes.
    (!groups.is_empty()).then(|| serde_json::to_string(groups).ok()).flatten()
}

/// An authorized caller: who they are and their IdentityId, however it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// The verified caller.
    pub caller: Arc<VerifiedCaller>,
    /// The caller's IdentityId in the configured identity pool; `None` for an access token
    /// the directory does not know (there is no other source for it).
    pub identity_id: Option<Arc<str>>,
    /// True when the IdentityId came from the token (`custom:identity_id`) or the
    /// directory, false when it was resolved with `GetId` or is unknown.
    pub linked: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(extra: serde_json::Value) -> CognitoClaims {
        let mut value = json!({
            "sub": "sub-1", "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Pool", "token_use": "id", "aud": "client-a", "exp": 1_900_000_000u64,
            "cognito:username": "alice",
        });
        value.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn takes_the_context_fields_from_the_claims() {
        let caller = VerifiedCaller::from_claims(
            claims(json!({
                "email": "alice@example.com",
                "cognito:groups": ["admins", "readers"],
                "custom:identity_id": "us-east-1:0a1b",
            })),
            "us-east-1:pool",
            pool(),
            &RouteRules::default(),
        );
        assert_eq!(caller.sub, "sub-1");
        assert_eq!(caller.username.as_deref(), Some("alice"));
        assert_eq!(caller.email.as_deref(), Some("alice@example.com"));
        assert_eq!(caller.groups.as_deref(), Some(r#"["admins","readers"]"#));
        assert_eq!(caller.client_id, "client-a");
        assert_eq!(caller.linked_identity_id.as_deref(), Some("us-east-1:0a1b"));
        assert_eq!(caller.expires_at, 1_900_000_000);
        let context: serde_json::Value = serde_json::to_value(caller.linked_context.as_ref().unwrap()).unwrap();
        assert_eq!(context["identityId"], "us-east-1:0a1b");
        assert_eq!(context["identityPoolId"], "us-east-1:pool");
        assert_eq!(context["linked"], "true");
        assert_eq!(context["tokenUse"], "id");
        assert_eq!(context["userPoolId"], "us-east-1_Pool");
        assert_eq!(context.get("scopes"), None);
    }

    fn pool() -> UserPoolId {
        UserPoolId::parse("us-east-1_Pool").unwrap()
    }

    #[test]
    fn an_access_token_brings_its_scopes_and_is_never_linked_by_itself() {
        let caller = VerifiedCaller::from_claims(
            claims(json!({
                "token_use": "access", "client_id": "client-b", "scope": "orders/read orders/write",
                "username": "bob", "custom:identity_id": "us-east-1:forged",
            })),
            "us-east-1:pool",
            pool(),
            &RouteRules::default(),
        );
        assert_eq!(caller.token_use, TokenUse::Access);
        assert_eq!(caller.scopes.as_deref(), Some("orders/read orders/write"));
        assert_eq!(caller.client_id, "client-b");
        assert_eq!(caller.linked_identity_id, None);
        assert_eq!(caller.linked_context, None);
    }

    #[test]
    fn an_access_token_is_linked_by_the_identity_id_claim_of_the_pre_token_trigger() {
        let caller = VerifiedCaller::from_claims(
            claims(json!({
                "token_use": "access", "client_id": "client-b", "scope": "aws.cognito.signin.user.admin",
                "username": "bob", "identity_id": "us-east-1:0a1b",
            })),
            "us-east-1:pool",
            pool(),
            &RouteRules::default(),
        );
        assert_eq!(caller.token_use, TokenUse::Access);
        assert_eq!(caller.linked_identity_id.as_deref(), Some("us-east-1:0a1b"));
        let context: serde_json::Value = serde_json::to_value(caller.linked_context.as_ref().unwrap()).unwrap();
        assert_eq!(context["identityId"], "us-east-1:0a1b");
        assert_eq!(context["linked"], "true");
        assert_eq!(context["tokenUse"], "access");
        // An id token carries both the attribute and the claim, the same value.
        let id = VerifiedCaller::from_claims(
            claims(json!({"custom:identity_id": "us-east-1:0a1b", "identity_id": "us-east-1:0a1b"})),
            "us-east-1:pool",
            pool(),
            &RouteRules::default(),
        );
        assert_eq!(id.linked_identity_id.as_deref(), Some("us-east-1:0a1b"));
        // An empty claim is no link.
        let empty = VerifiedCaller::from_claims(
            claims(json!({"token_use": "access", "client_id": "c", "identity_id": ""})),
            "us-east-1:pool",
            pool(),
            &RouteRules::default(),
        );
        assert_eq!(empty.linked_identity_id, None);
    }

    #[test]
    fn groups_travel_as_a_json_array_that_no_name_splits() {
        let caller = VerifiedCaller::from_claims(
            claims(json!({"cognito:groups": ["ops,admins", "say \"hi\"", "x"]})),
            "us-east-1:pool",
            pool(),
            &RouteRules::default(),
        );
        let groups = caller.groups.as_deref().unwrap();
        assert_eq!(groups, r#"["ops,admins","say \"hi\"","x"]"#);
        let read: Vec<String> = serde_json::from_str(groups).unwrap();
        assert_eq!(read, ["ops,admins", "say \"hi\"", "x"]);
    }

    #[test]
    fn absent_and_empty_values_stay_absent() {
        let caller = VerifiedCaller::from_claims(
            claims(json!({"custom:identity_id": "", "email": ""})),
            "us-east-1:pool",
            pool(),
            &RouteRules::default(),
        );
        assert_eq!(caller.email, None);
        assert_eq!(caller.groups, None);
        assert_eq!(caller.linked_identity_id, None);
        assert_eq!(caller.linked_context, None, "nothing to write before GetId");
    }

    #[test]
    fn the_unmet_routes_are_found_once_with_the_caller() {
        let rules = RouteRules::parse(Some("GET /orders=orders/read"), Some("DELETE /orders/{id}=admins")).unwrap();
        let access = |extra| VerifiedCaller::from_claims(claims(extra), "us-east-1:pool", pool(), &rules);
        let reader = access(json!({"token_use": "access", "client_id": "c", "scope": "orders/read"}));
        assert_eq!(reader.unmet_routes.indices().collect::<Vec<_>>(), [1]);
        let admin =
            access(json!({"token_use": "access", "client_id": "c", "scope": "x", "cognito:groups": ["admins"]}));
        assert_eq!(admin.unmet_routes.indices().collect::<Vec<_>>(), [0]);
        // An id token with a `scope` claim does not get it as a grant.
        let id = access(json!({"scope": "orders/read", "cognito:groups": ["admins"]}));
        assert_eq!(id.unmet_routes.denial_of(0), Some(crate::route_rules::RouteDenial::IdTokenOnScopedRoute));
        assert_eq!(id.unmet_routes.len(), 1);
    }
}
