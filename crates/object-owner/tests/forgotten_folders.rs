//! Late S3 events of a forgotten user's folder, against the local emulator: a user linked
//! in moto's DynamoDB and forgotten through the directory (their items replaced by the
//! tombstones), then objects arriving in their `private/<IdentityId>/` folder in moto's
//! S3, and their events delivered to the built object-owner binary as a Lambda process.
//! With `FORGET_OBJECTS=keep` the objects stay, untagged and uncounted; with `delete` they
//! are deleted. Either way nothing keyed by the forgotten IdentityId is written, the log
//! names it by its hash only, and the one extra read (the tombstone, once per IdentityId
//! and batch) is paid only by folders with no owner: the calls are counted from the
//! emulator's call log. Run by `make test`; without the emulator this fails, never skips.

use std::collections::BTreeMap;

use aws_sdk_s3::primitives::ByteStream;
use directory::{ForgetPlan, IdentityDirectory, IdentityId, NewLink, UserPoolId, identity_id_hash};
use serde_json::{Value, json};
use test_support::lambda_process::LambdaProcess;
use test_support::local_cognito::{LocalCognito, unique_name};

const ADA: &str = "us-east-1:1a000000-0000-4000-8000-0000000000aa";
const BOB: &str = "us-east-1:1b000000-0000-4000-8000-0000000000bb";
const POOL: &str = "us-east-1_LateEvents1";

struct Stage {
    cognito: LocalCognito,
    s3: aws_sdk_s3::Client,
    bucket: String,
    table: String,
    directory: IdentityDirectory,
    function: LambdaProcess,
}

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

/// A stage where ADA is linked and BOB was linked, then forgotten; the function runs with
/// `FORGET_OBJECTS=<forget_objects>`.
async fn stage(forget_objects: &str) -> Stage {
    let cognito = LocalCognito::from_env().await;
    let name = unique_name("late");
    let table = cognito.create_directory_table(&name).await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(cognito.sdk_config()).force_path_style(true).build(),
    );
    let bucket = name.to_lowercase().replace('_', "-");
    s3.create_bucket().bucket(&bucket).send().await.expect("CreateBucket");
    let directory = IdentityDirectory::new(cognito.dynamodb(), table.clone());
    let pool = UserPoolId::parse(POOL).unwrap();
    for (identity_id, sub, username) in [(ADA, "sub-ada", "ada"), (BOB, "sub-bob", "bob.forgotten")] {
        let link = NewLink {
            identity_id: IdentityId::parse(identity_id).unwrap(),
            user_pool_id: pool.clone(),
            sub: sub.into(),
            username: username.into(),
            linked_at: now(),
        };
        directory.record_link(&link).await.unwrap();
    }
    let ForgetPlan::Forget(targets) = directory.plan_forget(&pool, "sub-bob").await.unwrap() else {
        panic!("bob is linked")
    };
    directory.forget(&targets, now()).await.unwrap();
    assert!(directory.is_forgotten_identity(&IdentityId::parse(BOB).unwrap()).await.unwrap());

    let env: Vec<(String, String)> = [
        ("DIRECTORY_TABLE", table.as_str()),
        ("BUCKET_NAME", bucket.as_str()),
        // No folder job runs here: the queue is never called.
        ("OBJECT_EVENTS_QUEUE_URL", "http://127.0.0.1:9/queue"),
        ("FORGET_OBJECTS", forget_objects),
        ("AWS_ENDPOINT_URL", cognito.endpoint.as_str()),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("RUST_LOG", "info"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let function = LambdaProcess::start(env!("CARGO_BIN_EXE_object-owner"), &env).await.expect("the function starts");
    Stage { cognito, s3, bucket, table, directory, function }
}

impl Stage {
    async fn put(&self, key: &str) {
        self.s3
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .body(ByteStream::from_static(b"late"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("PutObject {key}: {e:?}"));
    }

    /// One SQS message holding S3's notification of `event_name` for `key` (as S3 sends
    /// it: the key URL-encoded, a sequencer, the size of a creation).
    fn message(&self, id: &str, event_name: &str, key: &str, sequencer: &str) -> Value {
        let encoded = key.replace(':', "%3A");
        let mut object = json!({"key": encoded, "sequencer": sequencer});
        if event_name.starts_with("ObjectCreated") {
            object["size"] = json!(4);
        }
        let body = json!({"Records": [{
            "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
            "eventTime": "2026-12-08T01:00:00.000Z", "eventName": event_name,
            "userIdentity": {}, "requestParameters": {},
            "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": self.bucket}, "object": object},
        }]});
        json!({"messageId": id, "receiptHandle": format!("r-{id}"), "body": body.to_string(),
            "attributes": {"ApproximateReceiveCount": "1"}, "eventSource": "aws:sqs"})
    }

    /// Delivers `messages` as one batch; returns the failed message ids and the calls the
    /// function made on this stage's table and bucket, by kind.
    async fn deliver(&mut self, messages: Vec<Value>) -> (Vec<String>, BTreeMap<String, usize>) {
        let before = self.cognito.all_calls().await.len();
        let outcome = self.function.invoke(&json!({"Records": messages})).await;
        let response = outcome.response();
        let failed = response["batchItemFailures"]
            .as_array()
            .map(|failures| failures.iter().map(|f| f["itemIdentifier"].as_str().unwrap().to_owned()).collect())
            .unwrap_or_default();
        let mut calls = BTreeMap::new();
        for call in self.cognito.all_calls().await.into_iter().skip(before) {
            let name = if call.table.as_deref() == Some(self.table.as_str()) {
                format!("dynamodb {}", call.operation)
            } else if call.service == "s3" && call.operation.contains(&format!("/{}/", self.bucket)) {
                let method = call.operation.split(' ').next().unwrap_or_default();
                format!("s3 {method} object")
            } else if call.service.starts_with("cognito") {
                format!("{} {}", call.service, call.operation)
            } else {
                continue;
            };
            *calls.entry(name).or_default() += 1;
        }
        (failed, calls)
    }

    async fn tags(&self, key: &str) -> Vec<(String, String)> {
        let output = self.s3.get_object_tagging().bucket(&self.bucket).key(key).send().await.unwrap();
        output.tag_set().iter().map(|t| (t.key().to_owned(), t.value().to_owned())).collect()
    }

    async fn exists(&self, key: &str) -> bool {
        self.s3.head_object().bucket(&self.bucket).key(key).send().await.is_ok()
    }

    /// Every item of the table, as text.
    async fn table_text(&self) -> String {
        let scan = self.cognito.dynamodb().scan().table_name(&self.table).send().await.unwrap();
        format!("{:?}", scan.items())
    }
}

