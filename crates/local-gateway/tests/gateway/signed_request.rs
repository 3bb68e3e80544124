//! SigV4 signing of a request to an `AWS_IAM` route with identity pool credentials,
//! as a browser signs its `/link` call.

use std::time::SystemTime;

use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use hyper::body::Bytes;
use test_support::local_cognito::{IdentityCredentials, REGION};

/// Adds `Authorization`, `X-Amz-Date` and `X-Amz-Security-Token` to `request` (its
/// `host` and `content-type` set), signing method, URL, headers and body for
/// `execute-api`.
pub fn sign_for_execute_api(request: &mut hyper::Request<Bytes>, credentials: &IdentityCredentials) {
    let identity = aws_credential_types::Credentials::new(
        &credentials.access_key_id,
        &credentials.secret_key,
        Some(credentials.session_token.clone()),
        None,
        "cognito-identity",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(REGION)
        .name("execute-api")
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .expect("signing parameters")
        .into();
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .filter_map(|(name, value)| Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned())))
        .collect();
    let signable = SignableRequest::new(
        request.method().as_str(),
        request.uri().to_string(),
        headers.iter().map(|(name, value)| (name.as_str(), value.as_str())),
        SignableBody::Bytes(request.body()),
    )
    .expect("signable request");
    let (instructions, _signature) = sign(signable, &params).expect("SigV4 signature").into_parts();
    instructions.apply_to_request_http1x(request);
}
