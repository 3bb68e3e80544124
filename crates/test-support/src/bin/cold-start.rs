//! Cold start of the release `authorizer` and `link` binaries: time from process
//! start to the first poll of the Lambda runtime API, and to the first answer, under a
//! local runtime API, against the local Cognito (`AWS_ENDPOINT_URL`).
//!
//! ```text
//! scripts/with-local-cognito.sh target/release/cold-start --bin-dir target/release [--runs 20]
//! ```
//! (`scripts/cold-start.sh` builds the release binaries and runs this.)

use std::time::Duration;

use test_support::lambda_process::{InvokeOutcome, LambdaProcess};
use test_support::local_cognito::{LocalCognito, unique_name};
use test_support::sample_events::{EventValues, sample_event};

struct Sample {
    first_poll: Duration,
    first_answer: Duration,
}

async fn measure(binary: &str, env: &[(String, String)], event: &serde_json::Value) -> Sample {
    let mut process = LambdaProcess::start(binary, env).await.expect("the function starts");
    let outcome = process.invoke(event).await;
    let first_answer = process.since_spawn();
    if let InvokeOutcome::Error { error_type, .. } = &outcome
        && error_type != "Unauthorized"
    {
        panic!("{binary} failed: {outcome:?}\n{}", process.logs());
    }
    let first_poll = process.time_to_first_poll().expect("the function polled");
    Sample { first_poll, first_answer }
}

fn summary(label: &str, samples: &[Sample]) {
    let stat = |pick: fn(&Sample) -> Duration| {
        let mut values: Vec<Duration> = samples.iter().map(pick).collect();
        values.sort();
        (values[0], values[values.len() / 2], values[values.len() - 1])
    };
    let (poll_min, poll_median, poll_max) = stat(|s| s.first_poll);
    let (answer_min, answer_median, answer_max) = stat(|s| s.first_answer);
    println!(
        "| {label:<58} | {:>7.2} ms ({:.2}–{:.2}) | {:>7.2} ms ({:.2}–{:.2}) |",
        ms(poll_median),
        ms(poll_min),
        ms(poll_max),
        ms(answer_median),
        ms(answer_min),
        ms(answer_max)
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let mut bin_dir = "target/release".to_string();
    let mut runs = 20usize;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--bin-dir" => bin_dir = args.next().expect("--bin-dir DIR"),
            "--runs" => runs = args.next().and_then(|n| n.parse().ok()).expect("--runs N"),
            other => panic!("unknown argument {other}"),
        }
    }
    let stack = LocalCognito::from_env().await.create_stack(&unique_name("cold-start")).await;
    let mut env = stack.function_env();
    // The identity directory, as deployed: link needs it, the authorizer reads it first.
    env.push(("DIRECTORY_TABLE".into(), stack.cognito.create_directory_table(&unique_name("cold-start")).await));

    println!("cold start over {runs} runs each: median (min–max), process spawn → …");
    println!("| {:<58} | {:<26} | {:<26} |", "binary and first event", "first poll of runtime API", "first answer");
    println!("|{}|{}|{}|", "-".repeat(60), "-".repeat(28), "-".repeat(28));

    let authorizer = format!("{bin_dir}/authorizer");
    let link = format!("{bin_dir}/link");
    let rejected = sample_event(
        "authorizer-rest-token.json",
        &EventValues { id_token: Some("not-a-token".into()), ..Default::default() },
    );
    let mut samples = Vec::new();
    for _ in 0..runs {
        samples.push(measure(&authorizer, &env, &rejected).await);
    }
    summary("authorizer, malformed token (no network)", &samples);

    let mut samples = Vec::new();
    for i in 0..runs {
        let user = stack.create_user(&format!("cold-authz-{i}")).await;
        let tokens = stack.sign_in(&user).await;
        let event = sample_event(
            "authorizer-rest-token.json",
            &EventValues { id_token: Some(tokens.id_token), ..Default::default() },
        );
        samples.push(measure(&authorizer, &env, &event).await);
    }
    summary("authorizer, valid unlinked token (JWKS, directory miss, GetId, directory write)", &samples);

    let mut samples = Vec::new();
    for i in 0..runs {
        let user = stack.create_user(&format!("cold-link-{i}")).await;
        let tokens = stack.sign_in(&user).await;
        let identity_id = stack.get_id(&tokens.id_token).await.expect("GetId");
        let event = sample_event(
            "link-rest-iam.json",
            &EventValues {
                user_pool_id: Some(stack.pool_id.clone()),
                identity_pool_id: Some(stack.identity_pool_id.clone()),
                identity_id: Some(identity_id),
                sub: Some(user.sub.clone()),
                id_token: Some(tokens.id_token),
            },
        );
        samples.push(measure(&link, &env, &event).await);
    }
    summary("link, first link (JWKS, directory read, GetId, transaction, attribute write, mark)", &samples);
}
