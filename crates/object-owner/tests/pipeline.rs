//! The whole pipeline against the local emulator, with real parts: objects put in moto's
//! S3 (created from template.yaml's Bucket, queues and notification), S3's notifications
//! in moto's SQS, the built object-owner binary as a Lambda process fed by the local SQS
//! event source, the directory in moto's DynamoDB. Run by `make test`; without the
//! emulator these fail, never skip.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use aws_sdk_s3::primitives::ByteStream;
use directory::{IdentityDirectory, IdentityId, NewLink, Usage, UserPoolId};
use serde_json::Value;
use test_support::lambda_process::LambdaProcess;
use test_support::local_cognito::{LocalCognito, unique_name};
use test_support::measurement::scaled;
use test_support::sqs_event_source::SqsEventSource;

struct Pipeline {
    s3: aws_sdk_s3::Client,
    sqs: aws_sdk_sqs::Client,
    directory: IdentityDirectory,
    bucket: String,
    queue_url: String,
    dlq_url: String,
    source: SqsEventSource,
    function: LambdaProcess,
}

async fn pipeline() -> Pipeline {
    let cognito = LocalCognito::from_env().await;
    let name = unique_name("owner");
    let table = cognito.create_directory_table(&name).await;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    // A 1 s visibility timeout instead of the template's 180 s: failed messages come back
    // within the test.
    let output = tokio::process::Command::new(root.join(".venv/bin/python"))
        .arg(root.join("tests/emulator/create_local_stack.py"))
        .args(["--object-pipeline", &cognito.endpoint, &name, "1"])
        .output()
        .await
        .expect("create_local_stack.py (run `make venv`)");
    assert!(output.status.success(), "--object-pipeline: {}", String::from_utf8_lossy(&output.stderr));
    let created: Value = serde_json::from_slice(&output.stdout).unwrap();
    let text = |k: &str| created[k].as_str().unwrap().to_owned();
    let sqs = aws_sdk_sqs::Client::new(cognito.sdk_config());
    let (bucket, queue_url) = (text("BucketName"), text("ObjectEventsQueueUrl"));
    let env: Vec<(String, String)> = [
        ("DIRECTORY_TABLE", table.as_str()),
        ("BUCKET_NAME", bucket.as_str()),
        ("OBJECT_EVENTS_QUEUE_URL", queue_url.as_str()),
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
    Pipeline {
        s3: aws_sdk_s3::Client::new(cognito.sdk_config()),
        directory: IdentityDirectory::new(cognito.dynamodb(), table),
        bucket,
        source: SqsEventSource::new(sqs.clone(), text("ObjectEventsQueueUrl"), text("ObjectEventsQueueArn")),
        queue_url,
        dlq_url: text("ObjectEventsDeadLetterQueueUrl"),
        sqs,
        function,
    }
}

fn identity(n: u8) -> IdentityId {
    IdentityId::parse(&format!("us-east-1:{n:02x}0f7e2a-1111-4222-8333-444455556666")).unwrap()
}

impl Pipeline {
    async fn link(&self, n: u8, username: &str) -> IdentityId {
        let link = NewLink {
            identity_id: identity(n),
            user_pool_id: UserPoolId::parse("us-east-1_OwnerTests1").unwrap(),
            sub: format!("sub-{username}"),
            username: username.into(),
            linked_at: 1,
        };
        self.directory.record_link(&link).await.unwrap();
        link.identity_id
    }

    async fn put(&self, key: &str, body: &[u8], tagging: Option<String>) {
        self.s3
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .body(ByteStream::from(body.to_vec()))
            .set_tagging(tagging)
            .send()
            .await
            .unwrap_or_else(|e| panic!("PutObject {key}: {e:?}"));
    }

    async fn tags(&self, key: &str) -> BTreeMap<String, String> {
        let output = self.s3.get_object_tagging().bucket(&self.bucket).key(key).send().await.unwrap();
        output.tag_set().iter().map(|t| (t.key().to_owned(), t.value().to_owned())).collect()
    }

    async fn usage(&self, id: &IdentityId) -> Usage {
        self.directory.get_by_identity_id(id).await.unwrap().unwrap().usage.unwrap()
    }

    async fn drain(&mut self) -> Vec<test_support::sqs_event_source::PollReport> {
        self.source.run_until_idle(&mut self.function, 60, 2).await
    }

    async fn queue_depth(&self, url: &str) -> usize {
        let attrs = self
            .sqs
            .get_queue_attributes()
            .queue_url(url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
            .send()
            .await
            .unwrap();
        attrs.attributes().unwrap().values().map(|v| v.parse::<usize>().unwrap()).sum()
    }

    /// The function's JSON log lines with `message` containing `text`.
    fn log_lines(&self, text: &str) -> Vec<Value> {
        self.function
            .logs()
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .filter(|line| line["fields"]["message"].as_str().is_some_and(|m| m.contains(text)))
            .collect()
    }
}

fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

#[tokio::test]
async fn objects_of_several_users_are_tagged_and_counted_and_the_queue_ends_empty() {
    let mut p = pipeline().await;
    let ada = p.link(1, "ada").await;
    let bob = p.link(2, "bob").await;
    let cy = p.link(3, "cy").await;
    let unknown = identity(9);
    let keys = [
        (format!("private/{ada}/notes.txt"), 5usize),
        (format!("private/{ada}/photos/2026/12/a b+c.jpg"), 11),
        (format!("private/{bob}/café ☕/résumé.pdf"), 7),
        (format!("private/{bob}/100%25 done?.txt"), 3),
        (format!("private/{cy}/x"), 1),
        (format!("private/{unknown}/stray.bin"), 13),
    ];
    for (key, size) in &keys {
        p.put(key, &vec![b'x'; *size], None).await;
    }
    p.put("public/not-ours.txt", b"x", None).await; // outside the notification's prefix
    let reports = p.drain().await;
    assert!(reports.iter().all(|r| r.failed == 0), "{reports:?}\n{}", p.function.logs());
    // S3's test event plus one message per private object, all deleted.
    assert_eq!(reports.iter().map(|r| r.deleted).sum::<usize>(), keys.len() + 1, "{reports:?}");
    assert_eq!(p.queue_depth(&p.queue_url).await + p.queue_depth(&p.dlq_url).await, 0);

    assert_eq!(p.tags(&keys[0].0).await, tags(&[("owner-sub", "sub-ada"), ("owner-username", "ada")]));
    assert_eq!(p.tags(&keys[2].0).await, tags(&[("owner-sub", "sub-bob"), ("owner-username", "bob")]));
    assert_eq!(p.tags(&keys[3].0).await, tags(&[("owner-sub", "sub-bob"), ("owner-username", "bob")]));
    assert_eq!(p.tags(&keys[5].0).await, tags(&[("owner-identity-id", unknown.as_str())]));
    assert!(p.tags("public/not-ours.txt").await.is_empty());
    assert_eq!(p.usage(&ada).await, Usage { objects: 2, bytes: 16 });
    assert_eq!(p.usage(&bob).await, Usage { objects: 2, bytes: 10 });
    assert_eq!(p.usage(&cy).await, Usage { objects: 1, bytes: 1 });
    assert_eq!(p.directory.unattributed_usage(&unknown).await.unwrap(), Some(Usage { objects: 1, bytes: 13 }));
    assert_eq!(p.directory.get_by_identity_id(&unknown).await.unwrap(), None);

    // One JSON line per object, with who owns it.
    let lines = p.log_lines("object attributed");
    assert_eq!(lines.len(), 5, "{}", p.function.logs());
    let line = lines.iter().find(|l| l["fields"]["key"] == keys[2].0.as_str()).expect("bob's line, decoded key");
    let fields = &line["fields"];
    assert_eq!((fields["sub"].as_str(), fields["username"].as_str()), (Some("sub-bob"), Some("bob")));
    assert_eq!((fields["identityId"].as_str(), fields["size"].as_u64()), (Some(bob.as_str()), Some(7)));
    assert_eq!(fields["bucket"].as_str(), Some(p.bucket.as_str()));
    assert_eq!(p.log_lines("object unattributed").len(), 1);
    assert_eq!(p.log_lines("skipped").len(), 1, "S3's test event");
}

#[tokio::test]
async fn a_redelivered_record_changes_nothing() {
    let mut p = pipeline().await;
    let ada = p.link(1, "ada").await;
    let key = format!("private/{ada}/twice.txt");
    p.put(&key, b"12345", None).await;
    // Read the notification before the function does, and send it again: a duplicate.
    let mut bodies = Vec::new();
    for _ in 0..5 {
        let received = p.sqs.receive_message().queue_url(&p.queue_url).max_number_of_messages(10).send().await.unwrap();
        bodies.extend(received.messages().iter().filter_map(|m| m.body().map(str::to_owned)));
        if bodies.iter().any(|b| b.contains("Records")) {
            break;
        }
    }
    let record = bodies.iter().find(|b| b.contains("Records")).expect("the object's notification").clone();
    p.sqs.send_message().queue_url(&p.queue_url).message_body(&record).send().await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await; // the received ones become visible again
    let reports = p.drain().await;
    assert!(reports.iter().all(|r| r.failed == 0), "{reports:?}");
    assert_eq!(p.usage(&ada).await, Usage { objects: 1, bytes: 5 }, "two deliveries, one count");
    assert_eq!(p.tags(&key).await, tags(&[("owner-sub", "sub-ada"), ("owner-username", "ada")]));
    let lines = p.log_lines("object attributed");
    let counted: Vec<_> = lines.iter().map(|l| l["fields"]["counted"].as_str().unwrap().to_owned()).collect();
    assert!(counted.contains(&"counted".to_owned()) && counted.contains(&"already-counted".to_owned()), "{counted:?}");
}

#[tokio::test]
async fn objects_with_nine_or_ten_tags_keep_theirs_and_are_still_counted() {
    let mut p = pipeline().await;
    let ada = p.link(1, "ada").await;
    let user_tags = |n: usize| (0..n).map(|i| format!("k{i}=v{i}")).collect::<Vec<_>>().join("&");
    let eight = format!("private/{ada}/eight");
    let nine = format!("private/{ada}/nine");
    let ten = format!("private/{ada}/ten");
    p.put(&eight, b"8", Some(user_tags(8))).await;
    p.put(&nine, b"9", Some(user_tags(9))).await;
    p.put(&ten, b"10", Some(user_tags(10))).await;
    let reports = p.drain().await;
    assert!(reports.iter().all(|r| r.failed == 0), "{reports:?}");
    let eight_tags = p.tags(&eight).await;
    assert_eq!(eight_tags.len(), 10);
    assert_eq!(eight_tags.get("owner-username").map(String::as_str), Some("ada"));
    assert_eq!(eight_tags.get("k7").map(String::as_str), Some("v7"));
    let nine_tags = p.tags(&nine).await;
    assert_eq!(nine_tags.len(), 9, "no room for two more: the user's nine are kept as they are");
    assert!(!nine_tags.contains_key("owner-sub"));
    assert_eq!(p.tags(&ten).await.len(), 10);
    assert_eq!(p.usage(&ada).await, Usage { objects: 3, bytes: 4 }, "counted all the same");
    assert_eq!(p.log_lines("not tagged").len(), 2, "{}", p.function.logs());
}

#[tokio::test]
async fn foreign_and_malformed_messages_are_skipped_and_never_retried() {
    let mut p = pipeline().await;
    let send = |body: String| {
        let sqs = p.sqs.clone();
        let url = p.queue_url.clone();
        async move { sqs.send_message().queue_url(url).message_body(body).send().await.unwrap() }
    };
    let record = |key: &str| {
        format!(
            r#"{{"Records":[{{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1","eventTime":"2026-12-01T10:00:00.000Z","eventName":"ObjectCreated:Put","s3":{{"bucket":{{"name":"{}"}},"object":{{"key":"{key}","size":1,"sequencer":"0A"}}}}}}]}}"#,
            p.bucket
        )
    };
    send(record("public%2Fx.txt")).await;
    send(record("private%2Fnot-an-identity%2Fx")).await;
    send(record("private%2F%zz%2Fx")).await;
    send("not json at all".into()).await;
    send(r#"{"Records":[{"eventName":"ObjectCreated:Put"}]}"#.into()).await;
    let reports = p.drain().await;
    assert!(reports.iter().all(|r| r.failed == 0), "{reports:?}");
    // The 5 messages and the bucket's test event, each once, all deleted.
    assert_eq!(reports.iter().map(|r| r.received).sum::<usize>(), 6, "{reports:?}");
    assert_eq!(p.queue_depth(&p.queue_url).await + p.queue_depth(&p.dlq_url).await, 0);
    assert_eq!(p.log_lines("skipped").len(), 6, "{}", p.function.logs());
    assert!(!p.function.logs().contains("not-an-identity"), "skip lines name the reason, not the key");
}

#[tokio::test]
async fn a_poison_message_reaches_the_dead_letter_queue_after_the_redrive_count() {
    let mut p = pipeline().await;
    let ada = p.link(1, "ada").await;
    // An event for a bucket that does not exist: every attempt fails (NoSuchBucket).
    let body = format!(
        r#"{{"Records":[{{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1","eventTime":"2026-12-01T10:00:00.000Z","eventName":"ObjectCreated:Put","s3":{{"bucket":{{"name":"no-such-bucket-{}"}},"object":{{"key":"private/{ada}/x","size":1,"sequencer":"0A"}}}}}}]}}"#,
        std::process::id()
    );
    p.sqs.send_message().queue_url(&p.queue_url).message_body(&body).send().await.unwrap();
    let mut failures = 0;
    let deadline = Instant::now() + Duration::from_secs(60);
    while p.queue_depth(&p.dlq_url).await == 0 {
        assert!(Instant::now() < deadline, "not in the dead-letter queue after 60 s; {failures} failures");
        failures += p.source.poll_once(&mut p.function).await.failed;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert_eq!(failures, 5, "the redrive policy's maxReceiveCount");
    let parked = p.sqs.receive_message().queue_url(&p.dlq_url).send().await.unwrap();
    assert_eq!(parked.messages()[0].body(), Some(body.as_str()));
    assert_eq!(p.usage(&ada).await, Usage::default());
}

/// What one burst through one function instance measured.
struct Burst {
    records: usize,
    batches: usize,
    elapsed: Duration,
}

impl Burst {
    fn records_per_second(&self) -> f64 {
        self.records as f64 / self.elapsed.as_secs_f64()
    }
}

/// Puts `objects` objects of one user, then drains the queue through the one function
/// instance, in batches of up to 10: every record is processed, none fails, and each
/// object is counted once.
async fn burst(objects: u64) -> Burst {
    let mut p = pipeline().await;
    let ada = p.link(1, "ada").await;
    for n in 0..objects {
        p.put(&format!("private/{ada}/bulk/{n}.txt"), b"x", None).await;
    }
    let started = Instant::now();
    let reports = p.drain().await;
    // The two idle polls at the end (1 s each) are not processing time.
    let elapsed = started.elapsed().saturating_sub(Duration::from_secs(2));
    let records: usize = reports.iter().map(|r| r.received).sum();
    assert_eq!(reports.iter().map(|r| r.failed).sum::<usize>(), 0, "no record failed");
    assert!(records > objects as usize, "every object's record, and the test event: {records}");
    assert_eq!(p.usage(&ada).await.objects, objects);
    Burst { records, batches: reports.len(), elapsed }
}

/// 200 objects of one user through one function instance: counted whole. The rate it
/// prints (`--nocapture`) is a local figure, not a check.
#[tokio::test]
async fn a_burst_through_one_instance_is_counted_whole() {
    let run = burst(200).await;
    println!(
        "object-owner: {} records in {} batches in {:.2} s: {:.1} records/s (one instance, batches of up to 10)",
        run.records,
        run.batches,
        run.elapsed.as_secs_f64(),
        run.records_per_second()
    );
}

/// The throughput figure README ("Private folders", Throughput) quotes: bursts on fresh
/// pipelines, the rate of each and their median. `make test` runs one burst of 50; the
/// documented figure is three bursts of 200:
/// `COGNITO_BRIDGE_MEASURE=full scripts/with-local-cognito.sh cargo test --workspace --locked --test pipeline -- --nocapture throughput_of_one_instance`
#[tokio::test]
async fn throughput_of_one_instance() {
    let mut rates = Vec::new();
    let (rounds, objects) = scaled((1, 50), (3, 200));
    for round in 1..=rounds {
        let run = burst(objects).await;
        println!(
            "object-owner throughput, run {round}: {} records in {} batches in {:.2} s: {:.1} records/s",
            run.records,
            run.batches,
            run.elapsed.as_secs_f64(),
            run.records_per_second()
        );
        rates.push(run.records_per_second());
    }
    rates.sort_by(f64::total_cmp);
    println!(
        "object-owner throughput: median {:.1} records/s over {} runs (one instance, batches of up to 10, debug build, local emulator)",
        rates[rates.len() / 2],
        rates.len()
    );
}
