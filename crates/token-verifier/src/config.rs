//! Verifier settings, from explicit values or the documented environment variables.

use std::time::Duration;

use lambda_foundation::UserPoolId;
use lambda_foundation::env_config::{ConfigError, optional, required};

use crate::claims::AcceptedTokens;

/// One trusted user pool and where its keys are fetched from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedPool {
    /// e.g. `us-east-1_AbCdEf123`; its region names the issuer.
    pub user_pool_id: UserPoolId,
    /// Where this pool's JWKS is fetched from.
    pub jwks_url: String,
}

impl TrustedPool {
    /// The pool with its JWKS at its public issuer URL.
    pub fn public(user_pool_id: UserPoolId) -> Self {
        let jwks_url = format!("{}/.well-known/jwks.json", user_pool_id.issuer());
        TrustedPool { user_pool_id, jwks_url }
    }
}

/// Everything a [`crate::CognitoJwtVerifier`] needs; built once per process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifierConfig {
    /// The user pools whose tokens are accepted, each with its own issuer and JWKS (at
    /// least one; `USER_POOL_ID` lists them comma-separated).
    pub pools: Vec<TrustedPool>,
    /// Accepted app client ids.
    pub client_ids: Vec<String>,
    /// Which token kinds to accept (`TOKEN_USE`).
    pub token_use: AcceptedTokens,
    /// Clock skew tolerated on `exp`/`nbf`.
    pub leeway: Duration,
    /// Tokens longer than this are rejected before any decoding.
    pub max_token_bytes: usize,
    /// An unknown `kid` triggers at most one JWKS fetch per pool per this interval.
    pub min_refetch_interval: Duration,
    /// No request waits longer than this on a JWKS fetch.
    pub fetch_timeout: Duration,
}

/// Default bound on token size: Cognito id tokens are 1–4 KiB.
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 16 * 1024;
/// Default clock leeway.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(5);
/// Default minimum interval between two JWKS fetches of one pool.
pub const DEFAULT_MIN_REFETCH_INTERVAL: Duration = Duration::from_secs(10);
/// Default JWKS fetch timeout.
pub const DEFAULT_FETCH_TIMEOUT: Duration = Duration::from_secs(2);

fn pool_error(reason: String) -> ConfigError {
    ConfigError::Invalid { var: "USER_POOL_ID", reason }
}

impl VerifierConfig {
    /// Settings for id tokens of `user_pool_id` issued to any of `client_ids`, with the
    /// JWKS at the pool's public issuer URL.
    pub fn new(user_pool_id: &str, client_ids: Vec<String>) -> Result<Self, ConfigError> {
        Self::for_pools(&[user_pool_id], client_ids)
    }

    /// Settings for id tokens of any of `user_pool_ids` (at least one, no repeats) issued
    /// to any of `client_ids`, each pool's JWKS at its public issuer URL.
    pub fn for_pools(user_pool_ids: &[&str], client_ids: Vec<String>) -> Result<Self, ConfigError> {
        let mut pools: Vec<TrustedPool> = Vec::with_capacity(user_pool_ids.len());
        for text in user_pool_ids {
            let id = UserPoolId::parse(text.trim()).map_err(|err| pool_error(format!("{err}: {}", text.trim())))?;
            if pools.iter().any(|pool| pool.user_pool_id == id) {
                return Err(pool_error(format!("{id} is listed twice")));
            }
            pools.push(TrustedPool::public(id));
        }
        if pools.is_empty() {
            return Err(pool_error("expected one or more comma-separated user pool ids".into()));
        }
        if client_ids.is_empty() || client_ids.iter().any(|c| c.is_empty()) {
            return Err(ConfigError::Invalid {
                var: "USER_POOL_CLIENT_IDS",
                reason: "expected one or more comma-separated app client ids".into(),
            });
        }
        Ok(VerifierConfig {
            pools,
            client_ids,
            token_use: AcceptedTokens::Id,
            leeway: DEFAULT_LEEWAY,
            max_token_bytes: DEFAULT_MAX_TOKEN_BYTES,
            min_refetch_interval: DEFAULT_MIN_REFETCH_INTERVAL,
            fetch_timeout: DEFAULT_FETCH_TIMEOUT,
        })
    }

