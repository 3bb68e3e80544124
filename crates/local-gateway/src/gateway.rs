//! Routing, as the deployed REST API does it (the table is [`crate::routes::ROUTES`]):
//! `POST /link` and `GET /iam/whoami` with `AWS_IAM`; `GET /whoami`, `/scoped/whoami` and
//! `/admin/whoami` behind the Lambda authorizer (REQUEST, `Authorization` header) with
//! API Gateway's answer cache; CORS preflights on every route and CORS headers on the
//! gateway's own errors.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Bytes;
use hyper::{Response, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use lambda_process::{InvokeFailure, InvokeOutcome, LambdaProcess};
use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::authorizer_cache::{self, AnswerCache, CacheKey};
use crate::authorizer_policy::{AuthorizerAnswer, Decision};
use crate::cors::{CorsPolicy, GatewayResponseType};
use crate::gateway_events::{IncomingRequest, authorizer_context, iam_identity};
use crate::routes::{Auth, Function, IDENTITY_SOURCE_HEADER, Route, Target, target};
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

/// What the local API is set up with: the deployed stack's stage, region and parameters,
/// and where the local Cognito answers.
#[derive(Debug, Clone)]
pub struct GatewaySettings {
    /// The stage, first path segment of every URL.
    pub stage: String,
    /// The region of the API and the pools.
    pub region: String,
    /// The local Cognito emulator, which knows whom credentials were issued to.
    pub emulator_url: String,
    /// The browser origins allowed, as the stack's `AllowedOrigin` list.
    pub cors: CorsPolicy,
    /// How long the Lambda authorizer's answer is cached per identity source, as the
    /// stack's `AuthorizerCacheTtl` (zero: not cached).
    pub authorizer_cache_ttl: Duration,
}

/// The local API.
pub struct Gateway {
    /// The functions behind the routes.
    pub functions: Functions,
    /// What the API is set up with.
    pub settings: GatewaySettings,
    /// Counts requests for request ids.
    requests: AtomicU64,
    /// HTTP client for the emulator.
    http: Client<HttpConnector, Empty<Bytes>>,
    /// The Lambda authorizer's answer cache.
    authorizer_cache: AnswerCache,
}

/// How a request behind the Lambda authorizer was authorized, for its log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AuthorizerUse {
    /// The authorizer function was invoked.
    Invoked,
    /// A cached answer decided the request.
    Cached,
}

impl AuthorizerUse {
    fn as_str(self) -> &'static str {
        match self {
            AuthorizerUse::Invoked => "invoked",
            AuthorizerUse::Cached => "cached",
        }
    }
}

type Reply = Response<Full<Bytes>>;

/// An answer of the gateway itself, tagged with its gateway response type so that
/// [`Gateway::handle`] adds the template's CORS headers for that type.
fn gateway_error_of(kind: GatewayResponseType, status: u16, message: &str) -> Reply {
    let mut reply = Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("x-amzn-errortype", if status == 401 { "UnauthorizedException" } else { "AccessDeniedException" })
        .body(Full::new(Bytes::from(json!({ "message": message }).to_string())))
        .expect("static response");
    reply.extensions_mut().insert(kind);
    reply
}

fn gateway_error(status: u16, message: &str) -> Reply {
    gateway_error_of(GatewayResponseType::of(status, false), status, message)
}

/// The authorizer's policy denies the request: 403 `ACCESS_DENIED`.
fn access_denied(message: &str) -> Reply {
    gateway_error_of(GatewayResponseType::AccessDenied, 403, message)
}

/// Notes for the request's log line how the authorizer was used.
fn tagged(mut reply: Reply, used: AuthorizerUse) -> Reply {
    reply.extensions_mut().insert(used);
    reply
}

impl Gateway {
    /// Creates the gateway around running functions, with an empty answer cache.
    pub fn new(functions: Functions, settings: GatewaySettings) -> Self {
        let authorizer_cache = AnswerCache::new(settings.authorizer_cache_ttl, authorizer_cache::DEFAULT_CAPACITY);
        Gateway {
            functions,
            settings,
            requests: AtomicU64::new(0),
            http: Client::builder(TokioExecutor::new()).build_http(),
            authorizer_cache,
        }
    }

    /// Handles one HTTP request end to end.
    pub async fn handle(&self, request: hyper::Request<hyper::body::Incoming>) -> Reply {
        let (parts, body) = request.into_parts();
        let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
        let full_path = parts.uri.path().to_owned();
        let Some(path) = full_path.strip_prefix(&format!("/{}", self.settings.stage)).filter(|p| p.starts_with('/'))
        else {
            let reply = self.with_cors(gateway_error(403, "Missing Authentication Token"));
            eprintln!("local-gateway: {} {} -> {}", parts.method, full_path, reply.status().as_u16());
            return reply;
        };
        let headers: Vec<(String, String)> = parts
            .headers
            .iter()
            .filter_map(|(k, v)| v.to_str().ok().map(|v| (k.as_str().to_owned(), v.to_owned())))
            .collect();
        let target = target(parts.method.as_str(), path);
        let incoming = IncomingRequest {
            method: parts.method.as_str().to_owned(),
            path: path.to_owned(),
            resource: match target {
                Target::Route(route) => route.path.to_owned(),
                _ => path.to_owned(),
            },
            stage: self.settings.stage.clone(),
            query: parts.uri.query().unwrap_or_default().to_owned(),
            headers,
            body: if body.is_empty() { None } else { Some(String::from_utf8_lossy(&body).into_owned()) },
            request_id: format!("local-{:06}", self.requests.fetch_add(1, Ordering::Relaxed)),
        };
        let reply = match target {
            Target::Preflight => self.cors_preflight(),
            Target::Route(route @ Route { auth: Auth::Iam, .. }) => {
                self.iam_route(&incoming, &parts.uri, &body, self.function(route.function)).await
            }
            Target::Route(route @ Route { auth: Auth::LambdaAuthorizer, .. }) => {
                self.authorized_route(&incoming, self.function(route.function)).await
            }
            Target::Unknown => gateway_error(403, "Missing Authentication Token"),
        };
        let authorizer = reply.extensions().get::<AuthorizerUse>().copied();
        let reply = self.with_cors(reply);
        // One line per request; the authorizer's part lets tests count its invocations.
        // Never a header or a token in it.
        match authorizer {
            Some(used) => eprintln!(
                "local-gateway: {} {} -> {} authorizer={}",
                incoming.method,
                full_path,
                reply.status().as_u16(),
                used.as_str()
            ),
            None => eprintln!("local-gateway: {} {} -> {}", incoming.method, full_path, reply.status().as_u16()),
        }
        reply
    }

