//! The link Lambda's entry point: read config, build clients, serve.

use lambda_http::{Error, Request, run, service_fn};
use link::cognito_calls::load_sdk_config;
use link::{LinkConfig, LinkService, handle_link};

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_current_span(false)
        .without_time()
        .init();

    let config = match LinkConfig::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("{err}");
            std::process::exit(1);
        }
    };
    let service = LinkService::new(config, &load_sdk_config().await);
    let service = &service;
    run(service_fn(move |request: Request| async move { Ok::<_, Error>(handle_link(service, request).await) })).await
}
