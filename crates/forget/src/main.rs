//! The forget Lambda's entry point: read config, build clients, serve SQS batches.

// The handler's future nests the directory's, S3's and Cognito's calls deeper than the
// compiler's default layout depth.
#![recursion_limit = "256"]

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use directory::IdentityDirectory;
use forget::batch::handle_batch;
use forget::{DEADLINES, ForgetConfig, Forgetter};
use lambda_foundation::logging::init_json_logging;
use lambda_foundation::sdk_config::load_sdk_config;
use lambda_foundation::{config_or_exit, unix_now};
use lambda_runtime::{LambdaEvent, run, service_fn};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    init_json_logging();
    forget::metrics::METRICS.install_from_env();
    let config = config_or_exit(ForgetConfig::from_env());
    let sdk = load_sdk_config(None, DEADLINES).await;
    let forgetter = Forgetter {
        cognito: aws_sdk_cognitoidentity::Client::new(&sdk),
        s3: aws_sdk_s3::Client::new(&sdk),
        bucket: config.bucket_name.clone(),
        directory: IdentityDirectory::new(aws_sdk_dynamodb::Client::new(&sdk), config.directory_table.clone()),
        action: config.action,
        pace: config.pace,
        page_size: 1000,
    };
    let (forgetter, pools) = (&forgetter, &config.user_pool_ids);
    run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        let (response, tally): (SqsBatchResponse, _) = handle_batch(forgetter, pools, event.payload, unix_now()).await;
        tally.record();
        Ok::<_, lambda_runtime::Error>(response)
    }))
    .await
}
