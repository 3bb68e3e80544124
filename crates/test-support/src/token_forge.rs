//! Making tokens in tests: real RS256 keys generated on the spot, and every
//! kind of broken or hostile token the verifier must refuse.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{KeyPair, RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

/// base64url without padding, as JWS uses.
pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// An RSA-2048 signing key with a `kid`, generated fresh for a test.
pub struct TestKey {
    /// The key id put in the JWKS and in token headers.
    pub kid: String,
    pair: RsaKeyPair,
}

impl TestKey {
    /// Generates a new key (about 50–200 ms).
    pub fn generate(kid: &str) -> Self {
        let pair = RsaKeyPair::generate(KeySize::Rsa2048).expect("RSA key generation");
        TestKey { kid: kid.to_owned(), pair }
    }

    /// The public key as a JWK, as Cognito publishes it.
    pub fn jwk(&self) -> Value {
        let public = self.pair.public_key();
        json!({
            "kty": "RSA",
            "kid": self.kid,
            "alg": "RS256",
            "use": "sig",
            "n": b64(public.modulus().big_endian_without_leading_zero()),
            "e": b64(public.exponent().big_endian_without_leading_zero()),
        })
    }

    /// The raw RSA modulus, for crafting a symmetric "key confusion" secret.
    pub fn modulus_bytes(&self) -> Vec<u8> {
        self.pair.public_key().modulus().big_endian_without_leading_zero().to_vec()
    }

    /// Signs `header.payload` (both already base64url) with RS256 and returns the whole token.
    pub fn sign_parts(&self, header_b64: &str, payload_b64: &str) -> String {
        let signing_input = format!("{header_b64}.{payload_b64}");
        let mut signature = vec![0; self.pair.public_modulus_len()];
        self.pair
            .sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), signing_input.as_bytes(), &mut signature)
            .expect("RS256 signing");
        format!("{signing_input}.{}", b64(signature))
    }

    /// Signs a token with this key's `kid` and `alg: RS256`.
    pub fn sign(&self, payload: &Value) -> String {
        self.sign_with_header(&json!({"alg": "RS256", "kid": self.kid, "typ": "JWT"}), payload)
    }

    /// Signs a token with an arbitrary header (which may lie about `alg` or `kid`).
    pub fn sign_with_header(&self, header: &Value, payload: &Value) -> String {
        self.sign_parts(&b64(header.to_string()), &b64(payload.to_string()))
    }
}

/// A JWKS document holding these keys.
pub fn jwks_json(keys: &[&TestKey]) -> String {
    json!({ "keys": keys.iter().map(|k| k.jwk()).collect::<Vec<_>>() }).to_string()
}

/// An HS256 token: the "key confusion" attack when `secret` is the RSA public key.
pub fn sign_hs256(secret: &[u8], header: &Value, payload: &Value) -> String {
    let signing_input = format!("{}.{}", b64(header.to_string()), b64(payload.to_string()));
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret);
    let tag = aws_lc_rs::hmac::sign(&key, signing_input.as_bytes());
    format!("{signing_input}.{}", b64(tag.as_ref()))
}

/// An `alg: none` token with an empty signature part.
pub fn unsigned(header: &Value, payload: &Value) -> String {
    format!("{}.{}.", b64(header.to_string()), b64(payload.to_string()))
}

/// Seconds since the epoch.
pub fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

/// The claims of a Cognito id token as a user pool issues them.
pub fn id_token_claims(region: &str, pool_id: &str, client_id: &str, sub: &str) -> Value {
    let now = now();
    json!({
        "sub": sub,
        "aud": client_id,
        "email_verified": true,
        "token_use": "id",
        "auth_time": now,
        "iss": format!("https://cognito-idp.{region}.amazonaws.com/{pool_id}"),
        "cognito:username": format!("user-{}", &sub[..sub.len().min(8)]),
        "exp": now + 3600,
        "iat": now,
        "jti": "6b5b8e3e-0000-4000-8000-000000000000",
        "origin_jti": "9c4a1b2d-0000-4000-8000-000000000000",
        "event_id": "1f2e3d4c-0000-4000-8000-000000000000",
        "email": "user@example.com",
    })
}
