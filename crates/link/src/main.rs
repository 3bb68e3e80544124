//! The link Lambda's entry point: read config, build clients, serve.

use lambda_foundation::cors::{AllowedOrigins, ORIGIN_HEADER, with_allowed_origin};
use lambda_foundation::logging::init_json_logging;
use lambda_foundation::sdk_config::{SdkDeadlines, load_sdk_config};
use lambda_http::{Error, Request, run, service_fn};
use link::{LinkConfig, LinkService, handle_link};

#[tokio::main]
async fn main() -> Result<(), Error> {
    init_json_logging();
    link::metrics::METRICS.install_from_env();

    let lookup = |name: &str| std::env::var(name).ok();
    let configured =
        LinkConfig::from_lookup(lookup).and_then(|config| Ok((config, AllowedOrigins::from_lookup(&lookup)?)));
    let (config, allowed_origin) = lambda_foundation::config_or_exit(configured);
    let service = LinkService::new(config, &load_sdk_config(None, SdkDeadlines::API_HANDLER).await);
    let (service, allowed_origin) = (&service, allowed_origin.as_ref());
    // The browser app's origins may read every answer, errors included, and the
    // Retry-After of a 429 or 503.
    run(service_fn(move |request: Request| async move {
        let origin = request.headers().get(ORIGIN_HEADER).cloned();
        Ok::<_, Error>(with_allowed_origin(allowed_origin, origin.as_ref(), handle_link(service, request).await))
    }))
    .await
}
