//! Reading the claims of a token the CLI holds, to show who is signed in and
//! whether the id token carries `custom:identity_id`.
//!
//! The signature is deliberately not verified: the CLI got the token straight
//! from Cognito's InitiateAuth answer over TLS (or from its own 0600 cache
//! file) and only displays what it says. Whoever *relies* on the token, the
//! link function, the authorizer, Cognito Identity, verifies it.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use token_verifier::CognitoClaims;

/// The claims of `token`, decoded without verifying its signature (see the module doc).
pub fn unverified_claims(token: &str) -> Result<CognitoClaims, String> {
    let mut parts = token.split('.');
    let (Some(_header), Some(payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("not a JWT (expected three dot-separated parts)".into());
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| "the JWT payload is not base64url".to_owned())?;
    serde_json::from_slice(&bytes).map_err(|err| format!("the JWT payload is not Cognito claims: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(payload: &serde_json::Value) -> String {
        format!("eyJhbGciOiJSUzI1NiJ9.{}.c2ln", URL_SAFE_NO_PAD.encode(payload.to_string()))
    }

    #[test]
    fn reads_the_claims_the_cli_shows() {
        let claims = unverified_claims(&token(&serde_json::json!({
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
        for bad in ["", "garbage", "a.b", "a.b.c.d", "a.!!!.c", &token(&serde_json::json!({"sub": "x"}))] {
            assert!(unverified_claims(bad).is_err(), "{bad}");
        }
    }
}
