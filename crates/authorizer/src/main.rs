//! The authorizer Lambda's entry point: read config, build clients, serve.

// clippy computes the layout of `main`'s future (the runtime, the authorizer and the
// SDK clients nested inside it), which is deeper than the default query limit of 128.
#![recursion_limit = "256"]

use authorizer::{Authorizer, AuthorizerConfig, AuthorizerRequest};
use lambda_foundation::logging::init_json_logging;
use lambda_foundation::sdk_config::{SdkDeadlines, load_sdk_config};
use lambda_foundation::{config_or_exit, unix_now};
use lambda_runtime::{Diagnostic, LambdaEvent, run, service_fn};
use token_verifier::CognitoJwtVerifier;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    init_json_logging();
    authorizer::metrics::METRICS.install_from_env();
    let config = config_or_exit(AuthorizerConfig::from_env());
    // GetId goes to the identity pool's own region, wherever the function runs.
    let sdk = load_sdk_config(Some(config.identity_pool_id.region()), SdkDeadlines::AUTHORIZER).await;
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
        authorizer.authorize_request(&event.payload, unix_now()).await.map_err(Diagnostic::from)
    }))
    .await
}
