//! A throttled user pool (what the emulator cannot produce on demand for one user:
//! aws-smithy-mocks in place of Cognito's connection; the directory and the queue are the
//! emulator's). The user Cognito would not answer for is never sent to be forgotten, the
//! run stops before them, and the next run checks them.

mod fixture;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use aws_sdk_cognitoidentityprovider::Client as IdpClient;
use aws_sdk_cognitoidentityprovider::operation::admin_get_user::AdminGetUserOutput;
use aws_sdk_cognitoidentityprovider::types::AttributeType;
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::retry::RetryConfig;
use fixture::Fixture;
use reconciler::reconcile_run::MAX_TRIES_PER_USER;
use reconciler::{Reconciler, RunLimits, StopReason};

fn error(code: &str, message: &str) -> HttpResponse {
    let body = serde_json::json!({"__type": code, "message": message});
    HttpResponse::new(StatusCode::try_from(400).unwrap(), SdkBody::from(body.to_string()))
}

/// A pool that throttles every check of `throttled` while `throttling` holds, has no
/// user `missing`, and has everyone else.
fn pool(throttled: String, missing: String, throttling: Arc<AtomicBool>) -> IdpClient {
    let (t1, t2) = (throttled.clone(), throttled);
    let throttle = mock!(IdpClient::admin_get_user)
        .match_requests(move |req| req.username() == Some(t1.as_str()) && throttling.load(Ordering::SeqCst))
        .then_http_response(|| error("TooManyRequestsException", "Rate exceeded"));
    let m = missing.clone();
    let gone = mock!(IdpClient::admin_get_user)
        .match_requests(move |req| req.username() == Some(m.as_str()))
        .then_http_response(|| error("UserNotFoundException", "User does not exist."));
    let _ = t2;
    let present = mock!(IdpClient::admin_get_user).then_compute_output(|req| {
        let sub = req.username().unwrap_or_default().to_owned();
        AdminGetUserOutput::builder()
            .username(format!("name-{sub}"))
            .user_attributes(AttributeType::builder().name("sub").value(sub).build().unwrap())
            .build()
            .unwrap()
    });
    let retries = RetryConfig::standard().with_max_attempts(1);
    mock_client!(aws_sdk_cognitoidentityprovider, RuleMode::MatchAny, [&throttle, &gone, &present], |c| c
        .retry_config(retries.clone()))
}

#[tokio::test]
async fn a_user_cognito_would_not_answer_for_is_never_sent() {
    let f = Fixture::new("rec-throttle").await;
    let subs: Vec<String> = (0..6).map(|n| format!("0000000{n}-aaaa-4bbb-8ccc-00000000000{n}")).collect();
    for (n, sub) in subs.iter().enumerate() {
        f.link(sub, &format!("t-{n}")).await;
    }
    let (throttled, missing) = (subs[3].clone(), subs[5].clone());
    let throttling = Arc::new(AtomicBool::new(true));
    let idp = pool(throttled.clone(), missing.clone(), throttling.clone());
    let reconciler = Reconciler::new(idp, f.sqs.clone(), f.directory.clone(), f.pool.clone(), f.queue_url.clone(), 50);

    let first = reconciler.run(1, RunLimits::within(Duration::from_secs(60))).await;

    assert_eq!(first.stop, StopReason::Throttled, "{first:?}");
    assert_eq!(first.throttled, u64::from(MAX_TRIES_PER_USER), "{first:?}");
    assert!(first.checked < 6 && !first.pass_finished, "{first:?}");
    let sent_first = f.subs_of(&f.drain().await);
    assert!(!sent_first.contains(&throttled), "a forget for a user it could not check");
    assert_eq!(sent_first.len() as u64, first.missing);

    // Cognito answers again: the next run starts with the user it could not check.
    throttling.store(false, Ordering::SeqCst);
    let second = reconciler.run(2, RunLimits::within(Duration::from_secs(60))).await;
    assert_eq!((second.stop, second.errors), (StopReason::PassFinished, 0), "{second:?}");
    assert_eq!(first.checked + second.checked, 6, "each user checked once: {first:?} {second:?}");
    let mut all = sent_first;
    all.extend(f.subs_of(&f.drain().await));
    assert_eq!(all, vec![missing], "only the missing user, once");
}
