//! The whoami Lambda's entry point.

use lambda_foundation::cors::{ALLOW_ORIGIN_HEADER, AllowedOrigin};
use lambda_http::http::HeaderValue;
use lambda_http::{Error, Request, run, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_foundation::logging::init_json_logging();
    let allowed_origin =
        lambda_foundation::config_or_exit(AllowedOrigin::from_lookup(&|name| std::env::var(name).ok()))
            .and_then(|origin| origin.as_str().parse::<HeaderValue>().ok());
    let allowed_origin = &allowed_origin;
    run(service_fn(move |request: Request| async move {
        let mut response = whoami::whoami(request).await;
        // The browser app's origin may read the answer (API Gateway adds nothing to it).
        if let Some(origin) = allowed_origin {
            response.headers_mut().insert(ALLOW_ORIGIN_HEADER, origin.clone());
        }
        Ok::<_, Error>(response)
    }))
    .await
}
