//! `local-gateway`: the REST API of `template.yaml`, locally, for the demo.
//!
//! It starts `link`, `authorizer` and `whoami` as real Lambda processes (each under a
//! local Lambda runtime API) and answers HTTP on a loopback port the way the deployed
//! API does (routes in `routes.rs`): `POST /<stage>/link` and `GET /<stage>/iam/whoami`
//! check the SigV4 signature of Cognito identity pool credentials and pass the caller's
//! IAM identity; `GET /<stage>/whoami`, `/scoped/whoami` and `/admin/whoami` go through
//! the Lambda authorizer (REQUEST), whose answer is cached per `Authorization` header for
//! `--authorizer-cache-ttl` seconds as API Gateway caches it, and get its context;
//! preflights and the gateway's own errors carry the template's CORS headers. With
//! `--web-dir` it also serves the built web app on a second loopback port, its own
//! browser origin. The Cognito side is the local Cognito emulator (`AWS_ENDPOINT_URL`).
//!
//! ```text
//! local-gateway --bin-dir target/debug [--port 0] [--stage prod] [--ready-file F] [--logs-dir D]
//!               [--web-dir web/dist --web-port 0 --web-ready-file F] [--allowed-origin O]
//!               [--authorizer-cache-ttl 300]
//! ```
//! Functions get this process's `USER_POOL_ID`, `USER_POOL_CLIENT_IDS`, `IDENTITY_POOL_ID`,
//! `DIRECTORY_TABLE`, `REQUIRE_LINKED`, `TOKEN_USE`, `ROUTE_SCOPES`, `ROUTE_GROUPS`,
//! `AUTHORIZER_RESPONSE`, `TRUST_TOKEN_IDENTITY_ID`, `IDENTITY_CACHE_TTL_SECONDS`, `AWS_*`
//! and `RUST_LOG`.
//!
//! Each request logs one line to stderr, `local-gateway: GET /prod/whoami -> 200`, ending
//! in ` authorizer=invoked` or ` authorizer=cached` on the authorizer's routes.

mod authorizer_cache;
mod authorizer_policy;
mod cors;
mod gateway;
mod gateway_events;
mod routes;
mod sigv4_check;
mod static_files;

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use http_body_util::Full;
use hyper::Response;
use hyper::body::Bytes;
use hyper_util::rt::{TokioExecutor, TokioIo};
use lambda_foundation::cors::AllowedOrigins;
use lambda_process::LambdaProcess;
use tokio::net::TcpListener;
use tokio::sync::Mutex;

use cors::{CorsPolicy, DEFAULT_ALLOWED_ORIGIN};
use gateway::{Functions, Gateway, GatewaySettings};
use routes::{DEFAULT_AUTHORIZER_CACHE_TTL, MAX_AUTHORIZER_CACHE_TTL};

const FUNCTION_ENV: &[&str] = &[
    "USER_POOL_ID",
    "USER_POOL_CLIENT_IDS",
    "IDENTITY_POOL_ID",
    "DIRECTORY_TABLE",
    "REQUIRE_LINKED",
    "TOKEN_USE",
    "ROUTE_SCOPES",
    "ROUTE_GROUPS",
    "AUTHORIZER_RESPONSE",
    "TRUST_TOKEN_IDENTITY_ID",
    "IDENTITY_CACHE_TTL_SECONDS",
    "AWS_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "RUST_LOG",
];

/// The command line.
#[derive(Debug, Parser)]
#[command(name = "local-gateway", about = "The stack's REST API on loopback, for the demo and the browser tests")]
struct Args {
    /// The folder with the built link, authorizer and whoami binaries.
    #[arg(long)]
    bin_dir: PathBuf,
    /// Loopback port of the API (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// The API stage, first path segment of every URL.
    #[arg(long, default_value = "prod")]
    stage: String,
    /// Write the API's base URL here once it listens.
    #[arg(long)]
    ready_file: Option<PathBuf>,
    /// Write each function's logs here on exit.
    #[arg(long)]
    logs_dir: Option<PathBuf>,
    /// Serve this folder (the built web app) on its own port.
    #[arg(long)]
    web_dir: Option<PathBuf>,
    /// Loopback port of the web app (0 picks a free one).
    #[arg(long, default_value_t = 0, requires = "web_dir")]
    web_port: u16,
    /// Write the web app's URL here once it listens.
    #[arg(long, requires = "web_dir")]
    web_ready_file: Option<PathBuf>,
    /// The stack's `AllowedOrigin`; default: the web app's own origin with `--web-dir`,
    /// else the template's default.
    #[arg(long, value_parser = AllowedOrigins::parse)]
    allowed_origin: Option<AllowedOrigins>,
    /// Seconds the Lambda authorizer's answer is cached per `Authorization` header, as
    /// the stack's `AuthorizerCacheTtl` (its default); 0 disables the cache.
    #[arg(long, value_name = "SECONDS", default_value_t = DEFAULT_AUTHORIZER_CACHE_TTL,
          value_parser = clap::value_parser!(u64).range(0..=MAX_AUTHORIZER_CACHE_TTL))]
    authorizer_cache_ttl: u64,
}

