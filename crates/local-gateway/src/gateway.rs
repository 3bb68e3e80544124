//! Routing, as the deployed REST API does it: `POST /link` and `GET /iam/whoami` with
//! `AWS_IAM`, `GET /whoami` behind the Lambda authorizer (REQUEST, `Authorization` header).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Bytes;
use hyper::{Response, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};
use test_support::lambda_process::{InvokeOutcome, LambdaProcess};
use tokio::sync::Mutex;

use crate::authorizer_policy::{PolicyDecision, evaluate};
use crate::gateway_events::{IncomingRequest, authorizer_context, iam_identity};
use crate::sigv4_check::{ReceivedRequest, SignatureError, parse_authorization, verify_signature};

/// The three functions, each a real process under a local Lambda runtime API.
pub struct Functions {
    /// The link function.
    pub link: Mutex<LambdaProcess>,
    /// The authorizer function.
    pub authorizer: Mutex<LambdaProcess>,
    /// The whoami function.
    pub whoami: Mutex<LambdaProcess>,
}

/// The local API.
pub struct Gateway {
    /// The functions behind the routes.
    pub functions: Functions,
    /// The stage, first path segment of every URL.
    pub stage: String,
    /// The region of the API and the pools.
    pub region: String,
    /// The local Cognito emulator, which knows whom credentials were issued to.
    pub emulator_url: String,
    /// Counts requests for request ids.
    pub requests: AtomicU64,
    /// HTTP client for the emulator.
    pub http: Client<HttpConnector, Empty<Bytes>>,
}

type Reply = Response<Full<Bytes>>;

fn gateway_error(status: u16, message: &str) -> Reply {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("x-amzn-errortype", if status == 401 { "UnauthorizedException" } else { "AccessDeniedException" })
        .body(Full::new(Bytes::from(json!({ "message": message }).to_string())))
        .expect("static response")
}

impl Gateway {
    /// Creates the gateway around running functions.
    pub fn new(functions: Functions, stage: String, region: String, emulator_url: String) -> Self {
        Gateway {
            functions,
            stage,
            region,
            emulator_url,
            requests: AtomicU64::new(0),
            http: Client::builder(TokioExecutor::new()).build_http(),
        }
    }

    /// Handles one HTTP request end to end.
    pub async fn handle(&self, request: hyper::Request<hyper::body::Incoming>) -> Reply {
        let (parts, body) = request.into_parts();
        let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
        let full_path = parts.uri.path().to_owned();
        let Some(path) = full_path.strip_prefix(&format!("/{}", self.stage)).filter(|p| p.starts_with('/')) else {
            return gateway_error(403, "Missing Authentication Token");
        };
        let headers: Vec<(String, String)> = parts
            .headers
            .iter()
            .filter_map(|(k, v)| v.to_str().ok().map(|v| (k.as_str().to_owned(), v.to_owned())))
            .collect();
        let incoming = IncomingRequest {
            method: parts.method.as_str().to_owned(),
            path: path.to_owned(),
            stage: self.stage.clone(),
            query: parts.uri.query().unwrap_or_default().to_owned(),
            headers,
            body: if body.is_empty() { None } else { Some(String::from_utf8_lossy(&body).into_owned()) },
            request_id: format!("local-{:06}", self.requests.fetch_add(1, Ordering::Relaxed)),
        };
        let reply = match (incoming.method.as_str(), incoming.path.as_str()) {
            ("OPTIONS", _) => cors_preflight(),
            ("POST", "/link") => self.iam_route(&incoming, &parts.uri, &body, &self.functions.link).await,
            ("GET", "/iam/whoami") => self.iam_route(&incoming, &parts.uri, &body, &self.functions.whoami).await,
            ("GET", "/whoami") => self.authorized_route(&incoming).await,
            _ => gateway_error(403, "Missing Authentication Token"),
        };
        eprintln!("local-gateway: {} {} -> {}", incoming.method, full_path, reply.status().as_u16());
        reply
    }

