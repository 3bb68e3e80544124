//! The link Lambda's entry point: read config, build clients, serve.

use lambda_foundation::cors::{ALLOW_ORIGIN_HEADER, AllowedOrigin};
use lambda_foundation::logging::init_json_logging;
use lambda_foundation::sdk_config::{SdkDeadlines, load_sdk_config};
use lambda_http::http::HeaderValue;
use lambda_http::{Error, Request, run, service_fn};
use link::{LinkConfig, LinkService, handle_link};

/// Lists the response headers, beyond the CORS-safelisted ones, that a page may read.
const EXPOSE_HEADERS_HEADER: &str = "access-control-expose-headers";

#[tokio::main]
async fn main() -> Result<(), Error> {
    init_json_logging();

    let lookup = |name: &str| std::env::var(name).ok();
    let configured =
        LinkConfig::from_lookup(lookup).and_then(|config| Ok((config, AllowedOrigin::from_lookup(&lookup)?)));
    let (config, allowed_origin) = lambda_foundation::config_or_exit(configured);
    let service = LinkService::new(config, &load_sdk_config(None, SdkDeadlines::API_HANDLER).await);
    let service = &service;
    // The browser app's origin may read every answer, errors included, and the
    // Retry-After of a 429 or 503 (not a header browsers show a page unless listed).
    let allow_origin = allowed_origin.and_then(|origin| origin.as_str().parse::<HeaderValue>().ok());
    let allow_origin = &allow_origin;
    run(service_fn(move |request: Request| async move {
        let mut response = handle_link(service, request).await;
        if let Some(origin) = allow_origin {
            response.headers_mut().insert(ALLOW_ORIGIN_HEADER, origin.clone());
            response.headers_mut().insert(EXPOSE_HEADERS_HEADER, HeaderValue::from_static("Retry-After"));
        }
        Ok::<_, Error>(response)
    }))
    .await
}
