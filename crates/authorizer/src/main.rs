//! The authorizer Lambda's entry point: read config, build clients, serve.

use authorizer::sdk_config::load_sdk_config;
use authorizer::{Authorizer, AuthorizerConfig, AuthorizerRequest};
use lambda_runtime::{Diagnostic, LambdaEvent, run, service_fn};
use token_verifier::{CognitoJwtVerifier, unix_now};

/// Crates that log request or event bodies (which hold the token) at their most
/// verbose levels; they are held at `info` whatever `RUST_LOG` asks for.
const BODY_LOGGING_TARGETS: &[&str] = &["lambda_runtime", "aws_smithy_runtime", "aws_smithy_runtime_api", "hyper"];

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    init_logging();
    let config = match AuthorizerConfig::from_env() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("{err}");
            std::process::exit(1);
        }
    };
    let sdk = load_sdk_config(&config).await;
    let verifier = CognitoJwtVerifier::new(config.verifier.clone());
    let authorizer = Authorizer::new(config, verifier, aws_sdk_cognitoidentity::Client::new(&sdk));
    let authorizer = &authorizer;
    // Each event is deserialized straight into the few fields the authorizer reads.
    run(service_fn(move |event: LambdaEvent<AuthorizerRequest>| async move {
        authorizer.authorize_request(&event.payload, unix_now()).await.map_err(Diagnostic::from)
    }))
    .await
}

/// JSON lines (CloudWatch parses them), level from `RUST_LOG` (default `info`), with the
/// invocation's request id from the runtime's span.
fn init_logging() {
    use tracing_subscriber::EnvFilter;
    use tracing_subscriber::filter::LevelFilter;

    let mut filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    if filter.max_level_hint().is_none_or(|max| max > LevelFilter::INFO) {
        for target in BODY_LOGGING_TARGETS {
            if let Ok(directive) = format!("{target}=info").parse() {
                filter = filter.add_directive(directive);
            }
        }
    }
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(true)
        .with_span_list(false)
        .without_time()
        .init();
}
