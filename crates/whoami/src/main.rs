//! The whoami Lambda's entry point.

use lambda_http::{Error, Request, run, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .without_time()
        .init();
    run(service_fn(|request: Request| async { Ok::<_, Error>(whoami::whoami(request).await) })).await
}
