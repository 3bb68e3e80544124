//! The link function's configuration, read once at start-up.

use lambda_foundation::IdentityPoolId;
use lambda_foundation::env_config::{ConfigError, parsed, required};
use token_verifier::{AcceptedTokens, VerifierConfig};

/// Everything the link function needs besides AWS credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkConfig {
    /// Token verification settings (pool, clients, JWKS location), for id tokens only.
    pub verifier: VerifierConfig,
    /// The identity pool whose IdentityId is written, e.g. `us-east-1:…`.
    pub identity_pool_id: IdentityPoolId,
    /// The identity directory's DynamoDB table (`DIRECTORY_TABLE`): read before any
    /// Cognito call, written on every first link.
    pub directory_table: String,
}

impl LinkConfig {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup` (a map in tests).
    ///
    /// `TOKEN_USE` is the authorizer's setting and link never reads it: the body's token
    /// goes into `GetId`'s `Logins` map, which takes id tokens only, so link accepts id
    /// tokens whatever the environment says (the local gateway gives every function the
    /// authorizer's environment).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut verifier = VerifierConfig::from_lookup(|name| match name {
            "TOKEN_USE" => None,
            other => lookup(other),
        })?;
        verifier.token_use = AcceptedTokens::Id;
        // Link writes one user pool's attribute: it serves exactly one pool.
        verifier.single_pool()?;
        let identity_pool_id = parsed(&lookup, "IDENTITY_POOL_ID", IdentityPoolId::parse)?;
        let directory_table = required(&lookup, "DIRECTORY_TABLE")?;
        Ok(LinkConfig { verifier, identity_pool_id, directory_table })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(table: Option<&str>) -> impl Fn(&str) -> Option<String> {
        with_token_use(table, None)
    }

    fn with_token_use(table: Option<&str>, token_use: Option<&str>) -> impl Fn(&str) -> Option<String> {
        move |name| match name {
            "TOKEN_USE" => token_use.map(str::to_owned),
            "USER_POOL_ID" => Some("us-east-1_AbC".into()),
            "USER_POOL_CLIENT_IDS" => Some("client".into()),
            "IDENTITY_POOL_ID" => Some("us-east-1:5e5e5e5e-0000-4000-8000-000000000000".into()),
            "DIRECTORY_TABLE" => table.map(str::to_owned),
            _ => None,
        }
    }

    #[test]
    fn the_directory_table_is_required() {
        assert_eq!(LinkConfig::from_lookup(lookup(Some("links"))).unwrap().directory_table, "links");
        let missing = LinkConfig::from_lookup(lookup(None)).unwrap_err();
        assert_eq!(missing.to_string(), "configuration error: DIRECTORY_TABLE is not set");
    }

    #[test]
    fn id_tokens_only_whatever_token_use_says() {
        for token_use in [None, Some("id"), Some("access"), Some("any"), Some("not-a-kind")] {
            let config = LinkConfig::from_lookup(with_token_use(Some("links"), token_use)).unwrap();
            assert_eq!(config.verifier.token_use, AcceptedTokens::Id, "TOKEN_USE={token_use:?}");
        }
    }
}
