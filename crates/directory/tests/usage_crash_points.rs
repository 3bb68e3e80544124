//! A usage change stopped between any two of its writes, then delivered again: the
//! counters end exact, the object items hold no unsettled change, the counter items no
//! marker. Real SDK over HTTP against the local emulator's DynamoDB; the stop is a client
//! interceptor that refuses every `UpdateItem` from the n-th on (the process is gone:
//! nothing after that point reaches DynamoDB). Run by `make test`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_runtime_api::box_error::BoxError;
use directory::{
    ChangeRecorded, IdentityDirectory, IdentityId, NewLink, ObjectChange, ObjectChangeEvent, Sequencer, Usage,
    UsageAccount, UsageChange, UserPoolId, schema,
};
use test_support::local_cognito::{LocalCognito, unique_name};

const NOW: u64 = 1_764_000_000;
/// When SQS delivers a message again after its invocation stopped: after the queue's
/// visibility timeout (720 s in the template), by which the stopped delivery's claims
/// have lapsed.
const REDELIVERED_AT: u64 = NOW + 720;
const BUCKET: &str = "crash-bucket";

/// Refuses every `UpdateItem` once `allowed` of them went through.
#[derive(Debug, Clone)]
struct StopAtWrite {
    allowed: Arc<AtomicI64>,
    writes: Arc<AtomicI64>,
}

impl Intercept for StopAtWrite {
    fn name(&self) -> &'static str {
        "StopAtWrite"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let target = context.request().headers().get("x-amz-target").unwrap_or_default();
        if target.ends_with(".UpdateItem") {
            if self.allowed.fetch_sub(1, Ordering::SeqCst) <= 0 {
                return Err("the function stopped here".into());
            }
            self.writes.fetch_add(1, Ordering::SeqCst);
        }
        Ok(())
    }
}

struct Stage {
    cognito: LocalCognito,
    table: String,
    directory: IdentityDirectory,
}

impl Stage {
    async fn new() -> Stage {
        let cognito = LocalCognito::from_env().await;
        let table = cognito.create_directory_table(&unique_name("crash")).await;
        let directory = IdentityDirectory::new(cognito.dynamodb(), table.clone());
        Stage { cognito, table, directory }
    }

    /// The directory, stopping after `allowed` updates (`None`: never); and the count of
    /// updates that went through.
    fn stopping(&self, allowed: Option<i64>) -> (IdentityDirectory, Arc<AtomicI64>) {
        let writes = Arc::new(AtomicI64::new(0));
        let stop =
            StopAtWrite { allowed: Arc::new(AtomicI64::new(allowed.unwrap_or(i64::MAX))), writes: writes.clone() };
        let config = aws_sdk_dynamodb::config::Builder::from(self.cognito.sdk_config()).interceptor(stop).build();
        (IdentityDirectory::new(aws_sdk_dynamodb::Client::from_conf(config), self.table.clone()), writes)
    }

    async fn link(&self, n: u32) -> IdentityId {
        let identity_id = IdentityId::parse(&format!("us-east-1:{n:08x}-0000-4000-8000-000000000000")).unwrap();
        let link = NewLink {
            identity_id: identity_id.clone(),
            user_pool_id: UserPoolId::parse("us-east-1_CrashTests1").unwrap(),
            sub: format!("sub-{n}"),
            username: format!("user-{n}"),
            linked_at: NOW,
        };
        self.directory.record_link(&link).await.unwrap();
        identity_id
    }

    async fn item(&self, key: String) -> schema::Item {
        let output = self
            .cognito
            .dynamodb()
            .get_item()
            .table_name(&self.table)
            .key(schema::PARTITION_KEY, AttributeValue::S(key))
            .consistent_read(true)
            .send()
            .await
            .unwrap();
        output.item.unwrap_or_default()
    }

    /// Counters exact; nothing unsettled, no marker left.
    async fn assert_settled(&self, id: &IdentityId, keys: &[String], expected: Usage, context: &str) {
        let entry = self.directory.get_by_identity_id(id).await.unwrap().unwrap();
        assert_eq!(entry.usage, Some(expected), "{context}");
        let counter = self.item(schema::identity_key(id)).await;
        let markers: Vec<_> = counter.keys().filter(|name| name.starts_with(schema::MARKER_PREFIX)).collect();
        assert!(markers.is_empty(), "{context}: markers left {markers:?}");
        for key in keys {
            let object = self.item(schema::object_key(BUCKET, key)).await;
            assert_eq!(object[schema::UNSETTLED], AttributeValue::M(Default::default()), "{context}: {key}");
        }
    }
}