fn minus(after: &BTreeMap<String, usize>, before: &BTreeMap<String, usize>) -> BTreeMap<String, isize> {
    let names: std::collections::BTreeSet<&String> = after.keys().chain(before.keys()).collect();
    names
        .into_iter()
        .map(|name| {
            let count = |calls: &BTreeMap<String, usize>| calls.get(name).copied().unwrap_or(0) as isize;
            (name.clone(), count(after) - count(before))
        })
        .filter(|(_, difference)| *difference != 0)
        .collect()
}

/// ADA's object alone, then ADA's next object with BOB's late events in one batch: two
/// creations and a removal in BOB's folder. Returns the second batch's extra calls.
async fn late_events(mut stage: Stage) -> BTreeMap<String, isize> {
    let (ada_1, ada_2) = (format!("private/{ADA}/a-1.txt"), format!("private/{ADA}/a-2.txt"));
    let (bob_1, bob_2) = (format!("private/{BOB}/late-1.txt"), format!("private/{BOB}/photos/late-2.txt"));
    for key in [&ada_1, &ada_2, &bob_1, &bob_2] {
        stage.put(key).await;
    }
    let linked_only = vec![stage.message("m-ada-1", "ObjectCreated:Put", &ada_1, "0A")];
    let (failed, linked_calls) = stage.deliver(linked_only).await;
    assert!(failed.is_empty(), "{failed:?}");
    println!("a linked owner's object: {linked_calls:?}");

    let mixed = vec![
        stage.message("m-ada-2", "ObjectCreated:Put", &ada_2, "0B"),
        stage.message("m-bob-1", "ObjectCreated:Put", &bob_1, "0C"),
        stage.message("m-bob-2", "ObjectCreated:CompleteMultipartUpload", &bob_2, "0D"),
        stage.message("m-bob-3", "ObjectRemoved:Delete", &format!("private/{BOB}/gone.txt"), "0E"),
    ];
    let (failed, mixed_calls) = stage.deliver(mixed).await;
    assert!(failed.is_empty(), "{failed:?}; logs:\n{}", stage.function.logs());
    println!("the same with three late events of a forgotten folder: {mixed_calls:?}");

    // The linked owner's objects are attributed as ever.
    for key in [&ada_1, &ada_2] {
        let tags = stage.tags(key).await;
        assert!(tags.contains(&("owner-sub".to_owned(), "sub-ada".to_owned())), "{key}: {tags:?}");
    }
    // Nothing keyed by, or holding, the forgotten IdentityId: no counters, no ledger item.
    let bob = IdentityId::parse(BOB).unwrap();
    let items = stage.table_text().await;
    assert!(!items.contains(BOB) && !items.contains("bob.forgotten"), "{items}");
    assert_eq!(stage.directory.get_by_identity_id(&bob).await.unwrap(), None);
    assert_eq!(stage.directory.unattributed_usage(&bob).await.unwrap(), None, "no unattributed counters");
    // The log says so, naming the folder by its hash.
    let logs = stage.function.logs();
    let late: Vec<&str> = logs.lines().filter(|line| line.contains("late event of a forgotten folder")).collect();
    assert_eq!(late.len(), 3, "{logs}");
    let hash = identity_id_hash(&bob);
    assert!(late.iter().all(|line| line.contains(&hash) && line.contains(r#""folder":"private""#)), "{late:?}");
    assert!(!logs.contains(BOB) && !logs.contains("late-1.txt") && !logs.contains("bob.forgotten"), "{logs}");
    assert!(logs.contains(ADA), "the linked owner's lines are as before");

    let extra = minus(&mixed_calls, &linked_calls);
    // One tombstone read for the forgotten IdentityId (three events): the only DynamoDB
    // call the late events cost besides its owner read. No Cognito call at all.
    assert_eq!(extra.get("dynamodb GetItem"), Some(&2), "owner read + tombstone read: {extra:?}");
    assert!(extra.keys().all(|name| name == "dynamodb GetItem" || name.starts_with("s3 ")), "{extra:?}");
    assert!(mixed_calls.keys().all(|name| !name.starts_with("cognito")), "{mixed_calls:?}");
    let (bob_1_exists, bob_2_exists) = (stage.exists(&bob_1).await, stage.exists(&bob_2).await);
    let tags_1 = if bob_1_exists { stage.tags(&bob_1).await } else { Vec::new() };
    assert!(tags_1.is_empty(), "a forgotten folder's object is never tagged: {tags_1:?}");
    println!("late events: extra calls {extra:?}; objects left: {bob_1_exists} {bob_2_exists}");
    let mut left = extra;
    left.insert("objects left".to_owned(), isize::from(bob_1_exists) + isize::from(bob_2_exists));
    left
}

#[tokio::test]
async fn keep_leaves_a_forgotten_folders_new_objects_untagged_and_uncounted() {
    let extra = late_events(stage("keep").await).await;
    assert_eq!(extra.get("objects left"), Some(&2), "{extra:?}");
    assert_eq!(extra.len(), 2, "no S3 call for the late events: {extra:?}");
}

#[tokio::test]
async fn delete_deletes_a_forgotten_folders_new_objects() {
    let extra = late_events(stage("delete").await).await;
    assert_eq!(extra.get("objects left"), Some(&0), "{extra:?}");
    // One DeleteObject per creation; the removal costs nothing.
    assert_eq!(extra.get("s3 DELETE object"), Some(&2), "{extra:?}");
    assert_eq!(extra.len(), 3, "{extra:?}");
}

#[tokio::test]
async fn a_bad_forget_objects_setting_stops_the_start_with_its_name() {
    let cognito = LocalCognito::from_env().await;
    let env: Vec<(String, String)> = [
        ("DIRECTORY_TABLE", "t"),
        ("BUCKET_NAME", "b-1"),
        ("OBJECT_EVENTS_QUEUE_URL", "http://127.0.0.1:9/queue"),
        ("FORGET_OBJECTS", "shred"),
        ("AWS_ENDPOINT_URL", cognito.endpoint.as_str()),
        ("AWS_REGION", "us-east-1"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let mut function =
        LambdaProcess::start(env!("CARGO_BIN_EXE_object-owner"), &env).await.expect("the function starts");
    let code = function.wait_for_exit(std::time::Duration::from_secs(10)).await;
    assert!(code.is_some_and(|code| code != 0), "exit {code:?}");
    let logs = function.logs();
    assert!(logs.contains("FORGET_OBJECTS") && logs.contains("keep or delete"), "{logs}");
}
