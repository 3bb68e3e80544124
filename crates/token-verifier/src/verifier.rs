//! The verifier object: built once per process, then one call per token.

use std::sync::Arc;

use crate::claim_rules::{ClaimRules, check_claims};
use crate::claims::CognitoClaims;
use crate::compact::{SignatureBytes, check_header, decode_part, decode_signature, split_token};
use crate::config::VerifierConfig;
use crate::error::VerifyError;
use crate::jwks_cache::JwksCache;
use crate::jwks_fetch::{HttpJwksFetcher, JwksFetcher};

/// Verifies Cognito user pool tokens of one pool.
///
/// Build it once at start-up (no network then) and share it; `verify` needs `&self` only.
/// Keys are fetched on the first token and cached; afterwards a verification is
/// one base64 pass, one RSA check and one small JSON parse.
///
/// ```no_run
/// use token_verifier::{CognitoJwtVerifier, VerifierConfig};
///
/// # async fn run(id_token: &str) -> Result<(), Box<dyn std::error::Error>> {
/// let config = VerifierConfig::new("us-east-1_AbCdEf123", vec!["1example23456789".into()])?;
/// let verifier = CognitoJwtVerifier::new(config);
/// let claims = verifier.verify(id_token).await?;
/// println!("sub={} identity_id={:?}", claims.sub, claims.linked_identity_id());
/// # Ok(()) }
/// ```
pub struct CognitoJwtVerifier {
    rules: ClaimRules,
    max_token_bytes: usize,
    jwks: JwksCache,
}

impl CognitoJwtVerifier {
    /// A verifier that fetches the JWKS over HTTP(S) when it first needs a key.
    pub fn new(config: VerifierConfig) -> Self {
        Self::with_fetcher(config, Arc::new(HttpJwksFetcher::new()))
    }

    /// A verifier with its own JWKS source (tests, or keys shipped another way).
    pub fn with_fetcher(config: VerifierConfig, fetcher: Arc<dyn JwksFetcher>) -> Self {
        let rules = ClaimRules {
            issuer: config.issuer(),
            client_ids: config.client_ids.clone(),
            token_use: config.token_use,
            leeway_secs: config.leeway.as_secs(),
        };
        let jwks = JwksCache::new(config.jwks_url, fetcher, config.min_refetch_interval, config.fetch_timeout);
        CognitoJwtVerifier { rules, max_token_bytes: config.max_token_bytes, jwks }
    }

    /// Verifies `token` now.
    pub async fn verify(&self, token: &str) -> Result<CognitoClaims, VerifyError> {
        self.verify_at(token, lambda_foundation::unix_now()).await
    }

    /// Verifies `token` as of `now` (seconds since the epoch).
    pub async fn verify_at(&self, token: &str, now: u64) -> Result<CognitoClaims, VerifyError> {
        let decoded = self.decode(token)?;
        let key = match self.jwks.cached(&decoded.kid) {
            Some(key) => key,
            None => {
                // Only a token that claims to be ours may cost a JWKS fetch.
                if decoded.claims.iss != self.rules.issuer {
                    return Err(VerifyError::WrongIssuer);
                }
                self.jwks.key(&decoded.kid).await?
            }
        };
        if !key.verify(decoded.signing_input.as_bytes(), decoded.signature.as_slice()) {
            return Err(VerifyError::BadSignature);
        }
        check_claims(&decoded.claims, &self.rules, now)?;
        Ok(decoded.claims)
    }

    /// Changes whenever a JWKS fetch brought different keys: caches of verified
    /// tokens compare it to know when to flush.
    pub fn key_set_generation(&self) -> u64 {
        self.jwks.generation()
    }

    /// Every structural check that needs no key: size, parts, header, base64, claim JSON.
    fn decode<'t>(&self, token: &'t str) -> Result<DecodedToken<'t>, VerifyError> {
        let parts = split_token(token, self.max_token_bytes)?;
        let header = check_header(parts.header)?;
        let signature = decode_signature(parts.signature)?;
        let payload = decode_part(parts.payload)?;
        let claims: CognitoClaims = serde_json::from_slice(&payload)
            .map_err(|_| VerifyError::Malformed("payload is not a JSON object with Cognito claims"))?;
        Ok(DecodedToken { signing_input: parts.signing_input, kid: header.kid, signature, claims })
    }
}

/// A token whose structure is valid but whose signature is not yet checked.
struct DecodedToken<'t> {
    signing_input: &'t str,
    kid: String,
    signature: SignatureBytes,
    claims: CognitoClaims,
}
