//! The verifier object: built once per process, then one call per token.

use std::sync::Arc;

use crate::claim_rules::{ClaimRules, check_claims};
use crate::claims::CognitoClaims;
use crate::compact::{SignatureBytes, check_header, decode_part_in, decode_signature, split_token};
use crate::config::VerifierConfig;
use crate::error::VerifyError;
use crate::jwks_cache::JwksCache;
use crate::jwks_fetch::{HttpJwksFetcher, JwksFetcher};

/// Verifies Cognito user pool tokens of one or several pools.
///
/// Build it once at start-up (no network then) and share it; `verify` needs `&self` only.
/// Each pool has its own issuer and its own JWKS cache: keys are fetched on the pool's
/// first token and cached; afterwards a verification is one base64 pass, one issuer
/// comparison per listed pool, one RSA check and one small JSON parse. A token whose
/// `iss` is none of the pools' is refused before any key lookup or fetch.
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
    pools: Vec<PoolVerifier>,
    max_token_bytes: usize,
}

/// One trusted pool: the rules its tokens meet (its own issuer) and its own keys.
struct PoolVerifier {
    rules: ClaimRules,
    jwks: JwksCache,
}

impl CognitoJwtVerifier {
    /// A verifier that fetches the JWKS over HTTP(S) when it first needs a key.
    pub fn new(config: VerifierConfig) -> Self {
        Self::with_fetcher(config, Arc::new(HttpJwksFetcher::new()))
    }

    /// A verifier with its own JWKS source (tests, or keys shipped another way).
    pub fn with_fetcher(config: VerifierConfig, fetcher: Arc<dyn JwksFetcher>) -> Self {
        let pools = config
            .pools
            .into_iter()
            .map(|pool| PoolVerifier {
                rules: ClaimRules {
                    issuer: pool.user_pool_id.issuer(),
                    client_ids: config.client_ids.clone(),
                    token_use: config.token_use,
                    leeway_secs: config.leeway.as_secs(),
                },
                jwks: JwksCache::new(pool.jwks_url, fetcher.clone(), config.min_refetch_interval, config.fetch_timeout),
            })
            .collect();
        CognitoJwtVerifier { pools, max_token_bytes: config.max_token_bytes }
    }

    /// Verifies `token` now.
    pub async fn verify(&self, token: &str) -> Result<CognitoClaims, VerifyError> {
        self.verify_at(token, lambda_foundation::unix_now()).await
    }

    /// Verifies `token` as of `now` (seconds since the epoch).
    pub async fn verify_at(&self, token: &str, now: u64) -> Result<CognitoClaims, VerifyError> {
        let decoded = self.decode(token)?;
        // Only a token that claims to come from one of our pools may cost a key lookup,
        // and only that pool's keys may sign it.
        let pool = self.pools.iter().find(|pool| pool.rules.issuer == decoded.claims.iss);
        let Some(pool) = pool else { return Err(VerifyError::WrongIssuer) };
        let key = match pool.jwks.cached(&decoded.kid) {
            Some(key) => key,
            None => pool.jwks.key(&decoded.kid).await?,
        };
        if !key.verify(decoded.signing_input.as_bytes(), decoded.signature.as_slice()) {
            return Err(VerifyError::BadSignature);
        }
        check_claims(&decoded.claims, &pool.rules, now)?;
        Ok(decoded.claims)
    }

    /// Changes whenever a JWKS fetch brought different keys to any pool: caches of
    /// verified tokens compare it to know when to flush.
    pub fn key_set_generation(&self) -> u64 {
        // Each pool's generation only grows, so their sum changes whenever one does.
        self.pools.iter().map(|pool| pool.jwks.generation()).sum()
    }

    /// Every structural check that needs no key: size, parts, header, base64, claim JSON.
    fn decode<'t>(&self, token: &'t str) -> Result<DecodedToken<'t>, VerifyError> {
        let parts = split_token(token, self.max_token_bytes)?;
        let header = check_header(parts.header)?;
        let signature = decode_signature(parts.signature)?;
        let mut buffer = [std::mem::MaybeUninit::uninit(); PAYLOAD_BUFFER_BYTES];
        let payload = decode_part_in(parts.payload, &mut buffer)?;
        let claims: CognitoClaims = serde_json::from_slice(&payload)
            .map_err(|_| VerifyError::Malformed("payload is not a JSON object with Cognito claims"))?;
        Ok(DecodedToken { signing_input: parts.signing_input, kid: header.kid, signature, claims })
    }
}

/// The decoded claims' room on the stack: a Cognito id token's claims take about
/// 700–1 000 bytes, more with many groups; larger ones are decoded on the heap.
const PAYLOAD_BUFFER_BYTES: usize = 2048;

/// A token whose structure is valid but whose signature is not yet checked.
struct DecodedToken<'t> {
    signing_input: &'t str,
    kid: String,
    signature: SignatureBytes,
    claims: CognitoClaims,
}
