//! The AWS SDK settings of the functions: one loader, with the deadlines and retries
//! each function needs given as a value.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};

/// How long a function may wait on AWS, and how often it retries (throttling and 5xx,
/// with exponential backoff), per call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SdkDeadlines {
    /// Attempts per call, the first included.
    pub max_attempts: u32,
    /// The first retry's backoff; later ones grow exponentially, with jitter.
    pub initial_backoff: Duration,
    /// TCP and TLS connection set-up.
    pub connect_timeout: Duration,
    /// One attempt.
    pub attempt_timeout: Duration,
    /// The whole call, retries included.
    pub operation_timeout: Duration,
}

impl SdkDeadlines {
    /// While API Gateway waits on an authorizer (it gives up after 10 s): a slow
    /// dependency ends in the authorizer's own answer within about 3 s.
    pub const AUTHORIZER: SdkDeadlines = SdkDeadlines {
        max_attempts: 3,
        initial_backoff: Duration::from_millis(50),
        connect_timeout: Duration::from_secs(1),
        attempt_timeout: Duration::from_millis(1500),
        operation_timeout: Duration::from_secs(3),
    };

    /// A function behind API Gateway (29 s limit), answering a client that can retry.
    pub const API_HANDLER: SdkDeadlines = SdkDeadlines {
        max_attempts: 3,
        initial_backoff: Duration::from_millis(100),
        connect_timeout: Duration::from_secs(2),
        attempt_timeout: Duration::from_secs(3),
        operation_timeout: Duration::from_secs(8),
    };
}

/// SDK settings with `deadlines`, in `region` when given (else the SDK's own lookup:
/// `AWS_REGION`, set by Lambda).
///
/// Credentials are resolved on the first call, so this does no network I/O: safe at
/// init. The SDK's endpoint variables (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`)
/// still apply, which is how tests point every call at the local emulator.
///
/// ```no_run
/// # async fn run() {
/// use lambda_foundation::sdk_config::{SdkDeadlines, load_sdk_config};
/// let sdk = load_sdk_config(Some("eu-west-1"), SdkDeadlines::API_HANDLER).await;
/// assert_eq!(sdk.region().map(|r| r.as_ref()), Some("eu-west-1"));
/// # }
/// ```
pub async fn load_sdk_config(region: Option<&str>, deadlines: SdkDeadlines) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(deadlines.max_attempts)
                .with_initial_backoff(deadlines.initial_backoff),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(deadlines.connect_timeout)
                .operation_attempt_timeout(deadlines.attempt_timeout)
                .operation_timeout(deadlines.operation_timeout)
                .build(),
        );
    if let Some(region) = region {
        loader = loader.region(Region::new(region.to_owned()));
    }
    loader.load().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_deadlines_and_region_are_the_ones_given() {
        let sdk = load_sdk_config(Some("eu-west-1"), SdkDeadlines::AUTHORIZER).await;
        assert_eq!(sdk.region().map(|r| r.as_ref()), Some("eu-west-1"));
        let retry = sdk.retry_config().unwrap();
        assert_eq!(retry.max_attempts(), 3);
        assert_eq!(retry.initial_backoff(), Duration::from_millis(50));
        let timeouts = sdk.timeout_config().unwrap();
        assert_eq!(timeouts.operation_timeout(), Some(Duration::from_secs(3)));
        assert_eq!(timeouts.operation_attempt_timeout(), Some(Duration::from_millis(1500)));
        assert_eq!(timeouts.connect_timeout(), Some(Duration::from_secs(1)));
    }
}
