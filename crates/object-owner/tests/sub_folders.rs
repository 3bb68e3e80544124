//! The `sub` folder layout through the whole pipeline against the local emulator: objects
//! put under `users/<sub>/` in moto's S3 (created from template.yaml's Bucket with
//! FolderLayout sub: the users/ notifications), S3's notifications in moto's SQS, the
//! built object-owner binary as a Lambda process with `FOLDER_LAYOUT=sub`. Each created
//! object gets `owner-sub` from its folder name, and the AWS calls per object are
//! counted from the emulator's call log: no directory read and no Cognito call at all.
//! Run by `make test`; without the emulator this fails, never skips.

use std::collections::BTreeMap;

use aws_sdk_s3::primitives::ByteStream;
use serde_json::Value;
use test_support::lambda_process::LambdaProcess;
use test_support::local_cognito::{EmulatorCall, LocalCognito, unique_name};
use test_support::sqs_event_source::SqsEventSource;

const ADA: &str = "7d8e9f00-aaaa-4bbb-8ccc-dddddddddddd";
const BEA: &str = "0b0b0b0b-aaaa-4bbb-8ccc-dddddddddddd";

struct SubPipeline {
    cognito: LocalCognito,
    s3: aws_sdk_s3::Client,
    bucket: String,
    table: String,
    source: SqsEventSource,
    function: LambdaProcess,
}

async fn sub_pipeline(stack_layout: &str, function_layout: &str) -> SubPipeline {
    let cognito = LocalCognito::from_env().await;
    let name = unique_name("subs");
    let table = cognito.create_directory_table(&name).await;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let output = tokio::process::Command::new(root.join(".venv/bin/python"))
        .arg(root.join("tests/emulator/create_local_stack.py"))
        .args(["--object-pipeline", &cognito.endpoint, &name, "1"])
        .env("FOLDER_LAYOUT", stack_layout)
        .output()
        .await
        .expect("create_local_stack.py (run `make venv`)");
    assert!(output.status.success(), "--object-pipeline: {}", String::from_utf8_lossy(&output.stderr));
    let created: Value = serde_json::from_slice(&output.stdout).unwrap();
    let text = |k: &str| created[k].as_str().unwrap().to_owned();
    let bucket = text("BucketName");
    let env: Vec<(String, String)> = [
        ("DIRECTORY_TABLE", table.as_str()),
        ("BUCKET_NAME", bucket.as_str()),
        ("OBJECT_EVENTS_QUEUE_URL", &text("ObjectEventsQueueUrl")),
        ("FOLDER_LAYOUT", function_layout),
        ("AWS_ENDPOINT_URL", cognito.endpoint.as_str()),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("RUST_LOG", "info"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let function = LambdaProcess::start(env!("CARGO_BIN_EXE_object-owner"), &env).await;
    let sqs = aws_sdk_sqs::Client::new(cognito.sdk_config());
    SubPipeline {
        s3: aws_sdk_s3::Client::new(cognito.sdk_config()),
        source: SqsEventSource::new(sqs, text("ObjectEventsQueueUrl"), text("ObjectEventsQueueArn")),
        cognito,
        bucket,
        table,
        function,
    }
}

impl SubPipeline {
    async fn put(&self, key: &str, body: &[u8], tagging: Option<&str>) {
        self.s3
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .body(ByteStream::from(body.to_vec()))
            .set_tagging(tagging.map(str::to_owned))
            .send()
            .await
            .unwrap_or_else(|e| panic!("PutObject {key}: {e:?}"));
    }

    async fn tags(&self, key: &str) -> BTreeMap<String, String> {
        let output = self.s3.get_object_tagging().bucket(&self.bucket).key(key).send().await.unwrap();
        output.tag_set().iter().map(|t| (t.key().to_owned(), t.value().to_owned())).collect()
    }

    /// The calls the emulator logged after the first `since` ones, but the event
    /// source's own SQS calls (Lambda's poller, not the function).
    async fn calls_after(&self, since: usize) -> Vec<EmulatorCall> {
        self.cognito.all_calls().await.into_iter().skip(since).filter(|c| c.service != "sqs").collect()
    }
}

fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

async fn sub_folder_objects_are_tagged_from_their_key_with_no_directory_or_cognito_call() {
    let mut p = sub_pipeline("sub", "sub").await;
    let (a1, a2, b1) = (format!("users/{ADA}/a.txt"), format!("users/{ADA}/photos/b c.jpg"), format!("users/{BEA}/x"));
    p.put(&a1, b"hello", None).await;
    p.put(&a2, b"img", Some("album=summer")).await;
    p.put(&b1, b"bea", None).await;
    p.put("users/not-a-sub/y", b"?", None).await;
    let before = p.cognito.all_calls().await.len();
    let reports = p.source.run_until_idle(&mut p.function, 60, 2).await;
    assert!(!reports.is_empty());
    let calls = p.calls_after(before).await;

    assert_eq!(p.tags(&a1).await, tags(&[("owner-sub", ADA)]));
    assert_eq!(p.tags(&a2).await, tags(&[("album", "summer"), ("owner-sub", ADA)]), "the user's tag is kept");
    assert_eq!(p.tags(&b1).await, tags(&[("owner-sub", BEA)]));
    assert!(p.tags("users/not-a-sub/y").await.is_empty(), "a folder that is not a sub names nobody");

    let directory: Vec<_> = calls.iter().filter(|c| c.service == "dynamodb").collect();
    assert!(directory.is_empty(), "no directory read or write in the sub layout: {directory:?}");
    assert!(calls.iter().all(|c| c.table.as_deref() != Some(p.table.as_str())));
    let cognito: Vec<_> = calls.iter().filter(|c| c.service.starts_with("cognito")).collect();
    assert!(cognito.is_empty(), "no Cognito call: {cognito:?}");
    // Per created object: one tag read and one tag write, nothing else.
    let s3: Vec<_> = calls.iter().filter(|c| c.service == "s3").collect();
    assert_eq!(s3.len(), 2 * 3, "two S3 calls per tagged object: {s3:?}");
    assert_eq!(calls.len(), s3.len(), "nothing but S3: {calls:?}");
}

/// One test at a time: the emulator's call log is shared, and the counts above must see
/// this test's calls only. So the identity-id case runs after the sub case, in one test.
#[tokio::test]
async fn sub_layout_then_identity_id_layout() {
    sub_folder_objects_are_tagged_from_their_key_with_no_directory_or_cognito_call().await;
    without_the_sub_layout_a_users_key_names_nobody().await;
}

async fn without_the_sub_layout_a_users_key_names_nobody() {
    // The bucket sends users/ events, but the function's layout is identity-id: IAM does
    // not vouch for such a folder name, so the record is skipped, never retried.
    let mut p = sub_pipeline("sub", "identity-id").await;
    let key = format!("users/{ADA}/z");
    p.put(&key, b"z", None).await;
    let before = p.cognito.all_calls().await.len();
    p.source.run_until_idle(&mut p.function, 60, 2).await;
    assert!(p.tags(&key).await.is_empty());
    let calls = p.calls_after(before).await;
    assert!(calls.iter().all(|c| c.service != "dynamodb" && !c.service.starts_with("cognito")), "{calls:?}");
    assert!(p.function.logs().contains("names owners only in the sub and both folder layouts"));
}
