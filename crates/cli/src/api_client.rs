//! HTTP calls to the Cognito Bridge API (`/link`, `/whoami`) with hyper and
//! rustls (aws-lc-rs, native roots), the stack the AWS SDK already links;
//! `http://` is allowed for a local gateway.

use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

use crate::aws_failure::innermost_cause;
use crate::error::CliError;
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
}
