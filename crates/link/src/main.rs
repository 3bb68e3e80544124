//! The link Lambda's entry point: read config, build clients, serve.

use lambda_foundation::logging::init_json_logging;
use lambda_foundation::sdk_config::{SdkDeadlines, load_sdk_config};
use lambda_http::{Error, Request, run, service_fn};
use link::{LinkConfig, LinkService, handle_link};

#[tokio::main]
async fn main() -> Result<(), Error> {
    init_json_logging();

    let config = match LinkConfig::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("{err}");
            std::process::exit(1);
        }
    };
    let service = LinkService::new(config, &load_sdk_config(None, SdkDeadlines::API_HANDLER).await);
    let service = &service;
    run(service_fn(move |request: Request| async move { Ok::<_, Error>(handle_link(service, request).await) })).await
}
