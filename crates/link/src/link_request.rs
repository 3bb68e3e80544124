//! Reading a link request: the body's id token and the IAM caller, if any.

use caller_identity::{CallerIdentityError, IdentitySource, RequestCallerExt};
use lambda_http::{Body, Request};
use serde::Deserialize;

use crate::error::LinkError;

/// Largest body accepted: an id token is at most a few KiB.
pub const MAX_BODY_BYTES: usize = 32 * 1024;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LinkBody {
    id_token: String,
}

/// The id token from a `{"idToken": "…"}` body.
pub fn id_token_from_body(body: &Body) -> Result<String, LinkError> {
    const EXPECTED: &str = "the body must be JSON {\"idToken\": \"<id token>\"}";
    let bytes: &[u8] = match body {
        Body::Empty => return Err(LinkError::BadRequest(EXPECTED)),
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => return Err(LinkError::BadRequest(EXPECTED)),
    };
    if bytes.len() > MAX_BODY_BYTES {
        return Err(LinkError::BadRequest("the body is too large"));
    }
    let parsed: LinkBody = serde_json::from_slice(bytes).map_err(|_| LinkError::BadRequest(EXPECTED))?;
    if parsed.id_token.trim().is_empty() {
        return Err(LinkError::BadRequest(EXPECTED));
    }
    Ok(parsed.id_token)
}

/// The Cognito identity the request was SigV4-signed with (IAM auth), if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IamCaller {
    /// The caller's IdentityId (`cognitoIdentityId`).
    pub identity_id: String,
    /// The user pool `sub` of the sign-in behind the credentials.
    pub sub: String,
    /// The caller's identity pool, when the context names it.
    pub identity_pool_id: Option<String>,
}

/// The IAM caller of `request`: `None` when the request carries no Cognito
/// identity (then the verified token alone decides); 403 when it carries one that
/// is not a user pool sign-in.
pub fn iam_caller(request: &Request) -> Result<Option<IamCaller>, LinkError> {
    match request.caller_identity() {
        Ok(caller) if caller.source == IdentitySource::Iam => Ok(caller.identity_id.map(|identity_id| IamCaller {
            identity_id,
            sub: caller.sub,
            identity_pool_id: caller.identity_pool_id,
        })),
        Ok(_) | Err(CallerIdentityError::NoIdentity) => Ok(None),
        Err(CallerIdentityError::NotAUserPoolLogin) => {
            Err(LinkError::Forbidden("the signing credentials are not from a user pool sign-in"))
        }
        Err(CallerIdentityError::Malformed(_)) => Err(LinkError::Forbidden("the request's IAM identity is malformed")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_must_carry_an_id_token() {
        assert_eq!(id_token_from_body(&Body::from(r#"{"idToken":"a.b.c"}"#)).unwrap(), "a.b.c");
        for bad in ["", "{}", "[]", "null", r#"{"idToken":1}"#, r#"{"idToken":"  "}"#, "{", r#"{"id_token":"x"}"#] {
            assert!(matches!(id_token_from_body(&Body::from(bad)), Err(LinkError::BadRequest(_))), "{bad}");
        }
        assert!(matches!(id_token_from_body(&Body::Empty), Err(LinkError::BadRequest(_))));
        let huge = format!(r#"{{"idToken":"{}"}}"#, "a".repeat(MAX_BODY_BYTES));
        assert_eq!(id_token_from_body(&Body::from(huge)), Err(LinkError::BadRequest("the body is too large")));
        assert!(id_token_from_body(&Body::from(br#"{"idToken":"x.y.z"}"#.to_vec())).is_ok());
    }
}
