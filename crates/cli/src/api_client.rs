//! HTTP calls to the Cognito Bridge API (`/link`, `/whoami`) with hyper and
//! rustls (aws-lc-rs, native roots), the stack the AWS SDK already links;
//! `http://` is allowed for a local gateway. IAM-authenticated routes are signed
//! with SigV4 (service `execute-api`) under the identity pool credentials.

use std::time::{Duration, SystemTime};

use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

use crate::aws_call_error::innermost_cause;
use crate::error::CliError;
use crate::identity_credentials::IdentityCredentials;
use crate::settings::Setting;

/// How long a call may take, connection included.
pub const API_TIMEOUT: Duration = Duration::from_secs(30);

/// The largest answer read; the API's answers are a few hundred bytes.
pub const MAX_ANSWER_BYTES: usize = 1024 * 1024;

/// An answer of the API, any status.
#[derive(Debug, Clone)]
pub struct ApiAnswer {
    /// The HTTP status.
    pub status: u16,
    /// The body.
    pub body: Bytes,
}

impl ApiAnswer {
    /// The [`CliError::Api`] for an error status, with the API's `message` and what to do.
    pub fn into_error(self, action: &'static str) -> CliError {
        let hint = match self.status {
            401 => Some("the API refused the id token: run 'cognito-bridge refresh' or log in again".to_owned()),
            403 => Some("the API denied the request to this caller".to_owned()),
            404 => Some(format!("check {}, stage included", Setting::ApiUrl.names())),
            429 | 503 => Some("retry later".to_owned()),
            500..=599 => Some("the API failed: see its logs".to_owned()),
            _ => None,
        };
        CliError::Api { action, status: self.status, message: self.message(), hint }
    }

    /// The API's error message: `message` of a JSON body (`Message` in some of API
    /// Gateway's own answers), else the start of a text body.
    pub fn message(&self) -> Option<String> {
        message_of(&self.body)
    }

    /// Whether one of our functions wrote this answer, not the gateway: the functions
    /// answer errors as `{"error": code, "message": …}`, API Gateway's own answers
    /// (authorizer denials, unknown routes) carry a message only.
    pub fn is_from_function(&self) -> bool {
        serde_json::from_slice::<Value>(&self.body)
            .is_ok_and(|document| document.get("error").is_some_and(Value::is_string))
    }
}

/// The API's error message: `message` (or `Message`) of a JSON body, else the start of a text body.
fn message_of(body: &[u8]) -> Option<String> {
    if let Ok(document) = serde_json::from_slice::<Value>(body) {
        return ["message", "Message"]
            .iter()
            .find_map(|key| document.get(*key).and_then(Value::as_str))
            .map(str::to_owned);
    }
    let text = String::from_utf8_lossy(body);
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    (!text.is_empty()).then(|| text.chars().take(200).collect())
}

/// A request to `url` with its `host` header set (SigV4 signs it) and `content-type` when there is a body.
pub fn build_request(method: http::Method, url: &str, body: Bytes) -> Result<http::Request<Bytes>, CliError> {
    let invalid = || CliError::Usage(format!("cannot build a request to {url}; check {}", Setting::ApiUrl.names()));
    let uri: http::Uri = url.parse().map_err(|_| invalid())?;
    let host = uri.authority().ok_or_else(invalid)?.to_string();
    let mut builder = http::Request::builder().method(method).uri(uri).header(http::header::HOST, host);
    if !body.is_empty() {
        builder = builder.header(http::header::CONTENT_TYPE, "application/json");
    }
    builder.header(http::header::ACCEPT, "application/json").body(body).map_err(|_| invalid())
}

/// Sends `request`; a transport failure or timeout is [`CliError::Unreachable`] (exit 4).
pub async fn send(request: http::Request<Bytes>, action: &'static str) -> Result<ApiAnswer, CliError> {
    let target = request.uri().to_string();
    let unreachable =
        |cause: String| CliError::Unreachable { action, target: target.clone(), cause, check: Setting::ApiUrl.names() };
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_native_roots()
        .map_err(|err| unreachable(format!("no TLS root certificates: {err}")))?
        .https_or_http()
        .enable_http1()
        .build();
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build(connector);
    let call = async {
        let response =
            client.request(request.map(Full::new)).await.map_err(|err| unreachable(innermost_cause(&err)))?;
        let status = response.status().as_u16();
        let body = Limited::new(response.into_body(), MAX_ANSWER_BYTES)
            .collect()
            .await
            .map_err(|err| unreachable(format!("reading the answer: {err}")))?
            .to_bytes();
        Ok(ApiAnswer { status, body })
    };
    tokio::time::timeout(API_TIMEOUT, call)
        .await
        .unwrap_or_else(|_| Err(unreachable(format!("no answer within {} s", API_TIMEOUT.as_secs()))))
}

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
    fn error_answers_name_the_status_the_message_and_what_to_do() {
        let answer = ApiAnswer { status: 403, body: Bytes::from_static(br#"{"error":"forbidden","message":"nope"}"#) };
        assert_eq!(
            answer.into_error("link").one_line(),
            "link failed: the API answered 403: nope; the API denied the request to this caller"
        );
        let html = ApiAnswer { status: 502, body: Bytes::from_static(b"<html>\n Bad   gateway</html>") };
        assert_eq!(
            html.into_error("whoami").one_line(),
            "whoami failed: the API answered 502: <html> Bad gateway</html>; the API failed: see its logs"
        );
    }

    #[test]
    fn gateway_answers_are_told_from_function_answers() {
        let function =
            ApiAnswer { status: 403, body: Bytes::from_static(br#"{"error":"forbidden","message":"nope"}"#) };
        assert!(function.is_from_function());
        let rest_deny = ApiAnswer {
            status: 403,
            body: Bytes::from_static(
                br#"{"Message":"User is not authorized to access this resource with an explicit deny"}"#,
            ),
        };
        assert!(!rest_deny.is_from_function());
        assert_eq!(
            rest_deny.message().as_deref(),
            Some("User is not authorized to access this resource with an explicit deny")
        );
        let http_deny = ApiAnswer { status: 403, body: Bytes::from_static(br#"{"message":"Forbidden"}"#) };
        assert_eq!((http_deny.is_from_function(), http_deny.message().as_deref()), (false, Some("Forbidden")));
        assert!(!ApiAnswer { status: 403, body: Bytes::from_static(b"Forbidden") }.is_from_function());
        assert!(!ApiAnswer { status: 403, body: Bytes::from_static(br#"{"error":1}"#) }.is_from_function());
    }

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
