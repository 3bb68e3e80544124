//! The link Lambda's entry point: read config, build clients, serve.

use aws_sdk_cognitoidentity as identity;
use aws_sdk_cognitoidentityprovider as idp;
use lambda_http::{Error, Request, run, service_fn};
use link::cognito_calls::{CognitoCalls, load_sdk_config};
use link::{LinkConfig, LinkService, handle_link};
use token_verifier::CognitoJwtVerifier;

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
    let sdk = load_sdk_config().await;
    let cognito = CognitoCalls::new(
        identity::Client::new(&sdk),
        idp::Client::new(&sdk),
        config.identity_pool_id.clone(),
        config.verifier.user_pool_id.clone(),
        config.verifier.identity_provider_name(),
    );
    let service = LinkService {
        verifier: CognitoJwtVerifier::new(config.verifier),
        cognito,
        identity_pool_id: config.identity_pool_id,
    };
    let service = &service;
    run(service_fn(move |request: Request| async move { Ok::<_, Error>(handle_link(service, request).await) })).await
}
