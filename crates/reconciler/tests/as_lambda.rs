//! The built `reconciler` binary as Lambda runs it on its schedule (a process polling the
//! runtime API, given EventBridge's "Scheduled Event"): each invocation stops before its
//! deadline with its position saved, the next one continues, the deleted user is sent
//! once, and the log and metrics lines carry counts only.

mod fixture;

use fixture::Fixture;
use lambda_process::{InvokeOutcome, LambdaProcess};
use serde_json::{Value, json};

fn scheduled_event() -> Value {
    json!({
        "version": "0", "id": "89d1a02d-5ec7-412e-82f5-13505f849b41", "detail-type": "Scheduled Event",
        "source": "aws.events", "account": "123456789012", "time": "2026-12-07T22:00:00Z", "region": "us-east-1",
        "resources": ["arn:aws:events:us-east-1:123456789012:rule/stack-ReconcileFunctionSchedule"], "detail": {}
    })
}

#[tokio::test]
async fn scheduled_runs_continue_until_the_pass_is_done() {
    let f = Fixture::new("rec-lambda").await;
    let users = f.linked_users("l", 6).await;
    f.delete_from_pool(&users[3]).await;
    let env: Vec<(String, String)> = vec![
        ("AWS_ENDPOINT_URL".into(), f.cognito.endpoint.clone()),
        ("AWS_REGION".into(), "us-east-1".into()),
        ("AWS_ACCESS_KEY_ID".into(), "testing".into()),
        ("AWS_SECRET_ACCESS_KEY".into(), "testing".into()),
        ("DIRECTORY_TABLE".into(), f.table.clone()),
        ("USER_POOL_ID".into(), f.pool.to_string()),
        ("FORGET_QUEUE_URL".into(), f.queue_url.clone()),
        ("RECONCILE_REQUESTS_PER_SECOND".into(), "2".into()),
        // The local runtime gives each invocation 30 s: stop after about 2.
        ("RECONCILE_STOP_BEFORE_DEADLINE_SECONDS".into(), "28".into()),
        ("RUST_LOG".into(), "info".into()),
    ];
    let mut function = LambdaProcess::start_named(env!("CARGO_BIN_EXE_reconciler"), "stack-reconciler", &env)
        .await
        .expect("the function starts");

    let mut checked = 0;
    let mut runs = 0;
    loop {
        runs += 1;
        let report = match function.invoke(&scheduled_event()).await {
            InvokeOutcome::Response(value) => value,
            InvokeOutcome::Error { error_type, error_message } => panic!("{error_type}: {error_message}"),
        };
        checked += report["checked"].as_u64().unwrap();
        if report["passFinished"] == json!(true) {
            break;
        }
        assert_eq!(report["stop"], "deadline", "{report}");
        assert!(runs < 6, "the pass never finished: {report}");
    }
    assert!(runs >= 2, "a 2 s run at 2/s cannot check 6 users");
    assert_eq!(checked, 6, "each user checked once over {runs} runs");
    assert_eq!(f.subs_of(&f.drain().await), vec![users[3].sub.clone()]);

    let logs = function.logs();
    assert!(logs.contains("reconcile run") && logs.contains("UsersChecked"), "{logs}");
    for user in &users {
        assert!(!logs.contains(&user.sub) && !logs.contains(&user.username), "a user in the log: {logs}");
    }
}
