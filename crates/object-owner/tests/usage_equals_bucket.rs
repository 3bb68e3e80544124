//! A seeded random sequence of puts, overwrites and deletes (300 in `make test`, 1,000
//! by name) in two private folders (one linked user's, one unknown IdentityId's), made
//! in the emulator's S3, whose notifications (with their sequencers) are then delivered
//! to two object-owner processes shuffled, a fifth of them twice, in concurrent batches
//! of 10, failed messages again: the counters end equal to what ListObjectsV2 finds in
//! each folder.
//! `USAGE_SEED=<n>` replays another sequence.

mod usage_stage;

use std::time::Instant;

use directory::Usage;
use serde_json::{Value, json};
use test_support::lambda_process::LambdaProcess;
use test_support::measurement::scaled;
use usage_stage::{Seeded, Stage, identity};

const KEYS_PER_FOLDER: u64 = 40;

/// One delivery of a message body: its own id, and how often it was received.
#[derive(Clone)]
struct Delivery {
    id: String,
    body: String,
    receive_count: u32,
}

fn sqs_event(batch: &[Delivery]) -> Value {
    let records: Vec<Value> = batch
        .iter()
        .map(|d| {
            json!({
                "messageId": d.id, "receiptHandle": format!("handle-{}", d.id), "body": d.body,
                "attributes": {"ApproximateReceiveCount": d.receive_count.to_string()},
                "messageAttributes": {}, "eventSource": "aws:sqs", "awsRegion": "us-east-1",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:local",
            })
        })
        .collect();
    json!({ "Records": records })
}

/// Invokes `function` with each batch in turn; returns the deliveries it reported failed.
async fn deliver(mut function: LambdaProcess, batches: Vec<Vec<Delivery>>) -> (Vec<Delivery>, LambdaProcess) {
    let mut failed = Vec::new();
    for batch in batches {
        let response = function.invoke(&sqs_event(&batch)).await.response();
        for failure in response["batchItemFailures"].as_array().unwrap() {
            let id = failure["itemIdentifier"].as_str().unwrap();
            failed.extend(batch.iter().filter(|d| d.id == id).cloned());
        }
    }
    (failed, function)
}

/// `make test` runs 300 operations, every kind of delivery; the documented figure is 1,000:
/// `COGNITO_BRIDGE_MEASURE=full scripts/with-local-cognito.sh cargo test --workspace --locked --test usage_equals_bucket -- --nocapture`
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn random_puts_overwrites_and_deletes_delivered_shuffled_and_twice_count_what_is_stored() {
    random_sequence(scaled(300, 1_000)).await;
}

