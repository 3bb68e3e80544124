//! The AWS calls of a reconciler pass, counted by the emulator: per user one
//! `AdminGetUser`; per 100 directory items one `Scan`; per 10 missing users one
//! `SendMessageBatch` (plus at most one partial batch per page, sent before the page's
//! position is saved); one `GetItem`, and one `PutItem` per page of progress. Both passes
//! run in CI; the one at the default pace takes 1,000 users with
//! `COGNITO_BRIDGE_MEASURE=full` (`test_support::measurement`) and prints the numbers and
//! the pace.

mod fixture;

use std::time::{Duration, Instant};

use fixture::Fixture;
use reconciler::RunLimits;
use reconciler::reconcile_run::SCAN_PAGE_ITEMS;
use test_support::measurement::scaled;
use tokio::sync::Mutex;

// The SQS calls are counted across the emulator: one counted pass at a time.
static SERIAL: Mutex<()> = Mutex::const_new(());

async fn counted_pass(prefix: &str, users: usize, deleted: usize, per_second: u32) {
    let _one = SERIAL.lock().await;
    let f = Fixture::new(prefix).await;
    let linked = f.linked_users("c", users).await;
    for user in linked.iter().step_by(users / deleted).take(deleted) {
        f.delete_from_pool(user).await;
    }
    let before = f.calls().await;

    let started = Instant::now();
    let report = f.reconciler(per_second).run(1, RunLimits::within(Duration::from_secs(3600))).await;
    let took = started.elapsed();

    let after = f.calls().await;
    let delta = |op: &str| after.get(op).copied().unwrap_or(0) - before.get(op).copied().unwrap_or(0);
    assert!(report.pass_finished, "{report:?}");
    assert_eq!((report.checked, report.missing, report.sent), (users as u64, deleted as u64, deleted as u64));
    // Two items per link: the scan reads both; pages of SCAN_PAGE_ITEMS items (plus the
    // empty last page DynamoDB may need to say it is done).
    let items = 2 * users as u64;
    let pages = items.div_ceil(SCAN_PAGE_ITEMS as u64);
    assert_eq!(delta("AdminGetUser") as u64, users as u64);
    assert_eq!(delta("AdminGetUser") as u64, report.admin_get_user_calls);
    assert!((pages..=pages + 1).contains(&(delta("Scan") as u64)), "{} scans for {items} items", delta("Scan"));
    assert_eq!(delta("Scan") as u64, report.scan_calls);
    // Pending messages are sent before each saved position: at most one partial batch a page.
    let sends = delta("SendMessageBatch") as u64;
    assert_eq!(sends, report.send_calls);
    assert!(
        ((deleted as u64).div_ceil(10)..=(deleted as u64).div_ceil(10) + report.scan_calls).contains(&sends),
        "{sends} sends"
    );
    assert_eq!(delta("GetItem"), 1, "the position, read once");
    assert_eq!(delta("PutItem") as u64, report.scan_calls, "the position, saved once per page");
    // The progress item itself is in the table: a pass that saved it mid-way reads it too.
    assert!((items..=items + 1).contains(&report.items_read), "{} items read", report.items_read);
    let per_thousand = |n: usize| n as f64 * 1000.0 / users as f64;
    println!(
        "reconcile pass of {users} users ({deleted} deleted) at {per_second}/s: {took:?} ({:.1} checks/s); calls: \
         AdminGetUser {} ({:.0}/1,000 users), Scan {} ({:.1}/1,000), SendMessageBatch {}, GetItem {}, PutItem {} ({:.1}/1,000); \
         directory items read {}",
        users as f64 / took.as_secs_f64(),
        delta("AdminGetUser"),
        per_thousand(delta("AdminGetUser")),
        delta("Scan"),
        per_thousand(delta("Scan")),
        delta("SendMessageBatch"),
        delta("GetItem"),
        delta("PutItem"),
        per_thousand(delta("PutItem")),
        report.items_read,
    );
    // The pace holds: never faster than asked (the first call goes at once).
    let floor = Duration::from_secs_f64((users as f64 - 1.0) / per_second as f64);
    assert!(took >= floor, "{took:?} for {users} checks at {per_second}/s");
}

#[tokio::test]
async fn a_small_pass_makes_the_counted_calls() {
    counted_pass("rec-count", 60, 12, 50).await;
}

/// At the default pace: 40 users (4 deleted) in `make test`, about 2 s; the documented
/// 1,000 users (25 deleted), about a minute, with `COGNITO_BRIDGE_MEASURE=full`.
#[tokio::test]
async fn the_users_at_the_default_pace() {
    let (users, deleted) = scaled((40, 4), (1000, 25));
    counted_pass("rec-pace", users, deleted, reconciler::config::DEFAULT_REQUESTS_PER_SECOND).await;
}
