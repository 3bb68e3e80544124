//! The whoami Lambda's entry point.

use lambda_http::{Error, Request, run, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_foundation::logging::init_json_logging();
    run(service_fn(|request: Request| async { Ok::<_, Error>(whoami::whoami(request).await) })).await
}
