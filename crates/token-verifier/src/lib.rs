//! Verification of Cognito user pool JWTs for Cognito Bridge.
//!
//! One [`CognitoJwtVerifier`] per process, for one or several user pools: it finds the
//! token's pool by its `iss` (an unknown issuer is refused with no key fetch), checks the
//! RS256 signature against that pool's JWKS (fetched on first use, cached, refetched on an
//! unknown `kid` at most once per 10 s per pool), then audience (`aud` for id tokens,
//! `client_id` for access tokens), `token_use` (id, access or either), `exp` and `nbf`,
//! and returns typed [`CognitoClaims`] or a precise [`VerifyError`].
//!
//! Signatures are checked with aws-lc-rs, the crypto library the AWS SDK's TLS
//! stack already links; keys are parsed once when the JWKS loads.

mod claim_rules;
mod claims;
mod compact;
pub mod config;
mod error;
mod jwks_cache;
pub mod jwks_fetch;
mod key_set;
mod unverified;
mod verifier;

pub use claim_rules::{ClaimRules, check_claims};
pub use claims::{AcceptedTokens, CognitoClaims, TokenUse};
pub use config::{TrustedPool, VerifierConfig};
pub use error::VerifyError;
pub use jwks_fetch::{FetchError, FetchFuture, HttpJwksFetcher, JwksFetcher};
pub use lambda_foundation::unix_now;
pub use unverified::decode_unverified_claims;
pub use verifier::CognitoJwtVerifier;