    fn function(&self, function: Function) -> &Mutex<LambdaProcess> {
        match function {
            Function::Link => &self.functions.link,
            Function::Whoami => &self.functions.whoami,
        }
    }

    /// The template's CORS headers on the gateway's own errors; the functions' answers
    /// pass as they are (the functions add their own, as deployed: SAM's `Cors` covers
    /// preflights only, and a proxy integration's headers are the function's).
    fn with_cors(&self, mut reply: Reply) -> Reply {
        let Some(kind) = reply.extensions().get::<GatewayResponseType>().copied() else { return reply };
        let extra = self.settings.cors.gateway_response_headers(kind);
        for (name, value) in extra {
            if let Ok(value) = hyper::header::HeaderValue::from_str(&value) {
                reply.headers_mut().insert(name, value);
            }
        }
        reply
    }

    /// SAM's OPTIONS mock integration: 200, empty body, the `Cors` headers.
    fn cors_preflight(&self) -> Reply {
        let mut builder = Response::builder().status(200).header("content-type", "application/json");
        for (name, value) in self.settings.cors.preflight_headers() {
            builder = builder.header(name, value);
        }
        builder.body(Full::new(Bytes::new())).expect("static response")
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
        proxy_reply(function.lock().await.try_invoke(&event).await)
    }

    /// Lambda authorizer (REQUEST, `Authorization` header), or its cached answer, then
    /// the function with the answer's context. See [`crate::authorizer_cache`] for what
    /// is cached and why.
    async fn authorized_route(&self, incoming: &IncomingRequest, function: &Mutex<LambdaProcess>) -> Reply {
        let Some(identity) = incoming.identity_source(IDENTITY_SOURCE_HEADER) else {
            // API Gateway answers 401 itself when an identity source is missing or empty.
            return gateway_error(401, "Unauthorized");
        };
        let key = CacheKey::of(&[identity]);
        let (answer, used) = match self.authorizer_cache.get(&key, Instant::now()) {
            Some(answer) => (answer, AuthorizerUse::Cached),
            None => {
                let invoked_at = Instant::now();
                let event = incoming.authorizer_event(&self.settings.region);
                let outcome = self.functions.authorizer.lock().await.try_invoke(&event).await;
                let answer = match outcome {
                    Ok(InvokeOutcome::Response(value)) => AuthorizerAnswer::parse(&value),
                    Ok(InvokeOutcome::Error { error_message, .. }) if error_message == "Unauthorized" => {
                        return tagged(gateway_error(401, "Unauthorized"), AuthorizerUse::Invoked);
                    }
                    Ok(InvokeOutcome::Error { .. }) => {
                        return tagged(gateway_error(500, "Internal server error"), AuthorizerUse::Invoked);
                    }
                    Err(failure) => {
                        // API Gateway answers an authorizer that crashed or timed out with 500.
                        eprintln!("local-gateway: the authorizer gave no answer: {failure}");
                        return tagged(gateway_error(500, "Internal server error"), AuthorizerUse::Invoked);
                    }
                };
                let answer = match answer {
                    Ok(answer) => Arc::new(answer),
                    Err(why) => {
                        eprintln!("local-gateway: the authorizer's answer is not usable: {why}");
                        return tagged(gateway_error(500, "Internal server error"), AuthorizerUse::Invoked);
                    }
                };
                self.authorizer_cache.insert(key, answer.clone(), invoked_at);
                (answer, AuthorizerUse::Invoked)
            }
        };
        let reply = match answer.decide(&incoming.method_arn(&self.settings.region)) {
            Decision::ExplicitDeny => {
                access_denied("User is not authorized to access this resource with an explicit deny")
            }
            Decision::ImplicitDeny => access_denied("User is not authorized to access this resource"),
            Decision::Allow => {
                let identity = json!({"sourceIp": "127.0.0.1", "userAgent": incoming.header("user-agent")});
                let context = authorizer_context(&answer.principal_id, &answer.context);
                let event = incoming.proxy_event(identity, Some(context));
                proxy_reply(function.lock().await.try_invoke(&event).await)
            }
        };
        tagged(reply, used)
    }

    async fn issued_credentials(&self, access_key_id: &str) -> Option<Value> {
        if !access_key_id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return None;
        }
        let uri = format!("{}/_emulator/credentials/{access_key_id}", self.settings.emulator_url).parse().ok()?;
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
fn proxy_reply(outcome: Result<InvokeOutcome, InvokeFailure>) -> Reply {
    let response = match outcome {
        Ok(InvokeOutcome::Response(response)) => response,
        // A function error, crash or timeout: API Gateway's 502 for a proxy integration.
        Ok(InvokeOutcome::Error { .. }) => return gateway_error(502, "Internal server error"),
        Err(failure) => {
            eprintln!("local-gateway: the function gave no answer: {failure}");
            return gateway_error(502, "Internal server error");
        }
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
