//! The authorizer's hot path against the physical limit of one RS256 verification.
//!
//! One `cargo bench -p authorizer` run measures, on the same Cognito-shaped id token
//! (RSA-2048 key generated here, claims from `id_token_claims`, linked with
//! `custom:identity_id` so no `GetId` is involved):
//!
//! - `rs256/bare_verify_sig`: aws-lc-rs `ParsedPublicKey::verify_sig` over `header.payload`
//!   with a pre-parsed key and a pre-decoded signature: **the floor**;
//! - `rs256/unparsed_verify`: `UnparsedPublicKey::verify` (parse the key, then verify), what
//!   most JWT crates do on every call;
//! - `verifier/verify_at_cached_keys`: `CognitoJwtVerifier::verify_at` with the keys cached;
//! - `handler/<flavour>_<first_seen|repeat>`: the whole handler path as the Lambda runtime
//!   runs it, event JSON bytes in, response JSON bytes out (`serde_path_to_error` over
//!   `serde_json` into an `AuthorizerRequest` → `Authorizer::authorize_request` →
//!   `serde_json::to_vec`, exactly the runtime's calls), for
//!   REST `TOKEN`, REST `REQUEST` and HTTP API 2.0 events (the samples of `events/`), with
//!   a token the instance has never seen (every iteration a distinct signed token: the
//!   verified-token cache misses, which is checked) and with a repeat token (a hit);
//! - `handler/access_ruled_<first_seen|repeat>`: the REST `REQUEST` event with an access
//!   token, under the template's settings: `TOKEN_USE=any`, its example route rules (one
//!   Deny statement in the answer) and the identity directory knowing the user (read once
//!   per instance, before timing);
//! - `runtime/read_<flavour>_event`: what `lambda_runtime` spends reading that event with
//!   every value skipped: the least any handler pays before its first line runs;
//! - `handler/request_repeat_via_value`: the REST `REQUEST` repeat through a parsed
//!   `serde_json::Value` and `Authorizer::authorize`, for comparison.
//!
//! At the end it prints a table: criterion's median ns/op and its ratio to the floor's
//! median (read from criterion's `estimates.json` files), and a paired ratio, measured
//! in rounds that time each case between two batches of the floor (see
//! [`paired_ratios`]): on a shared machine whose speed drifts between criterion's
//! benches, only the paired ratio is stable, so the budgets of the design (first-seen
//! ≤ 1.3× the floor, repeat ≤ 0.1×) are checked on it.
//!
//! `BENCH_BREAKDOWN=1` measures instead what each step of a repeat call costs (parsing
//! the event as a `Value` or as an `AuthorizerRequest`, plainly and as the runtime does,
//! skipping it whole, `authorize_request`, serializing the answer), and what keying the
//! verified-token cache costs: the token's seeded foldhash (what the cache does) against
//! its SHA-256 (what it did before).
//!
//! The authorizer future is polled once with a no-op waker: with the keys cached the hot
//! path never waits, and the bench fails loudly if it ever does. No runtime, HTTP or log
//! subscriber is involved (`authorize` logs one line per call; with no subscriber that
//! costs a disabled-callsite check, as with a filter excluding it).

mod fixture;

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use authorizer::{Authorizer, AuthorizerRequest};
use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};
use criterion::Criterion;
use fixture::{
    FIRST_SEEN_BUDGET, FLAVOURS, REPEAT_BUDGET, Setup, assert_allowed, event_text, handle, ready, runtime_read,
};
use serde_json::Value;

/// Distinct signed tokens for the first-seen benches. Each batch of up to this many
/// iterations runs on a fresh authorizer, so no token is ever seen twice by one instance.
const FIRST_SEEN_POOL: usize = 1024;