fn change(id: &IdentityId, key: &str, sequencer: &str, change: ObjectChange, redelivered: bool) -> UsageChange {
    UsageChange {
        identity_id: id.clone(),
        account: UsageAccount::Linked,
        event: ObjectChangeEvent {
            bucket: BUCKET.into(),
            key: key.into(),
            sequencer: Sequencer::parse(sequencer).unwrap(),
            change,
        },
        redelivered,
    }
}

/// Two batches: two new keys; then an overwrite of one and the removal of the other.
fn batches(id: &IdentityId, keys: &[String], redelivered: bool) -> [Vec<UsageChange>; 2] {
    [
        vec![
            change(id, &keys[0], "0F", ObjectChange::Stored { size: 5 }, redelivered),
            change(id, &keys[1], "10", ObjectChange::Stored { size: 7 }, redelivered),
        ],
        vec![
            change(id, &keys[0], "11", ObjectChange::Stored { size: 8 }, redelivered),
            change(id, &keys[1], "12", ObjectChange::Removed, redelivered),
        ],
    ]
}

const AFTER: [Usage; 2] = [Usage { objects: 2, bytes: 12 }, Usage { objects: 1, bytes: 8 }];

#[tokio::test]
async fn a_batch_stopped_after_any_write_is_finished_by_its_redelivery() {
    let stage = Stage::new().await;
    // A clean run: how many updates each batch makes.
    let clean = stage.link(1).await;
    let keys = [format!("private/{clean}/a"), format!("private/{clean}/b")];
    let mut writes_per_batch = Vec::new();
    for (batch, expected) in batches(&clean, &keys, false).iter().zip(AFTER) {
        let (directory, writes) = stage.stopping(None);
        let recorded = directory.record_usage_changes(batch, NOW).await;
        assert!(recorded.iter().all(|r| matches!(r, Ok(ChangeRecorded::Counted))), "{recorded:?}");
        stage.assert_settled(&clean, &keys, expected, "clean run").await;
        writes_per_batch.push(writes.load(Ordering::SeqCst));
    }
    // Per batch of two keys of one user: 2 commits, 1 summed settle, 2 clears, 1 unmark.
    assert_eq!(writes_per_batch, [6, 6]);

    let mut n = 10;
    for (stopped_batch, &writes) in writes_per_batch.iter().enumerate() {
        for stop_after in 0..writes {
            n += 1;
            let id = stage.link(n).await;
            let keys = [format!("private/{id}/a"), format!("private/{id}/b")];
            let context = format!("batch {stopped_batch} stopped after {stop_after} of {writes} writes");
            let [first, second] = batches(&id, &keys, false);
            let [first_again, second_again] = batches(&id, &keys, true);
            if stopped_batch == 1 {
                stage.directory.record_usage_changes(&first, NOW).await;
            }
            let (stopping, _) = stage.stopping(Some(stop_after));
            let batch = if stopped_batch == 0 { &first } else { &second };
            let stopped = stopping.record_usage_changes(batch, NOW).await;
            assert!(stopped.iter().any(Result::is_err), "{context}: {stopped:?}");
            // SQS delivers the failed messages again: they finish the work.
            let again = if stopped_batch == 0 { &first_again } else { &second_again };
            let recorded = stage.directory.record_usage_changes(again, REDELIVERED_AT).await;
            assert!(recorded.iter().all(Result::is_ok), "{context}: {recorded:?}");
            stage.assert_settled(&id, &keys, AFTER[stopped_batch], &context).await;
            // And any later repeat changes nothing.
            let repeated = stage.directory.record_usage_changes(again, REDELIVERED_AT).await;
            assert!(
                repeated.iter().all(|r| matches!(r, Ok(ChangeRecorded::AlreadyCounted))),
                "{context}: {repeated:?}"
            );
            if stopped_batch == 0 {
                stage.directory.record_usage_changes(&second, REDELIVERED_AT).await;
                stage.assert_settled(&id, &keys, AFTER[1], &context).await;
            }
        }
    }
}

