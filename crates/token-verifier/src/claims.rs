//! The typed claims of a Cognito user pool token.

use serde::{Deserialize, Deserializer, Serialize};

/// Which kind of Cognito token a verifier accepts (`token_use` claim).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TokenUse {
    /// Id tokens: identity claims, `aud` = app client id. What link and the authorizer take.
    #[default]
    Id,
    /// Access tokens: scopes, `client_id` = app client id.
    Access,
}

impl TokenUse {
    /// The value of the `token_use` claim for this kind.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenUse::Id => "id",
            TokenUse::Access => "access",
        }
    }

    /// The kind a `token_use` claim names; `None` for any other value.
    pub fn of_claim(value: &str) -> Option<Self> {
        match value {
            "id" => Some(TokenUse::Id),
            "access" => Some(TokenUse::Access),
            _ => None,
        }
    }
}

/// Which token kinds a verifier accepts (`TOKEN_USE`): an API may take id tokens, access
/// tokens (the usual OAuth practice, with scopes), or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AcceptedTokens {
    /// Id tokens only (`TOKEN_USE=id`, the default).
    #[default]
    Id,
    /// Access tokens only (`TOKEN_USE=access`).
    Access,
    /// Either kind (`TOKEN_USE=any`), each checked by its own audience rule.
    Any,
}

impl AcceptedTokens {
    /// Whether a token of `kind` is accepted.
    pub fn accepts(self, kind: TokenUse) -> bool {
        matches!(
            (self, kind),
            (AcceptedTokens::Any, _) | (AcceptedTokens::Id, TokenUse::Id) | (AcceptedTokens::Access, TokenUse::Access)
        )
    }

    /// What the accepted `token_use` is, for error messages (`id`, `access`, `id or access`).
    pub fn as_str(self) -> &'static str {
        match self {
            AcceptedTokens::Id => "id",
            AcceptedTokens::Access => "access",
            AcceptedTokens::Any => "id or access",
        }
    }

    /// Parses a `TOKEN_USE` value: `id`, `access` or `any` (ASCII case-insensitive).
    pub fn parse(value: &str) -> Option<Self> {
        [AcceptedTokens::Id, AcceptedTokens::Access, AcceptedTokens::Any]
            .into_iter()
            .find(|kind| value.trim().eq_ignore_ascii_case(kind.setting()))
    }

    fn setting(self) -> &'static str {
        match self {
            AcceptedTokens::Any => "any",
            other => other.as_str(),
        }
    }
}

impl From<TokenUse> for AcceptedTokens {
    fn from(kind: TokenUse) -> Self {
        match kind {
            TokenUse::Id => AcceptedTokens::Id,
            TokenUse::Access => AcceptedTokens::Access,
        }
    }
}

/// The claims of a verified Cognito token.
///
/// Only what Cognito Bridge reads is typed; everything is owned so a value can
/// outlive the token string (the authorizer caches it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CognitoClaims {
    /// The user pool's stable user id.
    pub sub: String,
    /// `https://cognito-idp.<region>.amazonaws.com/<pool id>`.
    pub iss: String,
    /// `id` or `access`; checked against the verifier's [`TokenUse`].
    pub token_use: String,
    /// The app client id of an id token (a string; a JSON array is accepted too).
    #[serde(default, deserialize_with = "string_or_list")]
    pub aud: Vec<String>,
    /// The app client id of an access token.
    #[serde(default)]
    pub client_id: Option<String>,
    /// Expiry, seconds since the epoch; required.
    #[serde(default)]
    pub exp: Option<u64>,
    /// Not-before, seconds since the epoch; checked when present.
    #[serde(default)]
    pub nbf: Option<u64>,
    /// Issued-at, seconds since the epoch.
    #[serde(default)]
    pub iat: Option<u64>,
    /// The user name in id tokens (`cognito:username`).
    #[serde(default, rename = "cognito:username")]
    pub cognito_username: Option<String>,
    /// The user name in access tokens (`username`).
    #[serde(default)]
    pub username: Option<String>,
    /// The user's email, when the app client may read it.
    #[serde(default)]
    pub email: Option<String>,
    /// The user's groups (`cognito:groups`).
    #[serde(default, rename = "cognito:groups")]
    pub groups: Vec<String>,
    /// The Cognito IdentityId written by the link Lambda (`custom:identity_id`);
    /// absent in tokens issued before the user was linked.
    #[serde(default, rename = "custom:identity_id")]
    pub identity_id: Option<String>,
    /// The same IdentityId as the claim `identity_id` that the Pre Token Generation
    /// trigger adds to both tokens of a linked user: the only place an access token
    /// carries it (access tokens hold no `custom:` attributes).
    #[serde(default, rename = "identity_id")]
    pub identity_id_claim: Option<String>,
    /// The token id, unique per token.
    #[serde(default)]
    pub jti: Option<String>,
    /// The OAuth scopes of an access token (`scope`, split on spaces); empty in id tokens.
    #[serde(default, deserialize_with = "space_separated")]
    pub scope: Vec<String>,
}

impl CognitoClaims {
    /// The user name whichever token kind this is (`cognito:username` or `username`).
    pub fn user_name(&self) -> Option<&str> {
        self.cognito_username.as_deref().or(self.username.as_deref())
    }

    /// The app client the token was issued to (`aud` of an id token, `client_id` of an access token).
    pub fn app_client_id(&self) -> Option<&str> {
        self.client_id.as_deref().or(self.aud.first().map(String::as_str))
    }

    /// The kind of token, when `token_use` names one.
    pub fn kind(&self) -> Option<TokenUse> {
        TokenUse::of_claim(&self.token_use)
    }

    /// The user pool id at the end of `iss` (`…amazonaws.com/<pool id>`); a verified token's
    /// `iss` is one of the configured pools', so this is the pool that issued it.
    pub fn issuer_pool_id(&self) -> Option<&str> {
        self.iss.rsplit_once('/').map(|(_, pool)| pool).filter(|pool| !pool.is_empty())
    }

    /// The IdentityId carried by the token, if it is a non-empty value: an id token's
    /// `custom:identity_id`, else the trigger's `identity_id` claim (the only one an
    /// access token can carry).
    pub fn linked_identity_id(&self) -> Option<&str> {
        let attribute = self.identity_id.as_deref().filter(|id| !id.is_empty());
        let access_kind = self.kind() == Some(TokenUse::Access);
        // An access token never carries a `custom:` attribute: only the trigger's claim counts there.
        let attribute = attribute.filter(|_| !access_kind);
        attribute.or_else(|| self.identity_id_claim.as_deref().filter(|id| !id.is_empty()))
    }
}

fn space_separated<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    let scopes = Option::<String>::deserialize(deserializer)?.unwrap_or_default();
    Ok(scopes.split(' ').filter(|scope| !scope.is_empty()).map(str::to_owned).collect())
}

fn string_or_list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(deserializer)? {
        OneOrMany::One(one) => vec![one],
        OneOrMany::Many(many) => many,
    })
}