/// The same as [`handle`] through a parsed [`Value`] (`Authorizer::authorize`), for comparison.
fn handle_via_value(authorizer: &Authorizer, event: &[u8], now: u64) -> Vec<u8> {
    let event: Value = serde_json::from_slice(event).expect("the event is JSON");
    match ready(authorizer.authorize(&event, now)) {
        Ok(answer) => serde_json::to_vec(&answer).expect("answers serialize"),
        Err(err) => panic!("the bench token was refused: {err:?}"),
    }
}

fn bench_rs256(c: &mut Criterion, setup: &Setup) {
    let token = &setup.token;
    let message = &token.token.as_bytes()[..token.signing_input_len];
    let parsed = ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, setup.key.public_key_der()).expect("public key");
    let unparsed = UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, setup.key.public_key_der());
    parsed.verify_sig(message, &token.signature).expect("floor token verifies");
    unparsed.verify(message, &token.signature).expect("floor token verifies");

    let mut group = c.benchmark_group("rs256");
    group.bench_function("bare_verify_sig", |b| {
        b.iter(|| parsed.verify_sig(black_box(message), black_box(&token.signature)).is_ok())
    });
    group.bench_function("unparsed_verify", |b| {
        b.iter(|| unparsed.verify(black_box(message), black_box(&token.signature)).is_ok())
    });
    group.finish();
}

fn bench_verifier(c: &mut Criterion, setup: &Setup) {
    let verifier = setup.warm_verifier();
    let mut group = c.benchmark_group("verifier");
    group.bench_function("verify_at_cached_keys", |b| {
        b.iter(|| ready(verifier.verify_at(black_box(&setup.token.token), setup.now)).expect("verifies"))
    });
    group.finish();
}

fn bench_runtime_read(c: &mut Criterion, setup: &Setup) {
    let mut group = c.benchmark_group("runtime");
    for (flavour, file) in FLAVOURS {
        let event = event_text(file, &setup.token.token).into_bytes();
        group.bench_function(format!("read_{flavour}_event"), |b| b.iter(|| runtime_read(black_box(&event))));
    }
    group.finish();
}

fn bench_handler(c: &mut Criterion, setup: &Setup) {
    let mut group = c.benchmark_group("handler");
    for (flavour, file) in FLAVOURS {
        let fresh_events: Vec<Vec<u8>> =
            setup.fresh_tokens.iter().map(|token| event_text(file, token).into_bytes()).collect();
        assert_allowed(&handle(&setup.fresh_authorizer(), &fresh_events[0], setup.now));

        // First seen: every call a token the instance never saw (see `time_first_seen`).
        group.bench_function(format!("{flavour}_first_seen"), |b| {
            b.iter_custom(|iterations| {
                time_first_seen(iterations, &fresh_events, setup, || setup.fresh_authorizer(), 0)
            })
        });

        // Repeat: the same token on an instance that verified it once already.
        let repeat_event = event_text(file, &setup.token.token).into_bytes();
        let authorizer = setup.fresh_authorizer();
        assert_allowed(&handle(&authorizer, &repeat_event, setup.now));
        assert_eq!(authorizer.cached_token_count(), 1);
        group.bench_function(format!("{flavour}_repeat"), |b| {
            b.iter(|| handle(&authorizer, black_box(&repeat_event), setup.now))
        });
        assert_eq!(authorizer.cached_token_count(), 1);
        if flavour == "request" {
            assert_eq!(
                handle_via_value(&authorizer, &repeat_event, setup.now),
                handle(&authorizer, &repeat_event, setup.now)
            );
            group.bench_function("request_repeat_via_value", |b| {
                b.iter(|| handle_via_value(&authorizer, black_box(&repeat_event), setup.now))
            });
        }
    }
    bench_access_ruled(&mut group, setup);
    group.finish();
    assert_eq!(setup.get_id.num_calls(), 0, "linked tokens never call GetId");
}

