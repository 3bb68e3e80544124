//! `local-gateway`: the REST API of `template.yaml`, locally, for the demo.
//!
//! It starts `link`, `authorizer` and `whoami` as real Lambda processes (each under a
//! local Lambda runtime API) and answers HTTP on a loopback port the way the deployed
//! API does: `POST /<stage>/link` checks the SigV4 signature of Cognito identity pool
//! credentials and passes the caller's IAM identity; other routes go through the
//! Lambda authorizer (REQUEST) and get its context. The Cognito side is the local
//! Cognito emulator (`AWS_ENDPOINT_URL`).
//!
//! ```text
//! local-gateway --bin-dir target/debug [--port 0] [--stage prod] [--ready-file F] [--logs-dir D]
//! ```
//! Functions get this process's `USER_POOL_ID`, `USER_POOL_CLIENT_IDS`, `IDENTITY_POOL_ID`,
//! `REQUIRE_LINKED`, `AWS_*` and `RUST_LOG`.

mod authorizer_policy;
mod gateway;
mod gateway_events;
mod sigv4_check;

use std::sync::Arc;

use hyper_util::rt::{TokioExecutor, TokioIo};
use test_support::lambda_process::LambdaProcess;
use tokio::sync::Mutex;

use gateway::{Functions, Gateway};

const FUNCTION_ENV: &[&str] = &[
    "USER_POOL_ID",
    "USER_POOL_CLIENT_IDS",
    "IDENTITY_POOL_ID",
    "REQUIRE_LINKED",
    "AUTHORIZER_RESPONSE",
    "AWS_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "RUST_LOG",
];

struct Args {
    bin_dir: String,
    port: u16,
    stage: String,
    ready_file: Option<String>,
    logs_dir: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args { bin_dir: String::new(), port: 0, stage: "prod".into(), ready_file: None, logs_dir: None };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--bin-dir" => args.bin_dir = value()?,
            "--port" => args.port = value()?.parse().map_err(|_| "--port must be a number".to_string())?,
            "--stage" => args.stage = value()?,
            "--ready-file" => args.ready_file = Some(value()?),
            "--logs-dir" => args.logs_dir = Some(value()?),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if args.bin_dir.is_empty() {
        return Err("--bin-dir is required (the folder with the link, authorizer and whoami binaries)".into());
    }
    Ok(args)
}

#[tokio::main]
async fn main() {
    let args = parse_args().unwrap_or_else(|e| {
        eprintln!("local-gateway: {e}");
        std::process::exit(2)
    });
    let emulator_url = std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| {
        eprintln!("local-gateway: AWS_ENDPOINT_URL (the local Cognito) is not set");
        std::process::exit(2)
    });
    let region = std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".into());
    let env: Vec<(String, String)> =
        FUNCTION_ENV.iter().filter_map(|k| std::env::var(k).ok().map(|v| (k.to_string(), v))).collect();
    let path = |name: &str| format!("{}/{name}", args.bin_dir);
    let functions = Functions {
        link: Mutex::new(LambdaProcess::start_named(&path("link"), "link", &env).await),
        authorizer: Mutex::new(LambdaProcess::start_named(&path("authorizer"), "authorizer", &env).await),
        whoami: Mutex::new(LambdaProcess::start_named(&path("whoami"), "whoami", &env).await),
    };
    let gateway = Arc::new(Gateway::new(functions, args.stage.clone(), region, emulator_url));

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port)).await.unwrap_or_else(|e| {
        eprintln!("local-gateway: cannot listen on 127.0.0.1:{}: {e}", args.port);
        std::process::exit(1)
    });
    let url = format!("http://{}/{}", listener.local_addr().expect("bound address"), args.stage);
    if let Some(path) = &args.ready_file {
        let tmp = format!("{path}.tmp");
        if std::fs::write(&tmp, &url).and_then(|_| std::fs::rename(&tmp, path)).is_err() {
            eprintln!("local-gateway: cannot write {path}");
            std::process::exit(1);
        }
    }
    println!("READY {url}");

    let serve = {
        let gateway = gateway.clone();
        async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                let gateway = gateway.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let gateway = gateway.clone();
                        async move { Ok::<_, std::convert::Infallible>(gateway.handle(request).await) }
                    });
                    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        }
    };
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM");
    tokio::select! {
        _ = serve => {}
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
    if let Some(dir) = &args.logs_dir {
        for (name, function) in [
            ("link", &gateway.functions.link),
            ("authorizer", &gateway.functions.authorizer),
            ("whoami", &gateway.functions.whoami),
        ] {
            let _ = std::fs::write(format!("{dir}/{name}.log"), function.lock().await.logs());
        }
    }
}
