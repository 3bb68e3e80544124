//! The reconciler Lambda's entry point: read config, build clients, run on each
//! scheduled invocation until a minute before its deadline.

use std::time::{Duration, SystemTime};

use directory::IdentityDirectory;
use lambda_foundation::logging::init_json_logging;
use lambda_foundation::sdk_config::load_sdk_config;
use lambda_foundation::{config_or_exit, unix_now};
use lambda_runtime::{LambdaEvent, run, service_fn};
use reconciler::run_report::METRICS;
use reconciler::{DEADLINES, Reconciler, ReconcilerConfig, RunLimits, RunReport};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    init_json_logging();
    METRICS.install_from_env();
    let config = config_or_exit(ReconcilerConfig::from_env());
    let sdk = load_sdk_config(None, DEADLINES).await;
    let directory = IdentityDirectory::new(aws_sdk_dynamodb::Client::new(&sdk), config.directory_table.clone());
    let reconciler = Reconciler::new(
        aws_sdk_cognitoidentityprovider::Client::new(&sdk),
        aws_sdk_sqs::Client::new(&sdk),
        directory,
        config.user_pool_id.clone(),
        config.forget_queue_url.clone(),
        config.requests_per_second,
    );
    let (reconciler, stop_before) = (&reconciler, config.stop_before_deadline);
    run(service_fn(move |event: LambdaEvent<Value>| async move {
        let left = event.context.deadline().duration_since(SystemTime::now()).unwrap_or(Duration::ZERO);
        let report: RunReport = reconciler.run(unix_now(), RunLimits::within(left.saturating_sub(stop_before))).await;
        report.record();
        Ok::<RunReport, lambda_runtime::Error>(report)
    }))
    .await
}