/// Times `iterations` handler calls on first-seen tokens: batches of distinct tokens,
/// each batch on a new instance from `instance` that has the keys but has never seen any
/// of them (it holds `cached_before` other tokens). Only the handler calls are timed.
fn time_first_seen(
    iterations: u64,
    events: &[Vec<u8>],
    setup: &Setup,
    instance: impl Fn() -> Authorizer,
    cached_before: usize,
) -> Duration {
    let mut timed = Duration::ZERO;
    let mut left = iterations as usize;
    while left > 0 {
        let authorizer = instance();
        let batch = &events[..left.min(events.len())];
        let started = Instant::now();
        for event in batch {
            black_box(handle(&authorizer, black_box(event), setup.now));
        }
        timed += started.elapsed();
        // Each verified token was inserted once: every call missed the cache.
        assert_eq!(authorizer.cached_token_count(), cached_before + batch.len(), "a first-seen token hit the cache");
        left -= batch.len();
    }
    timed
}

/// The REST `REQUEST` event with an access token, under the template's settings.
fn bench_access_ruled(group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>, setup: &Setup) {
    let file = "authorizer-rest-request.json";
    let fresh_events: Vec<Vec<u8>> =
        setup.fresh_access_tokens.iter().map(|token| event_text(file, token).into_bytes()).collect();
    group.bench_function("access_ruled_first_seen", |b| {
        // One token was cached already: the warm-up of `ruled_authorizer`.
        b.iter_custom(|iterations| time_first_seen(iterations, &fresh_events, setup, || setup.ruled_authorizer(), 1))
    });
    let repeat_event = event_text(file, &setup.access_token).into_bytes();
    let authorizer = setup.ruled_authorizer();
    assert_allowed(&handle(&authorizer, &repeat_event, setup.now));
    group
        .bench_function("access_ruled_repeat", |b| b.iter(|| handle(&authorizer, black_box(&repeat_event), setup.now)));
    assert_eq!(authorizer.cached_token_count(), 1);
}

/// `BENCH_BREAKDOWN=1`: what each step of a repeat call costs, for profiling (no table).
fn bench_breakdown(c: &mut Criterion, setup: &Setup) {
    let mut group = c.benchmark_group("breakdown");
    for (flavour, file) in FLAVOURS {
        let text = event_text(file, &setup.token.token);
        let authorizer = setup.fresh_authorizer();
        let request: AuthorizerRequest = serde_json::from_str(&text).expect("event");
        let answer = ready(authorizer.authorize_request(&request, setup.now)).expect("allowed");
        group.bench_function(format!("{flavour}_parse_value"), |b| {
            b.iter(|| serde_json::from_str::<Value>(black_box(&text)).expect("event"))
        });
        group.bench_function(format!("{flavour}_parse_request"), |b| {
            b.iter(|| serde_json::from_str::<AuthorizerRequest>(black_box(&text)).expect("event"))
        });
        group.bench_function(format!("{flavour}_parse_request_as_runtime"), |b| {
            b.iter(|| {
                let mut reader = serde_json::Deserializer::from_str(black_box(&text));
                serde_path_to_error::deserialize::<_, AuthorizerRequest>(&mut reader).expect("event")
            })
        });
        group.bench_function(format!("{flavour}_skip_all_as_runtime"), |b| {
            b.iter(|| {
                let mut reader = serde_json::Deserializer::from_str(black_box(&text));
                serde_path_to_error::deserialize::<_, serde::de::IgnoredAny>(&mut reader).expect("event")
            })
        });
        group.bench_function(format!("{flavour}_skip_all"), |b| {
            b.iter(|| serde_json::from_str::<serde::de::IgnoredAny>(black_box(&text)).expect("event"))
        });
        group.bench_function(format!("{flavour}_authorize_repeat"), |b| {
            b.iter(|| ready(authorizer.authorize_request(black_box(&request), setup.now)).expect("allowed"))
        });
        group.bench_function(format!("{flavour}_to_string"), |b| {
            b.iter(|| serde_json::to_vec(black_box(&answer)).expect("answer"))
        });
    }
    let token = setup.token.token.as_bytes();
    group.bench_function("sha256_of_token", |b| {
        b.iter(|| aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, black_box(token)))
    });
    use std::hash::BuildHasher;
    let seeded = foldhash::fast::RandomState::default();
    group.bench_function("foldhash_of_token", |b| b.iter(|| seeded.hash_one(black_box(token))));
    group.finish();
}

