//! The link function's configuration, read once at start-up.

use lambda_foundation::IdentityPoolId;
use lambda_foundation::env_config::{ConfigError, parsed};
use token_verifier::VerifierConfig;

/// Everything the link function needs besides AWS credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkConfig {
    /// Token verification settings (pool, clients, JWKS location).
    pub verifier: VerifierConfig,
    /// The identity pool whose IdentityId is written, e.g. `us-east-1:…`.
    pub identity_pool_id: IdentityPoolId,
}

impl LinkConfig {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup` (a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let verifier = VerifierConfig::from_lookup(&lookup)?;
        let identity_pool_id = parsed(&lookup, "IDENTITY_POOL_ID", IdentityPoolId::parse)?;
        Ok(LinkConfig { verifier, identity_pool_id })
    }
}