fn fail(message: String) -> ! {
    eprintln!("local-gateway: {message}");
    std::process::exit(1)
}

/// An origin the gateway derives itself (the web app's, or the template's default).
fn origin(text: &str) -> AllowedOrigins {
    AllowedOrigins::parse(text).unwrap_or_else(|reason| fail(format!("{text} is not a usable origin: {reason}")))
}

async fn listen(port: u16) -> TcpListener {
    TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap_or_else(|e| fail(format!("cannot listen on 127.0.0.1:{port}: {e}")))
}

fn write_ready_file(path: &std::path::Path, url: &str) {
    let tmp = path.with_extension("tmp");
    if std::fs::write(&tmp, url).and_then(|_| std::fs::rename(&tmp, path)).is_err() {
        fail(format!("cannot write {}", path.display()));
    }
}

/// Serves HTTP/1 and HTTP/2 on `listener`, each request answered by `answer`.
async fn serve<F, Fut>(listener: TcpListener, answer: F)
where
    F: Fn(hyper::Request<hyper::body::Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Response<Full<Bytes>>> + Send + 'static,
{
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let answer = answer.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let reply = answer(request);
                async move { Ok::<_, std::convert::Infallible>(reply.await) }
            });
            let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let emulator_url = std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| {
        eprintln!("local-gateway: AWS_ENDPOINT_URL (the local Cognito) is not set");
        std::process::exit(2)
    });
    let region = std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".into());

    let web = match &args.web_dir {
        Some(dir) if !dir.join("index.html").is_file() => {
            eprintln!("local-gateway: {} has no index.html (build the web app first)", dir.display());
            std::process::exit(2)
        }
        Some(dir) => Some((dir.clone(), listen(args.web_port).await)),
        None => None,
    };
    let web_origin = web.as_ref().map(|(_, l)| format!("http://{}", l.local_addr().expect("bound address")));
    let allowed_origin = match (&args.allowed_origin, &web_origin) {
        (Some(origin), _) => origin.clone(),
        (None, Some(web)) => origin(web),
        (None, None) => origin(DEFAULT_ALLOWED_ORIGIN),
    };

    let mut env: Vec<(String, String)> =
        FUNCTION_ENV.iter().filter_map(|k| std::env::var(k).ok().map(|v| (k.to_string(), v))).collect();
    // As the template does: the functions' own answers name the same origin the gateway's
    // preflights and errors do.
    env.push(("ALLOWED_ORIGIN".to_owned(), allowed_origin.as_str().to_owned()));
    let path = |name: &str| args.bin_dir.join(name).display().to_string();
    let start = |name: &'static str| {
        let env = &env;
        let binary = path(name);
        async move {
            LambdaProcess::start_named(&binary, name, env)
                .await
                .unwrap_or_else(|why| fail(format!("cannot start the {name} function: {why}")))
        }
    };
    let functions = Functions {
        link: Mutex::new(start("link").await),
        authorizer: Mutex::new(start("authorizer").await),
        whoami: Mutex::new(start("whoami").await),
    };
    let settings = GatewaySettings {
        stage: args.stage.clone(),
        region,
        emulator_url,
        cors: CorsPolicy { allowed_origin },
        authorizer_cache_ttl: Duration::from_secs(args.authorizer_cache_ttl),
    };
    let gateway = Arc::new(Gateway::new(functions, settings));

    let listener = listen(args.port).await;
    let url = format!("http://{}/{}", listener.local_addr().expect("bound address"), args.stage);
    if let Some(path) = &args.ready_file {
        write_ready_file(path, &url);
    }
    println!("READY {url}");
    let api = {
        let gateway = gateway.clone();
        serve(listener, move |request| {
            let gateway = gateway.clone();
            async move { gateway.handle(request).await }
        })
    };
    let site = async move {
        let Some((dir, listener)) = web else { return std::future::pending().await };
        let web_url = format!("{}/", web_origin.expect("web origin"));
        if let Some(path) = &args.web_ready_file {
            write_ready_file(path, &web_url);
        }
        println!("WEB {web_url}");
        let dir = Arc::new(dir);
        serve(listener, move |request| {
            let dir = dir.clone();
            async move { static_files::serve(&dir, request.method(), request.uri().path()).await }
        })
        .await
    };

    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM");
    tokio::select! {
        _ = api => {}
        _ = site => {}
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
    if let Some(dir) = &args.logs_dir {
        for (name, function) in [
            ("link", &gateway.functions.link),
            ("authorizer", &gateway.functions.authorizer),
            ("whoami", &gateway.functions.whoami),
        ] {
            let _ = std::fs::write(dir.join(format!("{name}.log")), function.lock().await.logs());
        }
    }
}
