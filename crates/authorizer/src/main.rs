//! The authorizer Lambda's entry point: read config, build clients, serve.

// clippy computes the layout of `main`'s future (the runtime, the authorizer and the
// SDK clients nested inside it), which is deeper than the default query limit of 128.
#![recursion_limit = "256"]

use std::sync::Once;

use authorizer::{Authorizer, AuthorizerConfig, AuthorizerRequest, Deadline, invocation_budget, sdk_deadlines};
use lambda_foundation::logging::init_json_logging;
use lambda_foundation::sdk_config::load_sdk_config;
use lambda_foundation::{config_or_exit, unix_now};
use lambda_runtime::{Diagnostic, LambdaEvent, run, service_fn};
use token_verifier::CognitoJwtVerifier;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    init_json_logging();
    authorizer::metrics::METRICS.install_from_env();
    let config = config_or_exit(AuthorizerConfig::from_env());
    // GetId goes to the identity pool's own region, wherever the function runs; no SDK
    // call waits longer than the request's budget.
    let sdk = load_sdk_config(Some(config.identity_pool_id.region()), sdk_deadlines(config.deadline)).await;
    let verifier = CognitoJwtVerifier::new(config.verifier.clone());
    let directory = (config.directory_table.clone())
        .map(|table| directory::IdentityDirectory::new(aws_sdk_dynamodb::Client::new(&sdk), table));
    let mut authorizer = Authorizer::new(config, verifier, aws_sdk_cognitoidentity::Client::new(&sdk));
    if let Some(directory) = directory {
        authorizer = authorizer.with_directory(directory);
    }
    let authorizer = &authorizer;
    // Each event is deserialized straight into the few fields the authorizer reads.
    run(service_fn(move |event: LambdaEvent<AuthorizerRequest>| async move {
        let deadline = Deadline::starting_now(budget_for(authorizer, event.context.deadline));
        authorizer.authorize_within(&event.payload, unix_now(), deadline).await.map_err(Diagnostic::from)
    }))
    .await
}

/// The budget of one invocation: the configured one, cut to Lambda's own deadline for
/// it (`function_deadline_ms`) when that comes sooner; said once per instance, since it
/// means `AUTHORIZER_DEADLINE_MS` is not below the function's timeout.
fn budget_for(authorizer: &Authorizer, function_deadline_ms: u64) -> std::time::Duration {
    static SAID: Once = Once::new();
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| u64::try_from(since.as_millis()).unwrap_or(u64::MAX));
    let (budget, cut) = invocation_budget(authorizer.budget(), function_deadline_ms, now_ms);
    if cut {
        SAID.call_once(|| {
            tracing::warn!(
                configured_ms = u64::try_from(authorizer.budget().as_millis()).unwrap_or(u64::MAX),
                budget_ms = u64::try_from(budget.as_millis()).unwrap_or(u64::MAX),
                "AUTHORIZER_DEADLINE_MS is not below the function's timeout: requests get what Lambda leaves"
            )
        });
    }
    budget
}
