//! The reconciler against the local emulator: a user deleted from the pool is found and
//! sent to the forget queue exactly once; users the pool still has are left alone; a run
//! stopped by its limit or its deadline continues where it stopped; a dry run sends
//! nothing and saves nothing.

mod fixture;

use std::time::Duration;

use fixture::Fixture;
use reconciler::{RunLimits, StopReason};

const NOW: u64 = 1_765_000_000;

#[tokio::test]
async fn a_deleted_user_is_sent_once_and_present_users_are_left_alone() {
    let f = Fixture::new("rec-once").await;
    let users = f.linked_users("u", 6).await;
    f.delete_from_pool(&users[2]).await;

    let report = f.reconciler(50).run(NOW, RunLimits::within(Duration::from_secs(60))).await;

    assert_eq!(report.stop, StopReason::PassFinished, "{report:?}");
    assert!(report.pass_finished);
    assert_eq!(
        (report.checked, report.present, report.missing, report.sent, report.errors),
        (6, 5, 1, 1, 0),
        "{report:?}"
    );
    let messages = f.drain().await;
    assert_eq!(f.subs_of(&messages), vec![users[2].sub.clone()]);
    // The users still exist, untouched.
    for (n, user) in users.iter().enumerate().filter(|(n, _)| *n != 2) {
        let got = f.cognito.idp().admin_get_user().user_pool_id(f.pool.as_str()).username(&user.username).send().await;
        assert!(got.is_ok(), "user {n} is gone");
    }
    let progress = f.directory.reconcile_progress(&f.pool).await.unwrap().unwrap();
    assert_eq!((progress.passes, progress.position.as_deref(), progress.last_pass_finished_at), (1, None, Some(NOW)));

    // The next pass finds the same user again (the forget function removes the link).
    let again = f.reconciler(50).run(NOW + 86_400, RunLimits::within(Duration::from_secs(60))).await;
    assert_eq!((again.missing, again.sent), (1, 1));
    assert_eq!(f.subs_of(&f.drain().await), vec![users[2].sub.clone()]);
}

#[tokio::test]
async fn a_run_stopped_at_its_limit_continues_where_it_stopped() {
    let f = Fixture::new("rec-resume").await;
    let users = f.linked_users("r", 9).await;
    for user in [&users[0], &users[4], &users[8]] {
        f.delete_from_pool(user).await;
    }
    let limit = |n| RunLimits { max_users: Some(n), ..RunLimits::within(Duration::from_secs(60)) };

    let first = f.reconciler(50).run(NOW, limit(4)).await;
    assert_eq!((first.stop, first.checked, first.pass_finished), (StopReason::Limit, 4, false), "{first:?}");
    let saved = f.directory.reconcile_progress(&f.pool).await.unwrap().unwrap();
    assert!(saved.position.is_some() && saved.checked == 4, "{saved:?}");
    let second = f.reconciler(50).run(NOW + 60, limit(4)).await;
    assert_eq!((second.stop, second.checked), (StopReason::Limit, 4), "{second:?}");
    let third = f.reconciler(50).run(NOW + 120, limit(4)).await;
    assert_eq!((third.stop, third.checked, third.pass_finished), (StopReason::PassFinished, 1, true), "{third:?}");

    // Every user checked once over the three runs, each missing one sent once.
    assert_eq!(first.missing + second.missing + third.missing, 3);
    let mut expected: Vec<String> = [&users[0], &users[4], &users[8]].iter().map(|u| u.sub.clone()).collect();
    expected.sort();
    assert_eq!(f.subs_of(&f.drain().await), expected);
    let done = f.directory.reconcile_progress(&f.pool).await.unwrap().unwrap();
    assert_eq!((done.passes, done.position, done.pass_started_at), (1, None, NOW + 120));
}

#[tokio::test]
async fn a_run_near_its_deadline_saves_its_position_and_sends_what_it_found() {
    let f = Fixture::new("rec-deadline").await;
    let users = f.linked_users("d", 8).await;
    f.delete_from_pool(&users[0]).await;
    f.delete_from_pool(&users[7]).await;

    // 4 checks a second for about 1 s: a few users, not all.
    let first = f.reconciler(4).run(NOW, RunLimits::within(Duration::from_millis(1100))).await;
    assert_eq!(first.stop, StopReason::Deadline, "{first:?}");
    assert!(first.checked >= 2 && first.checked < 8, "{first:?}");
    let sent_first = f.subs_of(&f.drain().await);
    assert_eq!(sent_first.len() as u64, first.missing);

    let rest = f.reconciler(50).run(NOW + 60, RunLimits::within(Duration::from_secs(60))).await;
    assert_eq!(rest.stop, StopReason::PassFinished, "{rest:?}");
    assert_eq!(first.checked + rest.checked, 8, "each user checked once: {first:?} {rest:?}");
    let mut all = sent_first;
    all.extend(f.subs_of(&f.drain().await));
    all.sort();
    let mut expected = vec![users[0].sub.clone(), users[7].sub.clone()];
    expected.sort();
    assert_eq!(all, expected);
}

#[tokio::test]
async fn a_dry_run_checks_and_counts_but_sends_and_saves_nothing() {
    let f = Fixture::new("rec-dry").await;
    let users = f.linked_users("y", 3).await;
    f.delete_from_pool(&users[1]).await;

    let report = f.reconciler(50).dry_run(true).run(NOW, RunLimits::within(Duration::from_secs(60))).await;

    assert_eq!((report.checked, report.missing, report.sent, report.send_calls), (3, 1, 0, 0), "{report:?}");
    assert!(f.drain().await.is_empty());
    assert_eq!(f.directory.reconcile_progress(&f.pool).await.unwrap(), None);
}

#[tokio::test]
async fn users_of_another_pool_are_not_checked() {
    let f = Fixture::new("rec-other").await;
    f.linked_users("o", 2).await;
    let other = f.cognito.create_stack(&test_support::local_cognito::unique_name("rec-other-b")).await;
    let stranger = other.create_user("stranger").await;
    let link = directory::NewLink {
        identity_id: directory::IdentityId::parse("us-east-1:0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d").unwrap(),
        user_pool_id: directory::UserPoolId::parse(&other.pool_id).unwrap(),
        sub: stranger.sub.clone(),
        username: stranger.username.clone(),
        linked_at: 1,
    };
    f.directory.record_link(&link).await.unwrap();

    let report = f.reconciler(50).run(NOW, RunLimits::within(Duration::from_secs(60))).await;

    assert_eq!((report.checked, report.other_pool, report.missing), (2, 1, 0), "{report:?}");
    assert!(f.cognito.calls_for(&other.pool_id).await.iter().all(|c| c.operation != "AdminGetUser"));
}
