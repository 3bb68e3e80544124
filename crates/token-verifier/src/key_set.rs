//! A user pool's JWKS, parsed once into ready-to-use RS256 public keys.

use std::collections::HashMap;
use std::sync::Arc;

use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents};
use serde::Deserialize;

use crate::compact::decode_part;

/// Accepted modulus sizes: RSA-2048 to RSA-8192.
const RSA_MODULUS_BYTES: std::ops::RangeInclusive<usize> = 256..=1024;

fn significant_len(bytes: &[u8]) -> usize {
    bytes.iter().skip_while(|b| **b == 0).count()
}

/// One RS256 public key, parsed at JWKS load so a verification costs one RSA operation.
pub(crate) struct VerifyingKey {
    parsed: ParsedPublicKey,
    /// The raw components, kept to tell whether a refetched JWKS changed.
    n: Vec<u8>,
    e: Vec<u8>,
}

impl VerifyingKey {
    /// Checks an RS256 (PKCS#1 v1.5, SHA-256) signature over `message`.
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        self.parsed.verify_sig(message, signature).is_ok()
    }
}

/// The keys of one JWKS by `kid`. Only RSA signing keys usable with RS256 are kept.
#[derive(Default, Clone)]
pub(crate) struct KeySet {
    keys: HashMap<String, Arc<VerifyingKey>>,
}

#[derive(Deserialize)]
struct RawJwks {
    keys: Vec<RawJwk>,
}

#[derive(Deserialize)]
struct RawJwk {
    kty: Option<String>,
    kid: Option<String>,
    alg: Option<String>,
    #[serde(rename = "use")]
    key_use: Option<String>,
    n: Option<String>,
    e: Option<String>,
}

/// Why a JWKS document could not be used at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum KeySetError {
    #[error("JWKS is not valid JSON with a keys array")]
    NotJwks,
    #[error("JWKS has no usable RS256 key")]
    NoUsableKey,
}

impl KeySet {
    /// Parses a JWKS document; entries that are not RS256 signing keys are skipped.
    ///
    /// The algorithm comes from here, never from a token: a key listed with any
    /// other `alg`, `kty` or `use` can never verify anything.
    pub(crate) fn from_jwks_json(body: &[u8]) -> Result<KeySet, KeySetError> {
        let raw: RawJwks = serde_json::from_slice(body).map_err(|_| KeySetError::NotJwks)?;
        let mut keys = HashMap::new();
        for jwk in raw.keys {
            if jwk.kty.as_deref() != Some("RSA")
                || !matches!(jwk.alg.as_deref(), None | Some("RS256"))
                || !matches!(jwk.key_use.as_deref(), None | Some("sig"))
            {
                continue;
            }
            let (Some(kid), Some(n), Some(e)) = (jwk.kid, jwk.n, jwk.e) else { continue };
            let (Ok(n), Ok(e)) = (decode_part(&n), decode_part(&e)) else { continue };
            if !RSA_MODULUS_BYTES.contains(&significant_len(&n)) {
                tracing::warn!(kid = %crate::compact::truncate(&kid), "skipping JWKS key: modulus is not 2048-8192 bits");
                continue;
            }
            let components = RsaPublicKeyComponents { n: n.as_slice(), e: e.as_slice() };
            let Ok(parsed) = components.to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256) else {
                tracing::warn!(kid = %crate::compact::truncate(&kid), "skipping JWKS key that is not a valid RSA-2048+ key");
                continue;
            };
            keys.insert(kid, Arc::new(VerifyingKey { parsed, n, e }));
        }
        if keys.is_empty() {
            return Err(KeySetError::NoUsableKey);
        }
        Ok(KeySet { keys })
    }

    /// The key with this `kid`, if the set has one.
    pub(crate) fn get(&self, kid: &str) -> Option<&Arc<VerifyingKey>> {
        self.keys.get(kid)
    }

    /// True when both sets hold the same kids with the same key material.
    pub(crate) fn same_keys_as(&self, other: &KeySet) -> bool {
        self.keys.len() == other.keys.len()
            && self.keys.iter().all(|(kid, key)| other.keys.get(kid).is_some_and(|o| o.n == key.n && o.e == key.e))
    }

    /// How many keys the set holds.
    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_documents_without_keys() {
        assert_eq!(KeySet::from_jwks_json(b"not json").err(), Some(KeySetError::NotJwks));
        assert_eq!(KeySet::from_jwks_json(br#"{"keys":[]}"#).err(), Some(KeySetError::NoUsableKey));
    }

    #[test]
    fn skips_keys_that_are_not_rs256_signing_keys() {
        let doc = br#"{"keys":[
            {"kty":"oct","kid":"h","k":"c2VjcmV0"},
            {"kty":"RSA","kid":"enc","use":"enc","n":"AQAB","e":"AQAB"},
            {"kty":"RSA","kid":"ps","alg":"PS256","n":"AQAB","e":"AQAB"},
            {"kty":"RSA","kid":"short","alg":"RS256","n":"AQAB","e":"AQAB"}
        ]}"#;
        assert_eq!(KeySet::from_jwks_json(doc).err(), Some(KeySetError::NoUsableKey));
    }
}
