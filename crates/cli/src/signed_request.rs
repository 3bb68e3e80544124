//! SigV4 signing of an API Gateway request (service `execute-api`) with the
//! identity pool credentials, as IAM auth on `/link` requires.

use std::time::SystemTime;

use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use hyper::body::Bytes;

use crate::credentials::IdentityCredentials;
use crate::error::CliError;

/// The SigV4 service name of API Gateway invocations.
pub const EXECUTE_API: &str = "execute-api";

/// Adds `Authorization`, `X-Amz-Date` and `X-Amz-Security-Token` to `request`, signing its
/// method, URL, headers (set `host` and `content-type` before) and body.
pub fn sign_for_execute_api(
    request: &mut http::Request<Bytes>,
    credentials: &IdentityCredentials,
    region: &str,
    at: SystemTime,
) -> Result<(), CliError> {
    let signing_failed = |err: &dyn std::fmt::Display| CliError::Usage(format!("cannot sign the request: {err}"));
    let identity = aws_credential_types::Credentials::new(
        &credentials.access_key_id,
        &credentials.secret_access_key,
        Some(credentials.session_token.clone()),
        None,
        "cognito-identity",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(EXECUTE_API)
        .time(at)
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| signing_failed(&e))?
        .into();
    let method = request.method().as_str().to_owned();
    let uri = request.uri().to_string();
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .filter_map(|(name, value)| Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned())))
        .collect();
    let body = request.body().clone();
    let signable = SignableRequest::new(
        &method,
        uri,
        headers.iter().map(|(name, value)| (name.as_str(), value.as_str())),
        SignableBody::Bytes(&body),
    )
    .map_err(|e| signing_failed(&e))?;
    let (instructions, _signature) = sign(signable, &params).map_err(|e| signing_failed(&e))?.into_parts();
    instructions.apply_to_request_http1x(request);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_with_the_session_token_for_execute_api() {
        let credentials = IdentityCredentials {
            identity_id: "us-east-1:x".into(),
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: "secret".into(),
            session_token: "session".into(),
            expiration: None,
        };
        let mut request = http::Request::post("https://api.example.com/Prod/link")
            .header("host", "api.example.com")
            .header("content-type", "application/json")
            .body(Bytes::from_static(b"{\"idToken\":\"a.b.c\"}"))
            .unwrap();
        let at = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_795_000_000);
        sign_for_execute_api(&mut request, &credentials, "us-east-1", at).unwrap();
        let header = |name: &str| request.headers()[name].to_str().unwrap().to_owned();
        let authorization = header("authorization");
        assert!(
            authorization.starts_with(
                "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20261118/us-east-1/execute-api/aws4_request, SignedHeaders="
            ),
            "{authorization}"
        );
        assert!(authorization.contains("content-type;host;x-amz-date;x-amz-security-token"), "{authorization}");
        assert_eq!(header("x-amz-security-token"), "session");
        assert_eq!(header("x-amz-date"), "20261118T110640Z");
    }
}
