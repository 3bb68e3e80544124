//! The `sub` folder layout through the whole pipeline against the local emulator: objects
//! put under `users/<sub>/` in moto's S3 (created from template.yaml's Bucket with
//! FolderLayout sub: the users/ notifications), S3's notifications in moto's SQS, the
//! built object-owner binary as a Lambda process with `FOLDER_LAYOUT=sub`. Each created
//! object gets `owner-sub` from its folder name, each folder's `subfolder#<sub>` counters
//! equal what it stores after puts, overwrites, deletes and duplicate deliveries, and the
//! AWS calls per object are counted from the emulator's call log: no Cognito call, no
//! directory read but the usage ledger's own.
//! Run by `make test`; without the emulator this fails, never skips.

use std::collections::BTreeMap;

use aws_sdk_s3::primitives::ByteStream;
use directory::{FolderSub, IdentityDirectory, IdentityId, NewLink, Usage, UserPoolId};
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
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
    directory: IdentityDirectory,
}

async fn sub_pipeline(stack_layout: &str, function_layout: &str, extra_env: &[(&str, &str)]) -> SubPipeline {
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
    .chain(extra_env.iter().copied())
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let function = LambdaProcess::start(env!("CARGO_BIN_EXE_object-owner"), &env).await.expect("the function starts");
    let sqs = aws_sdk_sqs::Client::new(cognito.sdk_config());
    SubPipeline {
        s3: aws_sdk_s3::Client::new(cognito.sdk_config()),
        source: SqsEventSource::new(sqs.clone(), text("ObjectEventsQueueUrl"), text("ObjectEventsQueueArn")),
        sqs,
        queue_url: text("ObjectEventsQueueUrl"),
        directory: IdentityDirectory::new(cognito.dynamodb(), table.clone()),
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

    async fn delete(&self, key: &str) {
        self.s3.delete_object().bucket(&self.bucket).key(key).send().await.unwrap();
    }

    /// What the folder of `sub` stores now, listed from S3.
    async fn stored(&self, sub: &str) -> Usage {
        let listed =
            self.s3.list_objects_v2().bucket(&self.bucket).prefix(format!("users/{sub}/")).send().await.unwrap();
        let sizes: Vec<u64> = listed.contents().iter().map(|o| o.size().unwrap_or(0) as u64).collect();
        Usage { objects: sizes.len() as u64, bytes: sizes.iter().sum() }
    }

    /// The folder's counters, as the directory holds them.
    async fn counted(&self, sub: &str) -> Usage {
        let sub = FolderSub::parse(sub).unwrap();
        self.directory.subfolder_usage(&sub).await.unwrap().unwrap_or_default()
    }

    /// S3 sends each waiting notification twice: every message of the queue is sent again.
    async fn duplicate_queued_messages(&self) -> usize {
        let mut bodies = Vec::new();
        loop {
            let received =
                self.sqs.receive_message().queue_url(&self.queue_url).max_number_of_messages(10).send().await.unwrap();
            if received.messages().is_empty() {
                break;
            }
            for message in received.messages() {
                bodies.push(message.body().unwrap().to_owned());
                let handle = message.receipt_handle().unwrap();
                self.sqs.delete_message().queue_url(&self.queue_url).receipt_handle(handle).send().await.unwrap();
            }
        }
        for body in bodies.iter().chain(&bodies) {
            self.sqs.send_message().queue_url(&self.queue_url).message_body(body).send().await.unwrap();
        }
        bodies.len()
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

async fn sub_folder_objects_are_tagged_and_counted_with_no_cognito_call() {
    let mut p = sub_pipeline("sub", "sub", &[]).await;
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
    assert_eq!(p.counted(ADA).await, Usage { objects: 2, bytes: 8 });
    assert_eq!(p.counted(BEA).await, Usage { objects: 1, bytes: 3 });

    let cognito: Vec<_> = calls.iter().filter(|c| c.service.starts_with("cognito")).collect();
    assert!(cognito.is_empty(), "no Cognito call: {cognito:?}");
    // Per created object: one tag read and one tag write.
    let s3: Vec<_> = calls.iter().filter(|c| c.service == "s3").collect();
    assert_eq!(s3.len(), 2 * 3, "two S3 calls per tagged object: {s3:?}");
    // Per object the ledger's own: its key's state read, committed and cleared (3); per
    // folder and batch: one summed counter update and one marker removal (2). No other
    // directory read (no owner, no user item).
    let directory: Vec<_> = calls.iter().filter(|c| c.service == "dynamodb").collect();
    assert!(directory.iter().all(|c| c.table.as_deref() == Some(p.table.as_str())));
    let count = |op: &str| directory.iter().filter(|c| c.operation == op).count();
    assert_eq!(count("GetItem"), 3, "one read of each key's state: {directory:?}");
    let updates = count("UpdateItem");
    assert!((3 * 2 + 2 * 2..=3 * 2 + 2 * 3).contains(&updates), "{updates} updates: {directory:?}");
    assert_eq!(directory.len(), count("GetItem") + updates, "{directory:?}");
    assert_eq!(calls.len(), s3.len() + directory.len(), "nothing but S3 and the ledger: {calls:?}");
    println!(
        "users/<sub>/ creations: {} calls for 3 objects in 2 folders (S3 {}, DynamoDB GetItem {}, UpdateItem {updates})",
        calls.len(),
        s3.len(),
        count("GetItem"),
    );

    // Overwrites, a delete, a new object: each notification delivered twice.
    p.put(&a1, b"hello world", None).await;
    p.delete(&a2).await;
    p.put(&format!("users/{BEA}/y"), b"4444", None).await;
    p.delete(&b1).await;
    p.put(&b1, b"22", None).await;
    let before = p.cognito.all_calls().await.len();
    let sent = p.duplicate_queued_messages().await;
    assert_eq!(sent, 5);
    p.source.run_until_idle(&mut p.function, 60, 2).await;
    let calls = p.calls_after(before).await;
    for sub in [ADA, BEA] {
        assert_eq!(p.counted(sub).await, p.stored(sub).await, "the counters of {sub} equal its folder");
    }
    assert_eq!(p.counted(ADA).await, Usage { objects: 1, bytes: 11 });
    assert_eq!(p.counted(BEA).await, Usage { objects: 2, bytes: 6 });
    assert!(calls.iter().all(|c| !c.service.starts_with("cognito")), "{calls:?}");
    println!("users/<sub>/ changes: {} calls for 5 events delivered twice each", calls.len());
}

/// One test at a time: the emulator's call log is shared, and the counts above must see
/// this test's calls only. So the identity-id case runs after the sub case, in one test.
#[tokio::test]
async fn sub_layout_then_identity_id_layout() {
    sub_folder_objects_are_tagged_and_counted_with_no_cognito_call().await;
    without_the_sub_layout_a_users_key_names_nobody().await;
    with_the_username_tag_a_linked_folder_gets_its_username_at_one_read_per_folder().await;
}

async fn with_the_username_tag_a_linked_folder_gets_its_username_at_one_read_per_folder() {
    const POOL: &str = "us-east-1_SubNames1";
    let mut p = sub_pipeline("sub", "sub", &[("SUB_FOLDER_OWNER_USERNAME", "on"), ("USER_POOL_ID", POOL)]).await;
    // Ada linked once (her user item names her); Bea never did.
    let link = NewLink {
        identity_id: IdentityId::parse("us-east-1:0000aaaa-0000-4000-8000-00000000000a").unwrap(),
        user_pool_id: UserPoolId::parse(POOL).unwrap(),
        sub: ADA.to_owned(),
        username: "ada".to_owned(),
        linked_at: 1,
    };
    p.directory.record_link(&link).await.expect("record_link");
    let (a1, a2, b1) = (format!("users/{ADA}/1"), format!("users/{ADA}/2"), format!("users/{BEA}/1"));
    for key in [&a1, &a2, &b1] {
        p.put(key, b"n", None).await;
    }
    let before = p.cognito.all_calls().await.len();
    p.source.run_until_idle(&mut p.function, 60, 2).await;
    let calls = p.calls_after(before).await;

    assert_eq!(p.tags(&a1).await, tags(&[("owner-sub", ADA), ("owner-username", "ada")]));
    assert_eq!(p.tags(&a2).await, tags(&[("owner-sub", ADA), ("owner-username", "ada")]));
    assert_eq!(p.tags(&b1).await, tags(&[("owner-sub", BEA)]), "a user who never linked: owner-sub alone");
    assert_eq!(p.counted(ADA).await, Usage { objects: 2, bytes: 2 });
    assert!(calls.iter().all(|c| !c.service.starts_with("cognito")), "still no Cognito call: {calls:?}");
    // The ledger reads each key's state once (3, as above); the tag adds one user item read
    // per folder in the batch (2).
    let reads = calls.iter().filter(|c| c.service == "dynamodb" && c.operation == "GetItem").count();
    assert_eq!(reads, 3 + 2, "one user item read per folder in the batch: {calls:?}");
    println!(
        "users/<sub>/ with owner-username: {} calls for 3 objects in 2 folders, 2 of them user reads",
        calls.len()
    );
}

async fn without_the_sub_layout_a_users_key_names_nobody() {
    // The bucket sends users/ events, but the function's layout is identity-id: IAM does
    // not vouch for such a folder name, so the record is skipped, never retried.
    let mut p = sub_pipeline("sub", "identity-id", &[]).await;
    let key = format!("users/{ADA}/z");
    p.put(&key, b"z", None).await;
    let before = p.cognito.all_calls().await.len();
    p.source.run_until_idle(&mut p.function, 60, 2).await;
    assert!(p.tags(&key).await.is_empty());
    let calls = p.calls_after(before).await;
    assert!(calls.iter().all(|c| c.service != "dynamodb" && !c.service.starts_with("cognito")), "{calls:?}");
    assert!(p.function.logs().contains("names owners only in the sub and both folder layouts"));
}
