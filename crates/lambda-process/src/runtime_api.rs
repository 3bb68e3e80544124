//! The Lambda Runtime API on a loopback port: the endpoints a function binary's runtime
//! client polls and answers (`/invocation/next`, `/invocation/<id>/response` and
//! `/error`, `/init/error`), with a queue of events and a waiter per invocation.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::{Notify, oneshot};

/// What an invocation produced.
#[derive(Debug, Clone, PartialEq)]
pub enum InvokeOutcome {
    /// The function's response document.
    Response(Value),
    /// The function reported an error (`/invocation/<id>/error`).
    Error {
        /// `errorType` of the report.
        error_type: String,
        /// `errorMessage` of the report.
        error_message: String,
    },
}

impl InvokeOutcome {
    /// The response, or a panic naming the error.
    pub fn response(self) -> Value {
        match self {
            InvokeOutcome::Response(value) => value,
            other => panic!("expected a response, got {other:?}"),
        }
    }
}

/// The outcome of one invocation, with the time from the function taking the event to
/// its answer.
pub(crate) type Answered = (InvokeOutcome, Duration);

/// Who waits for an invocation's answer, and when the function took its event.
struct Waiter {
    answer: oneshot::Sender<Answered>,
    taken_at: Option<Instant>,
}

#[derive(Default)]
struct RuntimeState {
    queue: VecDeque<(String, Value)>,
    waiting: HashMap<String, Waiter>,
    first_poll: Option<Instant>,
    init_error: Option<String>,
}

/// One function's runtime API: its queue of events and who waits for which answer.
pub(crate) struct Runtime {
    state: Mutex<RuntimeState>,
    queued: Notify,
}

impl Runtime {
    /// A runtime API with nothing queued.
    pub(crate) fn new() -> Arc<Runtime> {
        Arc::new(Runtime { state: Mutex::new(RuntimeState::default()), queued: Notify::new() })
    }

    /// Queues `event` as invocation `id`; its outcome arrives on the receiver.
    pub(crate) fn enqueue(&self, id: String, event: Value) -> oneshot::Receiver<Answered> {
        let (tx, rx) = oneshot::channel();
        {
            let mut state = self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            state.waiting.insert(id.clone(), Waiter { answer: tx, taken_at: None });
            state.queue.push_back((id, event));
        }
        self.queued.notify_waiters();
        rx
    }

    /// When the function first polled for an event.
    pub(crate) fn first_poll(&self) -> Option<Instant> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner).first_poll
    }

    /// The body of the function's `/init/error` report, if it sent one.
    pub(crate) fn init_error(&self) -> Option<String> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner).init_error.clone()
    }
}

/// Serves the runtime API on `listener` until the task is aborted.
pub(crate) async fn serve(listener: TcpListener, runtime: Arc<Runtime>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else { return };
        let runtime = runtime.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| handle(runtime.clone(), request));
            let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn handle(runtime: Arc<Runtime>, request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = request.uri().path().to_owned();
    let body = request.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let reply = |status: StatusCode, body: Bytes| {
        let mut response = Response::new(Full::new(body));
        *response.status_mut() = status;
        Ok(response)
    };
    if path == "/2018-06-01/runtime/invocation/next" {
        let (id, event) = loop {
            let notified = runtime.queued.notified();
            {
                let mut state = runtime.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                state.first_poll.get_or_insert_with(Instant::now);
                if let Some((id, event)) = state.queue.pop_front() {
                    if let Some(waiter) = state.waiting.get_mut(&id) {
                        waiter.taken_at = Some(Instant::now());
                    }
                    break (id, event);
                }
            }
            notified.await;
        };
        let deadline =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_millis() + 30_000;
        let mut response = Response::new(Full::new(Bytes::from(event.to_string())));
        let headers = response.headers_mut();
        // The id is ours ("req-" and digits) and the rest are ASCII constants: every value
        // is a valid header value.
        for (name, value) in [
            ("content-type", "application/json".to_owned()),
            ("lambda-runtime-aws-request-id", id),
            ("lambda-runtime-deadline-ms", deadline.to_string()),
            ("lambda-runtime-invoked-function-arn", "arn:aws:lambda:us-east-1:123456789012:function:local".to_owned()),
            ("lambda-runtime-trace-id", "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1".to_owned()),
        ] {
            if let Ok(value) = hyper::header::HeaderValue::from_str(&value) {
                headers.insert(name, value);
            }
        }
        return Ok(response);
    }
    if path == "/2018-06-01/runtime/init/error" {
        runtime.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner).init_error =
            Some(String::from_utf8_lossy(&body).into_owned());
        return reply(StatusCode::ACCEPTED, Bytes::new());
    }
    let Some(rest) = path.strip_prefix("/2018-06-01/runtime/invocation/") else {
        return reply(StatusCode::NOT_FOUND, Bytes::new());
    };
    let Some((id, kind)) = rest.split_once('/') else { return reply(StatusCode::NOT_FOUND, Bytes::new()) };
    let outcome = match kind {
        "response" => InvokeOutcome::Response(serde_json::from_slice(&body).unwrap_or(Value::Null)),
        "error" => {
            let report: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            InvokeOutcome::Error {
                error_type: report["errorType"].as_str().unwrap_or_default().to_owned(),
                error_message: report["errorMessage"].as_str().unwrap_or_default().to_owned(),
            }
        }
        _ => return reply(StatusCode::NOT_FOUND, Bytes::new()),
    };
    if let Some(waiter) = runtime.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner).waiting.remove(id) {
        let took = waiter.taken_at.map(|taken| taken.elapsed()).unwrap_or_default();
        let _ = waiter.answer.send((outcome, took));
    }
    reply(StatusCode::ACCEPTED, Bytes::new())
}
