//! The AWS SDK settings of the authorizer's one AWS client (Cognito Identity).

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};

use crate::config::AuthorizerConfig;

/// SDK settings for a call made while API Gateway waits on the authorizer: three
/// attempts with backoff on throttling and 5xx, each attempt and the whole call
/// bounded well below the function's timeout (a few seconds), so a slow Cognito ends
/// in the authorizer's own 500 answer rather than in a Lambda timeout.
///
/// The region is the identity pool's own (the part of its id before `:`): `GetId` must
/// go there wherever the function runs, and naming it skips the SDK's region lookup.
/// Credentials are resolved on the first call, so building this does no network I/O.
/// The SDK's own endpoint variables (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_COGNITO_IDENTITY`)
/// still apply.
pub async fn load_sdk_config(config: &AuthorizerConfig) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(config.identity_pool_region().to_owned()))
        .retry_config(RetryConfig::standard().with_max_attempts(3).with_initial_backoff(Duration::from_millis(50)))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(1))
                .operation_attempt_timeout(Duration::from_millis(1500))
                .operation_timeout(Duration::from_secs(3))
                .build(),
        )
        .load()
        .await
}
