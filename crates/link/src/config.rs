//! The link function's configuration, read once at start-up.

use token_verifier::VerifierConfig;
use token_verifier::config::{ConfigError, required};

/// Everything the link function needs besides AWS credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkConfig {
    /// Token verification settings (pool, clients, JWKS location).
    pub verifier: VerifierConfig,
    /// The identity pool whose IdentityId is written, e.g. `us-east-1:…`.
    pub identity_pool_id: String,
}

impl LinkConfig {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup` (a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let verifier = VerifierConfig::from_lookup(&lookup)?;
        let identity_pool_id = required(&lookup, "IDENTITY_POOL_ID")?;
        let valid = identity_pool_id
            .split_once(':')
            .is_some_and(|(region, id)| !region.is_empty() && id.len() >= 8 && !id.contains(':'));
        if !valid {
            return Err(ConfigError::Invalid {
                var: "IDENTITY_POOL_ID",
                reason: "expected <region>:<uuid>, e.g. us-east-1:1f0c1a2b-…".into(),
            });
        }
        Ok(LinkConfig { verifier, identity_pool_id })
    }
}