    /// `AWS_IAM` auth: the SigV4 signature must verify with the secret of Cognito-issued
    /// credentials; the function then sees the caller's Cognito identity.
    async fn iam_route(
        &self,
        incoming: &IncomingRequest,
        uri: &hyper::Uri,
        body: &[u8],
        function: &Mutex<LambdaProcess>,
    ) -> Reply {
        let Some(authorization) = incoming.header("authorization") else {
            return gateway_error(403, SignatureError::Missing.to_string().as_str());
        };
        let auth = match parse_authorization(authorization) {
            Ok(auth) => auth,
            Err(err) => return gateway_error(403, &err.to_string()),
        };
        let Some(issued) = self.issued_credentials(&auth.access_key_id).await else {
            return gateway_error(403, &SignatureError::UnknownKey.to_string());
        };
        let host = incoming.header("host").unwrap_or("127.0.0.1");
        let url = format!("http://{host}{}", uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"));
        let lower_headers: Vec<(String, String)> =
            incoming.headers.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.clone())).collect();
        let received = ReceivedRequest { method: &incoming.method, url: &url, headers: &lower_headers, body };
        let secret = issued["secretKey"].as_str().unwrap_or_default();
        let token = issued["sessionToken"].as_str();
        if incoming.header("x-amz-security-token") != token {
            return gateway_error(403, &SignatureError::UnknownKey.to_string());
        }
        if let Err(err) = verify_signature(&received, &auth, secret, token, SystemTime::now()) {
            return gateway_error(403, &err.to_string());
        }
        let identity = iam_identity(&issued, &auth.access_key_id, incoming.header("user-agent"));
        let event = incoming.proxy_event(identity, None);
        proxy_reply(function.lock().await.invoke(&event).await)
    }

    /// Lambda authorizer (REQUEST, `Authorization` header) then the function with its context.
    async fn authorized_route(&self, incoming: &IncomingRequest) -> Reply {
        if incoming.header("authorization").is_none() {
            // API Gateway answers 401 itself when the identity source is missing.
            return gateway_error(401, "Unauthorized");
        }
        let answer = self.functions.authorizer.lock().await.invoke(&incoming.authorizer_event(&self.region)).await;
        let answer = match answer {
            InvokeOutcome::Response(answer) => answer,
            InvokeOutcome::Error { error_message, .. } if error_message == "Unauthorized" => {
                return gateway_error(401, "Unauthorized");
            }
            InvokeOutcome::Error { .. } => return gateway_error(500, "Internal server error"),
        };
        match evaluate(&answer, &incoming.method_arn(&self.region)) {
            PolicyDecision::Deny => gateway_error(403, "User is not authorized to access this resource"),
            PolicyDecision::Allow { principal_id, context } => {
                let identity = json!({"sourceIp": "127.0.0.1", "userAgent": incoming.header("user-agent")});
                let event = incoming.proxy_event(identity, Some(authorizer_context(&principal_id, &context)));
                proxy_reply(self.functions.whoami.lock().await.invoke(&event).await)
            }
        }
    }

    async fn issued_credentials(&self, access_key_id: &str) -> Option<Value> {
        if !access_key_id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return None;
        }
        let uri = format!("{}/_emulator/credentials/{access_key_id}", self.emulator_url).parse().ok()?;
        let response = self.http.get(uri).await.ok()?;
        if response.status() != StatusCode::OK {
            return None;
        }
        let body = response.into_body().collect().await.ok()?.to_bytes();
        let issued: Value = serde_json::from_slice(&body).ok()?;
        let expiration = issued["expiration"].as_u64().unwrap_or(0);
        let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_secs();
        (expiration > now).then_some(issued)
    }
}

/// A proxy integration response turned into HTTP, as API Gateway does.
fn proxy_reply(outcome: InvokeOutcome) -> Reply {
    let InvokeOutcome::Response(response) = outcome else {
        return gateway_error(502, "Internal server error");
    };
    let Some(status) = response["statusCode"].as_u64().and_then(|s| u16::try_from(s).ok()) else {
        return gateway_error(502, "Internal server error");
    };
    let mut builder = Response::builder().status(status);
    if let Some(headers) = response["headers"].as_object() {
        for (k, v) in headers {
            if let Some(v) = v.as_str() {
                builder = builder.header(k, v);
            }
        }
    }
    if let Some(headers) = response["multiValueHeaders"].as_object() {
        for (k, values) in headers {
            for v in values.as_array().into_iter().flatten().filter_map(Value::as_str) {
                builder = builder.header(k, v);
            }
        }
    }
    let body = response["body"].as_str().unwrap_or_default().to_owned();
    builder.body(Full::new(Bytes::from(body))).unwrap_or_else(|_| gateway_error(502, "Internal server error"))
}

fn cors_preflight() -> Reply {
    Response::builder()
        .status(200)
        .header("access-control-allow-origin", "*")
        .header("access-control-allow-methods", "GET,POST,OPTIONS")
        .header(
            "access-control-allow-headers",
            "authorization,content-type,x-amz-date,x-amz-security-token,x-amz-content-sha256",
        )
        .body(Full::new(Bytes::new()))
        .expect("static response")
}