    /// Reads `USER_POOL_ID` (one or more, comma-separated), `USER_POOL_CLIENT_IDS`,
    /// `TOKEN_USE` (`id` by default, `access` or `any`) and the JWKS location (`JWKS_URL`,
    /// one pool only; else the SDK's Cognito endpoint override; else each issuer) from the
    /// process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`Self::from_env`] over any variable source (a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let pools = required(&lookup, "USER_POOL_ID")?;
        let pool_ids: Vec<&str> = pools.split(',').map(str::trim).filter(|p| !p.is_empty()).collect();
        let clients: Vec<String> = required(&lookup, "USER_POOL_CLIENT_IDS")?
            .split(',')
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty())
            .collect();
        let mut config = Self::for_pools(&pool_ids, clients)?;
        if let Some(value) = optional(&lookup, "TOKEN_USE") {
            config.token_use = AcceptedTokens::parse(&value).ok_or_else(|| ConfigError::Invalid {
                var: "TOKEN_USE",
                reason: "expected id, access or any".into(),
            })?;
        }
        let endpoint_override = optional(&lookup, "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER")
            .or_else(|| optional(&lookup, "AWS_ENDPOINT_URL"));
        if let Some(url) = optional(&lookup, "JWKS_URL") {
            let url = checked_url("JWKS_URL", &url)?;
            let [pool] = config.pools.as_mut_slice() else {
                return Err(ConfigError::Invalid {
                    var: "JWKS_URL",
                    reason: "names one JWKS, but USER_POOL_ID lists several pools".into(),
                });
            };
            pool.jwks_url = url;
        } else if let Some(endpoint) = endpoint_override {
            let endpoint = checked_url("AWS_ENDPOINT_URL", &endpoint)?;
            for pool in &mut config.pools {
                pool.jwks_url =
                    format!("{}/{}/.well-known/jwks.json", endpoint.trim_end_matches('/'), pool.user_pool_id);
            }
        }
        Ok(config)
    }

    /// The pool of a one-pool configuration; a configuration error naming `USER_POOL_ID`
    /// when it lists several (for functions that serve one pool only).
    pub fn single_pool(&self) -> Result<&UserPoolId, ConfigError> {
        match self.pools.as_slice() {
            [pool] => Ok(&pool.user_pool_id),
            _ => Err(pool_error("this function serves one user pool; several are listed".into())),
        }
    }

    /// The first listed pool (the only one of a one-pool configuration).
    pub fn first_pool(&self) -> &UserPoolId {
        &self.pools[0].user_pool_id
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
        assert_eq!(c.first_pool().issuer(), "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc123");
        assert_eq!(
            c.pools[0].jwks_url,
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc123/.well-known/jwks.json"
        );
        assert_eq!(c.client_ids, vec!["a", "b"]);
        assert_eq!(c.token_use, AcceptedTokens::Id);
        assert_eq!(c.single_pool().unwrap().as_str(), "eu-west-1_Abc123");
    }

    #[test]
    fn endpoint_override_moves_the_jwks_url() {
        let c = VerifierConfig::from_lookup(lookup(&[
            ("USER_POOL_ID", "us-east-1_X"),
            ("USER_POOL_CLIENT_IDS", "a"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:5000/"),
        ]))
        .unwrap();
        assert_eq!(c.pools[0].jwks_url, "http://127.0.0.1:5000/us-east-1_X/.well-known/jwks.json");
        let c = VerifierConfig::from_lookup(lookup(&[
            ("USER_POOL_ID", "us-east-1_X"),
            ("USER_POOL_CLIENT_IDS", "a"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:5000"),
            ("JWKS_URL", "http://127.0.0.1:6000/keys"),
        ]))
        .unwrap();
        assert_eq!(c.pools[0].jwks_url, "http://127.0.0.1:6000/keys");
    }

    #[test]
    fn several_pools_each_get_their_own_issuer_and_jwks() {
        let c = VerifierConfig::from_lookup(lookup(&[
            ("USER_POOL_ID", "us-east-1_Customers, eu-west-1_Staff"),
            ("USER_POOL_CLIENT_IDS", "a"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:5000"),
            ("TOKEN_USE", "ANY"),
        ]))
        .unwrap();
        let urls: Vec<&str> = c.pools.iter().map(|p| p.jwks_url.as_str()).collect();
        assert_eq!(
            urls,
            [
                "http://127.0.0.1:5000/us-east-1_Customers/.well-known/jwks.json",
                "http://127.0.0.1:5000/eu-west-1_Staff/.well-known/jwks.json"
            ]
        );
        assert_eq!(c.pools[1].user_pool_id.issuer(), "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Staff");
        assert_eq!(c.token_use, AcceptedTokens::Any);
        assert!(c.single_pool().unwrap_err().to_string().contains("USER_POOL_ID"));
    }

    #[test]
    fn token_use_takes_id_access_or_any() {
        for (value, expected) in
            [("id", AcceptedTokens::Id), ("access", AcceptedTokens::Access), (" any ", AcceptedTokens::Any)]
        {
            let c = VerifierConfig::from_lookup(lookup(&[
                ("USER_POOL_ID", "us-east-1_X"),
                ("USER_POOL_CLIENT_IDS", "a"),
                ("TOKEN_USE", value),
            ]))
            .unwrap();
            assert_eq!(c.token_use, expected);
        }
        let e = VerifierConfig::from_lookup(lookup(&[
            ("USER_POOL_ID", "us-east-1_X"),
            ("USER_POOL_CLIENT_IDS", "a"),
            ("TOKEN_USE", "refresh"),
        ]))
        .unwrap_err();
        assert_eq!(e.to_string(), "configuration error: TOKEN_USE is invalid: expected id, access or any");
    }

    #[test]
    fn jwks_url_serves_one_pool_only_and_pools_are_listed_once() {
        let e = VerifierConfig::from_lookup(lookup(&[
            ("USER_POOL_ID", "us-east-1_A,us-east-1_B"),
            ("USER_POOL_CLIENT_IDS", "a"),
            ("JWKS_URL", "http://127.0.0.1:6000/keys"),
        ]))
        .unwrap_err();
        assert!(e.to_string().starts_with("configuration error: JWKS_URL is invalid"), "{e}");
        let e = VerifierConfig::from_lookup(lookup(&[
            ("USER_POOL_ID", "us-east-1_A,us-east-1_A"),
            ("USER_POOL_CLIENT_IDS", "a"),
        ]))
        .unwrap_err();
        assert!(e.to_string().contains("listed twice"), "{e}");
        let e =
            VerifierConfig::from_lookup(lookup(&[("USER_POOL_ID", "us-east-1_A,bad"), ("USER_POOL_CLIENT_IDS", "a")]))
                .unwrap_err();
        assert!(e.to_string().starts_with("configuration error: USER_POOL_ID is invalid"), "{e}");
        let e =
            VerifierConfig::from_lookup(lookup(&[("USER_POOL_ID", " , "), ("USER_POOL_CLIENT_IDS", "a")])).unwrap_err();
        assert!(e.to_string().contains("USER_POOL_ID"), "{e}");
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
