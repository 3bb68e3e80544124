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

    /// A real RSA-2048 public key's `n` and `e`, base64url: keys that pass the modulus
    /// check, so that only the kty/alg/use filter can drop them.
    fn real_modulus_and_exponent() -> (String, String) {
        use aws_lc_rs::rsa::KeySize;
        use aws_lc_rs::signature::{KeyPair, RsaKeyPair};
        use base64_simd::URL_SAFE_NO_PAD;
        let pair = RsaKeyPair::generate(KeySize::Rsa2048).unwrap();
        let public = pair.public_key();
        (
            URL_SAFE_NO_PAD.encode_to_string(public.modulus().big_endian_without_leading_zero()),
            URL_SAFE_NO_PAD.encode_to_string(public.exponent().big_endian_without_leading_zero()),
        )
    }

    #[test]
    fn skips_keys_that_are_not_rs256_signing_keys() {
        let (n, e) = real_modulus_and_exponent();
        let jwk = |kid: &str, extra: serde_json::Value| {
            let mut key = serde_json::json!({"kid": kid, "n": n, "e": e});
            key.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
            key
        };
        let doc = serde_json::json!({"keys": [
            jwk("oct", serde_json::json!({"kty": "oct"})),
            jwk("no-kty", serde_json::json!({})),
            jwk("enc", serde_json::json!({"kty": "RSA", "use": "enc"})),
            jwk("ps", serde_json::json!({"kty": "RSA", "alg": "PS256"})),
            jwk("none", serde_json::json!({"kty": "RSA", "alg": "none"})),
            jwk("good", serde_json::json!({"kty": "RSA", "alg": "RS256", "use": "sig"})),
            jwk("bare", serde_json::json!({"kty": "RSA"})),
        ]});
        let keys = KeySet::from_jwks_json(doc.to_string().as_bytes()).unwrap();
        assert_eq!(keys.len(), 2, "only the RS256 signing keys are kept");
        assert!(keys.get("good").is_some() && keys.get("bare").is_some());
    }

    #[test]
    fn skips_keys_whose_modulus_is_too_short() {
        let doc = br#"{"keys":[{"kty":"RSA","kid":"short","alg":"RS256","n":"AQAB","e":"AQAB"}]}"#;
        assert_eq!(KeySet::from_jwks_json(doc).err(), Some(KeySetError::NoUsableKey));
    }
}