#[tokio::test]
async fn a_later_event_committed_over_an_unsettled_one_leaves_both_to_be_counted() {
    let stage = Stage::new().await;
    let id = stage.link(2).await;
    let keys = [format!("private/{id}/a"), format!("private/{id}/b")];
    // The put stops right after its commit (its change is unsettled on the object item).
    let (stopping, _) = stage.stopping(Some(1));
    let put = change(&id, &keys[0], "0F", ObjectChange::Stored { size: 5 }, false);
    assert!(stopping.record_usage_changes(std::slice::from_ref(&put), NOW).await[0].is_err());
    // The removal of the same key arrives before the put's redelivery: it is applied to
    // the key, but not counted before the put is (the count would dip below zero).
    let removal = change(&id, &keys[0], "10", ObjectChange::Removed, false);
    let recorded = stage.directory.record_usage_changes(std::slice::from_ref(&removal), NOW).await;
    assert!(matches!(&recorded[0], Err(error) if error.is_retryable()), "{recorded:?}");
    assert_eq!(stage.directory.get_by_identity_id(&id).await.unwrap().unwrap().usage, Some(Usage::default()));
    // The put's redelivery counts it; then the removal's.
    let put_again = UsageChange { redelivered: true, ..put };
    let recorded = stage.directory.record_usage_changes(&[put_again], REDELIVERED_AT).await;
    assert!(matches!(recorded[0], Ok(ChangeRecorded::Counted)), "{recorded:?}");
    assert_eq!(
        stage.directory.get_by_identity_id(&id).await.unwrap().unwrap().usage,
        Some(Usage { objects: 1, bytes: 5 })
    );
    let removal_again = UsageChange { redelivered: true, ..removal };
    let recorded = stage.directory.record_usage_changes(&[removal_again], REDELIVERED_AT).await;
    assert!(matches!(recorded[0], Ok(ChangeRecorded::Counted)), "{recorded:?}");
    stage.assert_settled(&id, &keys[..1], Usage::default(), "put, removal, then both again").await;
}

/// Holds a directory's `hold_update`-th `UpdateItem` (1 for the first) until `until` is
/// set, saying so in `held`; sets `read` on every `GetItem`.
#[derive(Debug, Clone)]
struct HoldAtWrite {
    hold_update: i64,
    updates: Arc<AtomicI64>,
    until: Arc<AtomicBool>,
    held: Arc<AtomicBool>,
    read: Arc<AtomicBool>,
}

impl Intercept for HoldAtWrite {
    fn name(&self) -> &'static str {
        "HoldAtWrite"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let target = context.request().headers().get("x-amz-target").unwrap_or_default();
        if target.ends_with(".GetItem") {
            self.read.store(true, Ordering::SeqCst);
        }
        if target.ends_with(".UpdateItem") && self.updates.fetch_add(1, Ordering::SeqCst) + 1 == self.hold_update {
            self.held.store(true, Ordering::SeqCst);
            // The delivery stalls here (a slow network, a paused instance): a blocking
            // wait is fine on this test's multi-threaded runtime.
            let started = std::time::Instant::now();
            while !self.until.load(Ordering::SeqCst) {
                if started.elapsed() > std::time::Duration::from_secs(30) {
                    return Err("held too long".into());
                }
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
        }
        Ok(())
    }
}

impl Stage {
    fn holding(&self, hold: HoldAtWrite) -> IdentityDirectory {
        let config = aws_sdk_dynamodb::config::Builder::from(self.cognito.sdk_config()).interceptor(hold).build();
        IdentityDirectory::new(aws_sdk_dynamodb::Client::from_conf(config), self.table.clone())
    }
}

/// S3 sent one event twice, and both deliveries run at once. The second reads the key's
/// item while the first has committed but not settled; the first then settles, clears and
/// unmarks; only then does the second go on. It must not count the event again (before
/// claims, it settled on a counter whose marker was already gone: two objects counted).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_event_delivered_twice_at_once_is_counted_once_whatever_the_interleaving() {
    let stage = Stage::new().await;
    let id = stage.link(3).await;
    let key = format!("private/{id}/a");
    let put = change(&id, &key, "0F", ObjectChange::Stored { size: 5 }, false);
    let flag = || Arc::new(AtomicBool::new(false));
    let (second_read, first_held, first_done) = (flag(), flag(), flag());
    // The first delivery stalls before its settle (its second write) until the second has read.
    let first = stage.holding(HoldAtWrite {
        hold_update: 2,
        updates: Arc::new(AtomicI64::new(0)),
        until: second_read.clone(),
        held: first_held.clone(),
        read: flag(),
    });
    // The second stalls before its first write until the first is done.
    let second = stage.holding(HoldAtWrite {
        hold_update: 1,
        updates: Arc::new(AtomicI64::new(0)),
        until: first_done.clone(),
        held: flag(),
        read: second_read.clone(),
    });
    let first_delivery = {
        let (put, first_done) = (put.clone(), first_done.clone());
        tokio::spawn(async move {
            let recorded = first.record_usage_changes(&[put], NOW).await;
            first_done.store(true, Ordering::SeqCst);
            recorded
        })
    };
    while !first_held.load(Ordering::SeqCst) {
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    let second_recorded = second.record_usage_changes(&[put], NOW).await;
    let first_recorded = first_delivery.await.unwrap();
    assert!(matches!(first_recorded[0], Ok(ChangeRecorded::Counted)), "{first_recorded:?}");
    assert!(matches!(second_recorded[0], Ok(ChangeRecorded::AlreadyCounted)), "{second_recorded:?}");
    stage.assert_settled(&id, &[key], Usage { objects: 1, bytes: 5 }, "one event delivered twice at once").await;
}
