//! What API Gateway's `AWS_IAM` auth does first: check the request's SigV4 signature
//! with the secret of the access key that signed it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;

/// The parts of an `Authorization: AWS4-HMAC-SHA256 …` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigV4Authorization {
    /// The access key id from `Credential=`.
    pub access_key_id: String,
    /// The region from the credential scope.
    pub region: String,
    /// The service from the credential scope (`execute-api`).
    pub service: String,
    /// The lower-case names in `SignedHeaders=`.
    pub signed_headers: Vec<String>,
    /// The hex signature.
    pub signature: String,
}

/// Why a signed request is refused (API Gateway answers 403 with these messages).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// No SigV4 `Authorization` header at all.
    #[error("Missing Authentication Token")]
    Missing,
    /// The header or `x-amz-date` is malformed.
    #[error("Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters")]
    Malformed,
    /// The access key is unknown or its credentials expired.
    #[error("The security token included in the request is invalid.")]
    UnknownKey,
    /// The signature does not match.
    #[error("The request signature we calculated does not match the signature you provided.")]
    Mismatch,
    /// `x-amz-date` is more than 5 minutes away from now.
    #[error("Signature expired")]
    Expired,
}

/// Parses the `Authorization` header value.
pub fn parse_authorization(value: &str) -> Result<SigV4Authorization, SignatureError> {
    let rest = value.strip_prefix("AWS4-HMAC-SHA256 ").ok_or(SignatureError::Missing)?;
    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for part in rest.split(',') {
        let (key, val) = part.trim().split_once('=').ok_or(SignatureError::Malformed)?;
        match key {
            "Credential" => credential = Some(val),
            "SignedHeaders" => signed_headers = Some(val),
            "Signature" => signature = Some(val),
            _ => {}
        }
    }
    let (credential, signed_headers, signature) = match (credential, signed_headers, signature) {
        (Some(c), Some(h), Some(s)) => (c, h, s),
        _ => return Err(SignatureError::Malformed),
    };
    let scope: Vec<&str> = credential.split('/').collect();
    if scope.len() != 5 || scope[4] != "aws4_request" {
        return Err(SignatureError::Malformed);
    }
    Ok(SigV4Authorization {
        access_key_id: scope[0].to_owned(),
        region: scope[2].to_owned(),
        service: scope[3].to_owned(),
        signed_headers: signed_headers.split(';').map(str::to_owned).collect(),
        signature: signature.to_owned(),
    })
}

/// Parses `x-amz-date` (`20261123T101500Z`).
pub fn parse_amz_date(value: &str) -> Result<SystemTime, SignatureError> {
    let digits = |range: std::ops::Range<usize>| value.get(range).and_then(|s| s.parse::<i64>().ok());
    if value.len() != 16 || &value[8..9] != "T" || !value.ends_with('Z') {
        return Err(SignatureError::Malformed);
    }
    let (Some(y), Some(m), Some(d), Some(hh), Some(mm), Some(ss)) =
        (digits(0..4), digits(4..6), digits(6..8), digits(9..11), digits(11..13), digits(13..15))
    else {
        return Err(SignatureError::Malformed);
    };
    // Days from the civil date (proleptic Gregorian), as in Howard Hinnant's algorithm.
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = days * 86_400 + hh * 3600 + mm * 60 + ss;
    u64::try_from(secs).map(|s| UNIX_EPOCH + Duration::from_secs(s)).map_err(|_| SignatureError::Malformed)
}

/// A request as received, for re-signing.
pub struct ReceivedRequest<'a> {
    /// `GET`, `POST`, …
    pub method: &'a str,
    /// The URL the client signed: `http://<host><path>?<query>`.
    pub url: &'a str,
    /// All headers, lower-case names.
    pub headers: &'a [(String, String)],
    /// The body bytes.
    pub body: &'a [u8],
}

/// Recomputes the signature with the key's secret and compares it, as API Gateway does.
pub fn verify_signature(
    request: &ReceivedRequest<'_>,
    auth: &SigV4Authorization,
    secret_key: &str,
    session_token: Option<&str>,
    now: SystemTime,
) -> Result<(), SignatureError> {
    let header = |name: &str| request.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let signed_at = parse_amz_date(header("x-amz-date").ok_or(SignatureError::Malformed)?)?;
    let skew = now.duration_since(signed_at).or_else(|e| Ok::<_, SignatureError>(e.duration()))?;
    if skew > Duration::from_secs(300) {
        return Err(SignatureError::Expired);
    }
    let signed: Vec<(&str, &str)> = request
        .headers
        .iter()
        .filter(|(name, _)| auth.signed_headers.iter().any(|s| s == name))
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let identity =
        Credentials::new(&auth.access_key_id, secret_key, session_token.map(str::to_owned), None, "local-gateway")
            .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(&auth.region)
        .name(&auth.service)
        .time(signed_at)
        .settings(SigningSettings::default())
        .build()
        .map_err(|_| SignatureError::Malformed)?
        .into();
    let signable =
        SignableRequest::new(request.method, request.url, signed.into_iter(), SignableBody::Bytes(request.body))
            .map_err(|_| SignatureError::Malformed)?;
    let (_, expected) = sign(signable, &params).map_err(|_| SignatureError::Malformed)?.into_parts();
    if expected == auth.signature { Ok(()) } else { Err(SignatureError::Mismatch) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_real_authorization_header() {
        let auth = parse_authorization(
            "AWS4-HMAC-SHA256 Credential=ASIAX/20261123/us-east-1/execute-api/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=abc123",
        )
        .unwrap();
        assert_eq!(auth.access_key_id, "ASIAX");
        assert_eq!(auth.service, "execute-api");
        assert_eq!(auth.signed_headers, vec!["content-type", "host", "x-amz-date"]);
        assert_eq!(parse_authorization("Bearer x"), Err(SignatureError::Missing));
        assert_eq!(parse_authorization("AWS4-HMAC-SHA256 Credential=a"), Err(SignatureError::Malformed));
    }

    #[test]
    fn parses_amz_dates() {
        assert_eq!(parse_amz_date("19700101T000000Z").unwrap(), UNIX_EPOCH);
        assert_eq!(parse_amz_date("20000301T000001Z").unwrap(), UNIX_EPOCH + Duration::from_secs(951_868_801));
        assert!(parse_amz_date("2026-11-23").is_err());
    }
}
