//! The whoami Lambda's entry point.

use lambda_foundation::cors::{AllowedOrigins, ORIGIN_HEADER, with_allowed_origin};
use lambda_http::{Error, Request, run, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_foundation::logging::init_json_logging();
    let allowed_origin =
        lambda_foundation::config_or_exit(AllowedOrigins::from_lookup(&|name| std::env::var(name).ok()));
    let allowed_origin = allowed_origin.as_ref();
    // The browser app's origins may read the answer (API Gateway adds nothing to it).
    run(service_fn(move |request: Request| async move {
        let origin = request.headers().get(ORIGIN_HEADER).cloned();
        Ok::<_, Error>(with_allowed_origin(allowed_origin, origin.as_ref(), whoami::whoami(request).await))
    }))
    .await
}
