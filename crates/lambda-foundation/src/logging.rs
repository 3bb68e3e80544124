//! JSON log lines for the functions, one set-up for all of them.
//!
//! At `debug` and `trace`, the Lambda runtime writes every event whole ("raw JSON event
//! received from Lambda"), and the AWS SDK and hyper write requests and responses: a link
//! body carries an id token, a `GetId` request carries it in `Logins`, an authorizer event
//! carries it in a header. Whatever `RUST_LOG` asks for, events from those crates above
//! `info` are dropped here, so turning on tracing to debug production never puts a token
//! into CloudWatch. Our own crates never log a body or a token at any level.

use tracing::{Level, Metadata};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::{FilterExt, filter_fn};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Layer, fmt};

/// Target prefixes of the crates that log request, response or event bodies at their
/// most verbose levels. A target matches when it starts with one of these.
pub const BODY_LOGGING_TARGETS: &[&str] =
    &["lambda_runtime", "lambda_http", "aws_smithy", "aws_sdk_", "aws_config", "hyper", "h2", "rustls", "tower"];

/// True for an event that may carry a body (a token): above `info` in one of the
/// [`BODY_LOGGING_TARGETS`].
pub fn may_carry_a_body(metadata: &Metadata<'_>) -> bool {
    *metadata.level() > Level::INFO && BODY_LOGGING_TARGETS.iter().any(|prefix| metadata.target().starts_with(prefix))
}

/// Installs the process's subscriber: JSON lines (CloudWatch parses them), no timestamp
/// (Lambda adds its own), the invocation's request id from the runtime's span, the
/// level from `RUST_LOG` (default `info`), and never a body (see the module doc).
pub fn init_json_logging() {
    let env_filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let layer = fmt::layer()
        .json()
        .with_current_span(true)
        .with_span_list(false)
        .without_time()
        .with_filter(env_filter.and(filter_fn(|metadata| !may_carry_a_body(metadata))));
    // A second call (tests running several functions in one process) keeps the first.
    let _ = tracing_subscriber::registry().with(layer).try_init();
}
