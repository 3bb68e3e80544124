//! Reading a token's claims without verifying it, for tools that only display them.
//!
//! A client that received its tokens from Cognito over TLS (or from its own private
//! cache) may show what they say; whoever *relies* on a token (the link function, the
//! authorizer, Cognito Identity) verifies it with [`crate::CognitoJwtVerifier`]. This is
//! the verifier's own decoder, with the same strict base64url and size bound, so a
//! client needs no second JWT or base64 implementation.

use crate::claims::CognitoClaims;
use crate::compact::{decode_part, split_token};
use crate::config::DEFAULT_MAX_TOKEN_BYTES;
use crate::error::VerifyError;

/// The claims of `token`, decoded but **not verified**: never authorize on them.
///
/// ```
/// let err = token_verifier::decode_unverified_claims("not-a-jwt").unwrap_err();
/// assert_eq!(err.code(), "malformed");
/// ```
pub fn decode_unverified_claims(token: &str) -> Result<CognitoClaims, VerifyError> {
    let parts = split_token(token, DEFAULT_MAX_TOKEN_BYTES)?;
    let payload = decode_part(parts.payload)?;
    serde_json::from_slice(&payload)
        .map_err(|_| VerifyError::Malformed("payload is not a JSON object with Cognito claims"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64_simd::URL_SAFE_NO_PAD;

    fn token(payload: &serde_json::Value) -> String {
        format!("eyJhbGciOiJSUzI1NiJ9.{}.c2ln", URL_SAFE_NO_PAD.encode_to_string(payload.to_string()))
    }

    #[test]
    fn reads_the_claims_of_a_well_formed_token() {
        let claims = decode_unverified_claims(&token(&serde_json::json!({
            "sub": "7d8ca528-4931-4254-9273-ea5ee853f271",
            "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Abc",
            "token_use": "id",
            "aud": "client1",
            "exp": 1_800_000_000u64,
            "cognito:username": "alice",
            "custom:identity_id": "us-east-1:1f0c7e2a-3b4c-4d5e-8f60-718293a4b5c6"
        })))
        .unwrap();
        assert_eq!(claims.user_name(), Some("alice"));
        assert_eq!(claims.exp, Some(1_800_000_000));
        assert_eq!(claims.linked_identity_id(), Some("us-east-1:1f0c7e2a-3b4c-4d5e-8f60-718293a4b5c6"));
    }

    #[test]
    fn refuses_what_is_not_a_cognito_token() {
        let claims = URL_SAFE_NO_PAD.encode_to_string(r#"{"sub":"x","iss":"i","token_use":"id"}"#);
        let padded = format!("eyJhbGciOiJSUzI1NiJ9.{claims}=.c2ln");
        for bad in ["", "garbage", "a.b", "a.b.c.d", "a.!!!.c", &token(&serde_json::json!({"sub": "x"})), &padded] {
            assert!(decode_unverified_claims(bad).is_err(), "{bad}");
        }
    }
}