/// Batch sizes of the paired measurement: about 3 ms of work each.
const PAIRED_SLOW_BATCH: usize = 200;
const PAIRED_FAST_BATCH: usize = 2_000;
const PAIRED_ROUNDS: usize = 41;

/// One case of the paired measurement: its row id and one timed batch (ns per call).
struct PairedCase<'s> {
    id: String,
    batch: Box<dyn FnMut() -> f64 + 's>,
}

/// Ratios to the floor measured in pairs, robust to a machine whose speed drifts (other
/// work, frequency changes): every round times a batch of each case with a batch of the
/// floor right before and right after it, and the case's ratio for the round is its time
/// over the mean of those two. The median over [`PAIRED_ROUNDS`] rounds is reported.
fn paired_ratios(setup: &Setup) -> Vec<(String, f64)> {
    let token = &setup.token;
    let message = &token.token.as_bytes()[..token.signing_input_len];
    let parsed = ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, setup.key.public_key_der()).expect("public key");
    let floor = || {
        let started = Instant::now();
        for _ in 0..PAIRED_SLOW_BATCH {
            black_box(parsed.verify_sig(black_box(message), black_box(&token.signature)).is_ok());
        }
        started.elapsed().as_nanos() as f64 / PAIRED_SLOW_BATCH as f64
    };
    let verifier = setup.warm_verifier();
    let mut cases = vec![PairedCase {
        id: "verifier/verify_at_cached_keys".into(),
        batch: Box::new(|| {
            let started = Instant::now();
            for _ in 0..PAIRED_SLOW_BATCH {
                black_box(ready(verifier.verify_at(black_box(&token.token), setup.now)).is_ok());
            }
            started.elapsed().as_nanos() as f64 / PAIRED_SLOW_BATCH as f64
        }),
    }];
    for (flavour, file) in FLAVOURS {
        let fresh_events: Vec<Vec<u8>> =
            setup.fresh_tokens[..PAIRED_SLOW_BATCH].iter().map(|token| event_text(file, token).into_bytes()).collect();
        cases.push(PairedCase {
            id: format!("handler/{flavour}_first_seen"),
            batch: Box::new(move || {
                let authorizer = setup.fresh_authorizer();
                let started = Instant::now();
                for event in &fresh_events {
                    black_box(handle(&authorizer, black_box(event), setup.now));
                }
                let ns = started.elapsed().as_nanos() as f64 / fresh_events.len() as f64;
                assert_eq!(authorizer.cached_token_count(), fresh_events.len(), "a first-seen token hit the cache");
                ns
            }),
        });
        let read_event = event_text(file, &token.token).into_bytes();
        cases.push(PairedCase {
            id: format!("runtime/read_{flavour}_event"),
            batch: Box::new(move || {
                let started = Instant::now();
                for _ in 0..PAIRED_FAST_BATCH {
                    runtime_read(black_box(&read_event));
                }
                started.elapsed().as_nanos() as f64 / PAIRED_FAST_BATCH as f64
            }),
        });
        let repeat_event = event_text(file, &token.token).into_bytes();
        let authorizer = setup.fresh_authorizer();
        assert_allowed(&handle(&authorizer, &repeat_event, setup.now));
        cases.push(PairedCase {
            id: format!("handler/{flavour}_repeat"),
            batch: Box::new(move || {
                let started = Instant::now();
                for _ in 0..PAIRED_FAST_BATCH {
                    black_box(handle(&authorizer, black_box(&repeat_event), setup.now));
                }
                started.elapsed().as_nanos() as f64 / PAIRED_FAST_BATCH as f64
            }),
        });
    }
    let access_fresh: Vec<Vec<u8>> = setup.fresh_access_tokens[..PAIRED_SLOW_BATCH]
        .iter()
        .map(|token| event_text("authorizer-rest-request.json", token).into_bytes())
        .collect();
    cases.push(PairedCase {
        id: "handler/access_ruled_first_seen".into(),
        batch: Box::new(move || {
            let authorizer = setup.ruled_authorizer();
            let started = Instant::now();
            for event in &access_fresh {
                black_box(handle(&authorizer, black_box(event), setup.now));
            }
            let ns = started.elapsed().as_nanos() as f64 / access_fresh.len() as f64;
            assert_eq!(authorizer.cached_token_count(), access_fresh.len() + 1, "a first-seen token hit the cache");
            ns
        }),
    });
    let access_repeat = event_text("authorizer-rest-request.json", &setup.access_token).into_bytes();
    let access_authorizer = setup.ruled_authorizer();
    cases.push(PairedCase {
        id: "handler/access_ruled_repeat".into(),
        batch: Box::new(move || {
            let started = Instant::now();
            for _ in 0..PAIRED_FAST_BATCH {
                black_box(handle(&access_authorizer, black_box(&access_repeat), setup.now));
            }
            started.elapsed().as_nanos() as f64 / PAIRED_FAST_BATCH as f64
        }),
    });
    let mut ratios: Vec<Vec<f64>> = vec![Vec::with_capacity(PAIRED_ROUNDS); cases.len()];
    // Warm-up rounds, not recorded.
    for _ in 0..3 {
        black_box(floor());
        for case in &mut cases {
            black_box((case.batch)());
        }
    }
    for _ in 0..PAIRED_ROUNDS {
        let mut before = floor();
        for (case, ratios) in cases.iter_mut().zip(&mut ratios) {
            let ns = (case.batch)();
            let after = floor();
            ratios.push(ns / ((before + after) / 2.0));
            before = after;
        }
    }
    cases.into_iter().zip(ratios).map(|(case, ratios)| (case.id, median(ratios))).collect()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// One row of the summary: criterion's group/bench id, and the budget it must meet.
