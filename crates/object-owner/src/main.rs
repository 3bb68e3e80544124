//! The object-owner Lambda's entry point: read config, build clients, serve SQS batches.

use aws_lambda_events::event::sqs::SqsEvent;
use directory::IdentityDirectory;
use lambda_foundation::logging::init_json_logging;
use lambda_foundation::sdk_config::load_sdk_config;
use lambda_foundation::{config_or_exit, unix_now};
use lambda_runtime::{Diagnostic, LambdaEvent, run, service_fn};
use object_owner::batch::handle_batch;
use object_owner::{DEADLINES, FolderJobs, ObjectOwner, ObjectOwnerConfig};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    init_json_logging();
    object_owner::metrics::METRICS.install_from_env();
    let config = config_or_exit(ObjectOwnerConfig::from_env());
    let sdk = load_sdk_config(None, DEADLINES).await;
    let directory = IdentityDirectory::new(aws_sdk_dynamodb::Client::new(&sdk), config.directory_table);
    let mut owner = ObjectOwner::new(aws_sdk_s3::Client::new(&sdk), directory)
        .with_folder_layout(config.folder_layout)
        .with_forgotten_objects(config.forgotten_objects);
    if let Some(pool) = config.sub_folder_usernames.clone() {
        owner = owner.with_sub_folder_usernames(pool);
    }
    let jobs = FolderJobs::new(
        owner.clone(),
        aws_sdk_sqs::Client::new(&sdk),
        config.object_events_queue_url,
        config.bucket_name,
        config.tagging_concurrency,
    )
    .with_page_size(config.page_size);
    let (owner, jobs) = (&owner, &jobs);
    run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        handle_batch(owner, jobs, event.payload, unix_now()).await.map_err(Diagnostic::from)
    }))
    .await
}
