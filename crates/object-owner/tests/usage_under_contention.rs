//! A burst of one user's objects (250 in `make test`, 1,000 by name), through
//! concurrent batches as the SQS event source delivers them (four object-owner
//! processes, each fed by its own poller of the one queue), while the emulator's
//! DynamoDB answers some writes with `TransactionConflictException` (as DynamoDB does
//! for a plain write meeting a transaction on its item) and throttles some requests: the
//! usage is exact, and nothing reaches the dead-letter queue. Real parts throughout (S3,
//! SQS, DynamoDB of the emulator; the built function as Lambda processes).

mod usage_stage;

use std::time::Instant;

use directory::Usage;
use serde_json::json;
use test_support::measurement::scaled;
use test_support::sqs_event_source::SqsEventSource;
use usage_stage::Stage;

const INSTANCES: usize = 4;

/// `make test` runs 250 objects (every fault path is taken, in well under a minute); the
/// documented figure is 1,000:
/// `COGNITO_BRIDGE_MEASURE=full scripts/with-local-cognito.sh cargo test --workspace --locked --test usage_under_contention -- --nocapture`
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_one_users_objects_is_counted_exactly_under_conflicts_and_throttling() {
    burst_under_faults(scaled(250, 1_000)).await;
}

async fn burst_under_faults(objects: u64) {
    let stage = Stage::new("contended", 15).await;
    let ada = stage.link(1).await;
    let size = |n: u64| n % 7 + 1;
    let started = Instant::now();
    let mut puts = tokio::task::JoinSet::new();
    for worker in 0..8 {
        let (s3, bucket, ada) = (stage.s3.clone(), stage.bucket.clone(), ada.clone());
        puts.spawn(async move {
            for n in (worker..objects).step_by(8) {
                s3.put_object()
                    .bucket(&bucket)
                    .key(format!("private/{ada}/burst/{n}.bin"))
                    .body(vec![b'x'; size(n) as usize].into())
                    .send()
                    .await
                    .unwrap();
            }
        });
    }
    puts.join_all().await;
    let uploaded = started.elapsed();
    let calls_before = stage.table_calls().await;

    // 5 % of writes meet a transaction on their item; 3 % of all requests are throttled.
    stage.set_faults(json!({"conflictRate": 0.05, "throttleRate": 0.03, "holdMs": 20, "seed": 1})).await;
    let started = Instant::now();
    let mut pollers = tokio::task::JoinSet::new();
    for _ in 0..INSTANCES {
        let source = SqsEventSource::new(stage.sqs.clone(), &stage.queue_url, &stage.queue_arn);
        let mut function = stage.function().await;
        pollers.spawn(async move {
            let reports = source.run_until_idle(&mut function, 400, 3).await;
            (reports, function)
        });
    }
    let mut received = 0;
    let mut failed = 0;
    let mut batches = 0;
    let mut functions = Vec::new();
    for (reports, function) in pollers.join_all().await {
        received += reports.iter().map(|r| r.received).sum::<usize>();
        failed += reports.iter().map(|r| r.failed).sum::<usize>();
        batches += reports.len();
        functions.push(function);
    }
    // A record that failed (throttled past the SDK's retries) comes back after the
    // visibility timeout: keep one instance polling until the queue is empty.
    let source = SqsEventSource::new(stage.sqs.clone(), &stage.queue_url, &stage.queue_arn);
    let deadline = Instant::now() + std::time::Duration::from_secs(120);
    while stage.queue_depth(&stage.queue_url).await > 0 && Instant::now() < deadline {
        let report = source.poll_once(&mut functions[0]).await;
        received += report.received;
        failed += report.failed;
    }
    let processed = started.elapsed();
    let injected = stage.injected_faults().await;
    stage.set_faults(json!({})).await;

    let expected = Usage { objects, bytes: (0..objects).map(size).sum() };
    assert_eq!(stage.stored(&ada).await, expected, "the bucket holds them all");
    let usage = stage.directory.get_by_identity_id(&ada).await.unwrap().unwrap().usage.unwrap();
    let logs: String = functions.iter().map(|f| f.logs()).collect();
    assert_eq!(
        usage,
        expected,
        "usage is exact; failed records {failed}\n{}",
        &logs[logs.len().saturating_sub(4000)..]
    );
    assert_eq!(stage.queue_depth(&stage.dlq_url).await, 0, "nothing dead-lettered");
    assert_eq!(stage.queue_depth(&stage.queue_url).await, 0, "nothing left");
    stage.assert_nothing_in_flight().await;
    let (conflicts, throttles) = (injected["conflicts"].as_u64().unwrap(), injected["throttles"].as_u64().unwrap());
    assert!(conflicts >= objects / 50 && throttles >= objects / 50, "faults were injected: {injected}");

    let mut calls = stage.table_calls().await;
    for (operation, before) in calls_before {
        *calls.get_mut(&operation).unwrap() -= before;
    }
    calls.retain(|_, count| *count > 0);
    assert!(!calls.contains_key("TransactWriteItems"), "the usage path has no transaction: {calls:?}");
    let per_object = |op: &str| *calls.get(op).unwrap_or(&0) as f64 / objects as f64;
    println!(
        "usage under contention: {objects} objects uploaded in {:.1} s, counted in {:.1} s by {INSTANCES} instances \
         ({batches} batches, {received} records received, {failed} failed and redelivered); faults injected: \
         {conflicts} conflicts, {throttles} throttles; dead-lettered: 0; DynamoDB calls per upload (injected \
         faults and retries included): GetItem {:.2}, UpdateItem {:.2}; all calls: {calls:?}",
        uploaded.as_secs_f64(),
        processed.as_secs_f64(),
        per_object("GetItem"),
        per_object("UpdateItem"),
    );
}
