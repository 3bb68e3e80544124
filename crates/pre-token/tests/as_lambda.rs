//! The built `pre-token` binary as Lambda runs it (a process polling the runtime API):
//! a linked user's event comes back with `identity_id` for both tokens, anything else
//! comes back unchanged, and a warm invocation stays far under the 5 ms budget.

use std::time::{Duration, Instant};

use lambda_process::{InvokeOutcome, LambdaProcess};
use serde_json::{Value, json};

const IDENTITY_ID: &str = "us-east-1:1f0c7e2a-3b4c-4d5e-8f60-718293a4b5c6";

fn sample() -> Value {
    serde_json::from_str(include_str!("../../../events/pre-token-generation-v2.json")).unwrap_or_default()
}

fn answer(outcome: InvokeOutcome) -> Value {
    match outcome {
        InvokeOutcome::Response(value) => value,
        InvokeOutcome::Error { error_type, error_message } => {
            panic!("the trigger failed: {error_type}: {error_message}")
        }
    }
}

#[tokio::test]
async fn answers_every_event_and_adds_the_claim_only_for_a_linked_user() {
    let env = vec![("RUST_LOG".to_owned(), "info".to_owned())];
    let mut function = LambdaProcess::start(env!("CARGO_BIN_EXE_pre-token"), &env).await.expect("the function starts");
    let linked = answer(function.invoke(&sample()).await);
    let first_answer = function.since_spawn();
    let details = &linked["response"]["claimsAndScopeOverrideDetails"];
    assert_eq!(details["idTokenGeneration"]["claimsToAddOrOverride"], json!({"identity_id": IDENTITY_ID}));
    assert_eq!(details["accessTokenGeneration"]["claimsToAddOrOverride"], json!({"identity_id": IDENTITY_ID}));

    let mut unlinked = sample();
    unlinked["request"]["userAttributes"].as_object_mut().map(|a| a.remove("custom:identity_id"));
    assert_eq!(answer(function.invoke(&unlinked).await), unlinked);
    let mut bare = sample();
    bare["request"] = json!(null);
    assert_eq!(answer(function.invoke(&bare).await), bare);
    assert_eq!(answer(function.invoke(&json!("not an event")).await), json!("not an event"));

    // Warm invocations through the local runtime API (its own round trip included).
    let mut warm = Vec::new();
    for _ in 0..200 {
        let at = Instant::now();
        answer(function.invoke(&sample()).await);
        warm.push(at.elapsed());
    }
    warm.sort();
    let (median, p99) = (warm[warm.len() / 2], warm[warm.len() * 99 / 100]);
    println!(
        "pre-token: first poll {:?}, first answer {first_answer:?} after spawn; warm invoke median {median:?}, p99 {p99:?} (runtime API round trip included)",
        function.time_to_first_poll()
    );
    assert!(median < Duration::from_millis(5), "warm median {median:?} is over the 5 ms budget");

    let logs = function.logs();
    assert!(logs.contains("claim_added") && logs.contains("not_linked") && logs.contains("not_an_event"), "{logs}");
    assert!(!logs.contains(IDENTITY_ID) && !logs.contains("alice"), "ids or names in the log: {logs}");
}