async fn random_sequence(operations: usize) {
    let seed = std::env::var("USAGE_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(20_261_207);
    let mut random = Seeded(seed);
    let stage = Stage::new("random", 30).await;
    let ada = stage.link(1).await;
    let stranger = identity(2);
    let started = Instant::now();

    // The operations, drawn first, then made in S3: each key's one after the other (S3
    // gives each write of a key a larger sequencer), eight keys at a time.
    let mut present = std::collections::HashSet::new();
    let (mut puts, mut overwrites, mut deletes) = (0, 0, 0);
    let mut by_key: std::collections::BTreeMap<String, Vec<Option<usize>>> = Default::default();
    for _ in 0..operations {
        let folder = if random.below(5) == 0 { &stranger } else { &ada };
        let key = format!("private/{folder}/f{}.bin", random.below(KEYS_PER_FOLDER));
        let delete = present.contains(&key) && random.below(3) == 0 || random.below(20) == 0;
        let operation = if delete {
            present.remove(&key);
            deletes += 1;
            None
        } else {
            if present.insert(key.clone()) {
                puts += 1
            } else {
                overwrites += 1
            }
            Some(random.below(100) as usize)
        };
        by_key.entry(key).or_default().push(operation);
    }
    let mut workers = tokio::task::JoinSet::new();
    let keys: Vec<_> = by_key.into_iter().collect();
    for worker in 0..8 {
        let (s3, bucket) = (stage.s3.clone(), stage.bucket.clone());
        let mine: Vec<_> = keys.iter().skip(worker).step_by(8).cloned().collect();
        workers.spawn(async move {
            for (key, operations) in mine {
                for operation in operations {
                    match operation {
                        None => drop(s3.delete_object().bucket(&bucket).key(&key).send().await.unwrap()),
                        Some(size) => drop(
                            s3.put_object()
                                .bucket(&bucket)
                                .key(&key)
                                .body(vec![b'r'; size].into())
                                .send()
                                .await
                                .unwrap(),
                        ),
                    }
                }
            }
        });
    }
    workers.join_all().await;
    let operated = started.elapsed();

    // Every notification, read off the queue (and deleted there: they are delivered here).
    let mut bodies = Vec::new();
    let mut empty = 0;
    while empty < 3 {
        let received =
            stage.sqs.receive_message().queue_url(&stage.queue_url).max_number_of_messages(10).send().await.unwrap();
        let messages = received.messages();
        if messages.is_empty() {
            empty += 1;
            continue;
        }
        empty = 0;
        for message in messages {
            bodies.push(message.body().unwrap().to_owned());
            stage
                .sqs
                .delete_message()
                .queue_url(&stage.queue_url)
                .receipt_handle(message.receipt_handle().unwrap())
                .send()
                .await
                .unwrap();
        }
    }
    let records = bodies.iter().filter(|b| b.contains("\"Records\"")).count();
    assert!(records >= operations - deletes, "a notification per put at least: {records}");

    // A fifth delivered twice, all shuffled.
    let mut deliveries: Vec<Delivery> = Vec::new();
    for (n, body) in bodies.iter().enumerate() {
        deliveries.push(Delivery { id: format!("m{n}"), body: body.clone(), receive_count: 1 });
        if random.below(5) == 0 {
            deliveries.push(Delivery { id: format!("m{n}-duplicate"), body: body.clone(), receive_count: 1 });
        }
    }
    for i in (1..deliveries.len()).rev() {
        deliveries.swap(i, random.below(i as u64 + 1) as usize);
    }
    let duplicates = deliveries.len() - bodies.len();

    let started = Instant::now();
    let mut functions = vec![stage.function().await, stage.function().await];
    let mut round = 0;
    let mut redelivered = 0;
    while !deliveries.is_empty() {
        round += 1;
        assert!(round <= 8, "still failing after {} rounds: {}", round - 1, functions[0].logs());
        let batches: Vec<Vec<Delivery>> = deliveries.chunks(10).map(<[Delivery]>::to_vec).collect();
        let halves = [
            batches.iter().step_by(2).cloned().collect::<Vec<_>>(),
            batches.iter().skip(1).step_by(2).cloned().collect::<Vec<_>>(),
        ];
        let mut instances = tokio::task::JoinSet::new();
        for (function, half) in functions.drain(..).zip(halves) {
            instances.spawn(deliver(function, half));
        }
        deliveries.clear();
        for (failed, function) in instances.join_all().await {
            deliveries.extend(failed.into_iter().map(|d| Delivery { receive_count: d.receive_count + 1, ..d }));
            functions.push(function);
        }
        redelivered += deliveries.len();
    }
    let counted = started.elapsed();

    let ada_stored = stage.stored(&ada).await;
    let stranger_stored = stage.stored(&stranger).await;
    let ada_usage = stage.directory.get_by_identity_id(&ada).await.unwrap().unwrap().usage.unwrap();
    let stranger_usage = stage.directory.unattributed_usage(&stranger).await.unwrap().unwrap_or_default();
    assert_eq!(ada_usage, ada_stored, "seed {seed}: the linked user's usage is what the folder holds");
    assert_eq!(stranger_usage, stranger_stored, "seed {seed}: the unknown IdentityId's too");
    assert!(ada_stored.objects > 0 && ada_stored != Usage::default());
    stage.assert_nothing_in_flight().await;
    println!(
        "usage equals the bucket (seed {seed}): {operations} operations ({puts} puts of new keys, {overwrites} \
         overwrites, {deletes} deletes) in {:.1} s; {} notifications + {duplicates} duplicates delivered shuffled \
         in {:.1} s over {round} rounds ({redelivered} redelivered); ada {ada_usage:?}, unattributed {stranger_usage:?}",
        operated.as_secs_f64(),
        bodies.len(),
        counted.as_secs_f64(),
    );
}
