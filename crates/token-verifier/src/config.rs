//! Verifier settings, from explicit values or the documented environment variables.

use std::time::Duration;

use lambda_foundation::UserPoolId;
use lambda_foundation::env_config::{ConfigError, optional, required};

use crate::claims::TokenUse;

/// Everything a [`crate::CognitoJwtVerifier`] needs; built once per process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierConfig {
    /// e.g. `us-east-1_AbCdEf123`; its region names the issuer.
    pub user_pool_id: UserPoolId,
    /// Accepted app client ids.
    pub client_ids: Vec<String>,
    /// Which token kind to accept.
    pub token_use: TokenUse,
    /// Where the pool's JWKS is fetched from.
    pub jwks_url: String,
    /// Clock skew tolerated on `exp`/`nbf`.
    pub leeway: Duration,
    /// Tokens longer than this are rejected before any decoding.
    pub max_token_bytes: usize,
    /// An unknown `kid` triggers at most one JWKS fetch per this interval.
    pub min_refetch_interval: Duration,
    /// No request waits longer than this on a JWKS fetch.
    pub fetch_timeout: Duration,
}

/// Default bound on token size: Cognito id tokens are 1–4 KiB.
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 16 * 1024;
/// Default clock leeway.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(5);
/// Default minimum interval between two JWKS fetches.
pub const DEFAULT_MIN_REFETCH_INTERVAL: Duration = Duration::from_secs(10);
/// Default JWKS fetch timeout.
pub const DEFAULT_FETCH_TIMEOUT: Duration = Duration::from_secs(2);

impl VerifierConfig {
    /// Settings for id tokens of `user_pool_id` issued to any of `client_ids`, with the
    /// JWKS at the pool's public issuer URL.
    pub fn new(user_pool_id: &str, client_ids: Vec<String>) -> Result<Self, ConfigError> {
        let user_pool_id = UserPoolId::parse(user_pool_id)
            .map_err(|err| ConfigError::Invalid { var: "USER_POOL_ID", reason: err.to_string() })?;
        if client_ids.is_empty() || client_ids.iter().any(|c| c.is_empty()) {
            return Err(ConfigError::Invalid {
                var: "USER_POOL_CLIENT_IDS",
                reason: "expected one or more comma-separated app client ids".into(),
            });
        }
        let mut config = VerifierConfig {
            user_pool_id,
            client_ids,
            token_use: TokenUse::Id,
            jwks_url: String::new(),
            leeway: DEFAULT_LEEWAY,
            max_token_bytes: DEFAULT_MAX_TOKEN_BYTES,
            min_refetch_interval: DEFAULT_MIN_REFETCH_INTERVAL,
            fetch_timeout: DEFAULT_FETCH_TIMEOUT,
        };
        config.jwks_url = format!("{}/.well-known/jwks.json", config.issuer());
        Ok(config)
    }

    /// Reads `USER_POOL_ID`, `USER_POOL_CLIENT_IDS` and the JWKS location (`JWKS_URL`,
    /// else the SDK's Cognito endpoint override, else the issuer) from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`Self::from_env`] over any variable source (a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let pool = required(&lookup, "USER_POOL_ID")?;
        let clients: Vec<String> = required(&lookup, "USER_POOL_CLIENT_IDS")?
            .split(',')
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty())
            .collect();
        let mut config = Self::new(&pool, clients)?;
        let endpoint_override = optional(&lookup, "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER")
            .or_else(|| optional(&lookup, "AWS_ENDPOINT_URL"));
        if let Some(url) = optional(&lookup, "JWKS_URL") {
            config.jwks_url = checked_url("JWKS_URL", &url)?;
        } else if let Some(endpoint) = endpoint_override {
            let endpoint = checked_url("AWS_ENDPOINT_URL", &endpoint)?;
            config.jwks_url = format!("{}/{}/.well-known/jwks.json", endpoint.trim_end_matches('/'), pool);
        }
        Ok(config)
    }

    /// The exact `iss` of this pool's tokens.
    pub fn issuer(&self) -> String {
        self.user_pool_id.issuer()
    }

    /// The key of this pool in a Cognito Identity `Logins` map (the issuer without scheme).
    pub fn identity_provider_name(&self) -> String {
        self.user_pool_id.login_provider()
    }
}

fn checked_url(var: &'static str, url: &str) -> Result<String, ConfigError> {
    if url.starts_with("https://") || url.starts_with("http://") {
        Ok(url.to_owned())
    } else {
        Err(ConfigError::Invalid { var, reason: "expected an http(s) URL".into() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn derives_issuer_and_public_jwks_url() {
        let c = VerifierConfig::from_lookup(lookup(&[
            ("USER_POOL_ID", "eu-west-1_Abc123"),
            ("USER_POOL_CLIENT_IDS", "a, b"),
        ]))
        .unwrap();
        assert_eq!(c.issuer(), "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc123");
        assert_eq!(c.jwks_url, "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc123/.well-known/jwks.json");
        assert_eq!(c.client_ids, vec!["a", "b"]);
        assert_eq!(c.identity_provider_name(), "cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc123");
    }

    #[test]
    fn endpoint_override_moves_the_jwks_url() {
        let c = VerifierConfig::from_lookup(lookup(&[
            ("USER_POOL_ID", "us-east-1_X"),
            ("USER_POOL_CLIENT_IDS", "a"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:5000/"),
        ]))
        .unwrap();
        assert_eq!(c.jwks_url, "http://127.0.0.1:5000/us-east-1_X/.well-known/jwks.json");
        let c = VerifierConfig::from_lookup(lookup(&[
            ("USER_POOL_ID", "us-east-1_X"),
            ("USER_POOL_CLIENT_IDS", "a"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:5000"),
            ("JWKS_URL", "http://127.0.0.1:6000/keys"),
        ]))
        .unwrap();
        assert_eq!(c.jwks_url, "http://127.0.0.1:6000/keys");
    }

    #[test]
    fn missing_and_invalid_values_name_the_variable() {
        let e = VerifierConfig::from_lookup(lookup(&[("USER_POOL_CLIENT_IDS", "a")])).unwrap_err();
        assert_eq!(e.to_string(), "configuration error: USER_POOL_ID is not set");
        let e =
            VerifierConfig::from_lookup(lookup(&[("USER_POOL_ID", "us-east-1_X"), ("USER_POOL_CLIENT_IDS", " , ")]))
                .unwrap_err();
        assert!(e.to_string().contains("USER_POOL_CLIENT_IDS"), "{e}");
        let e = VerifierConfig::from_lookup(lookup(&[("USER_POOL_ID", "nounderscore"), ("USER_POOL_CLIENT_IDS", "a")]))
            .unwrap_err();
        assert!(e.to_string().contains("USER_POOL_ID is invalid"), "{e}");
        let e = VerifierConfig::from_lookup(lookup(&[
            ("USER_POOL_ID", "us-east-1_X"),
            ("USER_POOL_CLIENT_IDS", "a"),
            ("JWKS_URL", "ftp://x"),
        ]))
        .unwrap_err();
        assert!(e.to_string().contains("JWKS_URL"), "{e}");
    }
}
