//! The Pre Token Generation trigger's entry point: no configuration and no AWS client,
//! so start-up is the runtime's own.

use lambda_runtime::{LambdaEvent, run, service_fn};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_foundation::logging::init_json_logging();
    run(service_fn(|event: LambdaEvent<Value>| async move {
        let mut payload = event.payload;
        let outcome = pre_token::answer(&mut payload);
        // The outcome only: never the user's name, attributes or ids.
        tracing::info!(outcome = outcome.as_str(), "pre token generation");
        Ok::<_, lambda_runtime::Error>(payload)
    }))
    .await
}