struct Row {
    id: String,
    budget: Option<f64>,
}

fn rows() -> Vec<Row> {
    let mut rows = vec![
        Row { id: "rs256/bare_verify_sig".into(), budget: None },
        Row { id: "rs256/unparsed_verify".into(), budget: None },
        Row { id: "verifier/verify_at_cached_keys".into(), budget: None },
    ];
    for (flavour, _) in FLAVOURS {
        rows.push(Row { id: format!("runtime/read_{flavour}_event"), budget: None });
        rows.push(Row { id: format!("handler/{flavour}_first_seen"), budget: Some(FIRST_SEEN_BUDGET) });
        rows.push(Row { id: format!("handler/{flavour}_repeat"), budget: Some(REPEAT_BUDGET) });
    }
    rows.push(Row { id: "handler/access_ruled_first_seen".into(), budget: Some(FIRST_SEEN_BUDGET) });
    rows.push(Row { id: "handler/access_ruled_repeat".into(), budget: Some(REPEAT_BUDGET) });
    rows.push(Row { id: "handler/request_repeat_via_value".into(), budget: None });
    rows
}

/// Where criterion writes its results, found the way criterion finds it.
fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return Path::new(&target).join("criterion");
    }
    let from_metadata = std::env::var_os("CARGO").and_then(|cargo| {
        let output =
            std::process::Command::new(cargo).args(["metadata", "--format-version", "1", "--no-deps"]).output().ok()?;
        let metadata: Value = serde_json::from_slice(&output.stdout).ok()?;
        Some(PathBuf::from(metadata["target_directory"].as_str()?).join("criterion"))
    });
    from_metadata.unwrap_or_else(|| PathBuf::from("target/criterion"))
}

/// The median estimate (ns per iteration) of `id`, and whether this run wrote it.
fn median_ns(dir: &Path, id: &str, run_started: SystemTime) -> Option<(f64, bool)> {
    let path = dir.join(id).join("new").join("estimates.json");
    let text = std::fs::read_to_string(&path).ok()?;
    let estimates: Value = serde_json::from_str(&text).ok()?;
    let fresh = std::fs::metadata(&path).and_then(|m| m.modified()).is_ok_and(|modified| modified >= run_started);
    Some((estimates["median"]["point_estimate"].as_f64()?, fresh))
}

/// The summary table: criterion's ns/op and ratio to the floor, the paired ratio, and the
/// budget's verdict on the paired ratio; `false` when a budget is missed.
fn print_table(run_started: SystemTime, paired: &[(String, f64)]) -> bool {
    let dir = criterion_dir();
    let floor = median_ns(&dir, "rs256/bare_verify_sig", run_started).map(|(ns, _)| ns);
    println!();
    println!("Authorizer hot path vs. one bare RS256 verification");
    println!(
        "  ns/op, ratio: criterion medians; paired ratio: median of {PAIRED_ROUNDS} rounds timed beside the floor"
    );
    println!(
        "{:<34} | {:>10} | {:>8} | {:>12} | budget (on the paired ratio)",
        "bench", "ns/op", "ratio", "paired ratio"
    );
    println!("{:-<34}-|-{:->10}-|-{:->8}-|-{:->12}-|-{:-<28}", "", "", "", "", "");
    let mut all_met = true;
    for row in rows() {
        let Some((ns, fresh)) = median_ns(&dir, &row.id, run_started) else {
            println!("{:<34} | {:>10} | {:>8} | {:>12} | not measured", row.id, "-", "-", "-");
            continue;
        };
        let ratio = floor.map_or_else(|| "-".to_owned(), |floor| format!("{:.3}x", ns / floor));
        let paired = paired.iter().find(|(id, _)| *id == row.id).map(|(_, ratio)| *ratio);
        let paired_text = paired.map_or_else(|| "-".to_owned(), |r| format!("{r:.3}x"));
        let verdict = match (row.budget, paired) {
            (Some(budget), Some(ratio)) if ratio <= budget => format!("<= {budget}x: met"),
            (Some(budget), Some(_)) => {
                all_met = false;
                format!("<= {budget}x: MISSED")
            }
            (Some(budget), None) => format!("<= {budget}x: not paired"),
            (None, _) if row.id == "rs256/bare_verify_sig" => "floor".to_owned(),
            (None, _) => String::new(),
        };
        let stale = if fresh { "" } else { " (earlier run)" };
        println!("{:<34} | {:>10.0} | {:>8} | {:>12} | {verdict}{stale}", row.id, ns, ratio, paired_text);
    }
    all_met
}

fn main() {
    let run_started = SystemTime::now();
    // `cargo test --benches` runs each bench once as a smoke test, without `--bench`.
    let measuring = std::env::args().any(|arg| arg == "--bench");
    let mut criterion = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .nresamples(20_000)
        .configure_from_args();
    let setup = Setup::new(FIRST_SEEN_POOL);
    if std::env::var_os("BENCH_BREAKDOWN").is_some() {
        bench_breakdown(&mut criterion, &setup);
        return;
    }
    bench_rs256(&mut criterion, &setup);
    bench_verifier(&mut criterion, &setup);
    bench_runtime_read(&mut criterion, &setup);
    bench_handler(&mut criterion, &setup);
    criterion.final_summary();
    if !measuring {
        return;
    }
    let paired = paired_ratios(&setup);
    if !print_table(run_started, &paired) {
        println!("\nat least one budget was missed");
    }
}
