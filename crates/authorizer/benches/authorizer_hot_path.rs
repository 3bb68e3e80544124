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
//! - `handler/adopt_<first_seen|repeat>`: the `token` rows' event and linked id tokens with
//!   `TRUST_TOKEN_IDENTITY_ID=false` and the identity directory knowing the user (read once
//!   per instance, before timing): the IdentityId from the directory, the claim checked;
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
//! ≤ 1.3× the floor, repeat ≤ 0.1×) are checked on it. They count from the handler's
//! start: the verdict judges a handler row's paired ratio minus that of the runtime's own
//! read of the same event (column "from handler start"), and says so, beside how the
//! whole row would stand. Each row also shows its allocations per call and the bytes they
//! ask for, counted by the bench binary's counting allocator (`fixture/allocations.rs`)
//! over one untimed batch of the paired measurement.
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
use fixture::allocations;
use fixture::{
    ADOPT_EVENT, FIRST_SEEN_BUDGET, FLAVOURS, REPEAT_BUDGET, Setup, assert_allowed, event_text, handle, ready,
    runtime_read,
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
    bench_adopt(&mut group, setup);
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

/// The `token` rows' event and tokens in adopt mode (`TRUST_TOKEN_IDENTITY_ID=false`).
fn bench_adopt(group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>, setup: &Setup) {
    let fresh_events: Vec<Vec<u8>> =
        setup.fresh_tokens.iter().map(|token| event_text(ADOPT_EVENT, token).into_bytes()).collect();
    group.bench_function("adopt_first_seen", |b| {
        // One token was cached already: the warm-up of `adopt_authorizer`.
        b.iter_custom(|iterations| time_first_seen(iterations, &fresh_events, setup, || setup.adopt_authorizer(), 1))
    });
    let repeat_event = event_text(ADOPT_EVENT, &setup.token.token).into_bytes();
    let authorizer = setup.adopt_authorizer();
    group.bench_function("adopt_repeat", |b| b.iter(|| handle(&authorizer, black_box(&repeat_event), setup.now)));
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

/// One case of the paired measurement: its row id and one batch of its calls.
struct PairedCase<'s> {
    id: String,
    batch: Box<dyn FnMut(Pass) -> Batch + 's>,
}

/// How a batch runs: timed, or untimed with its allocations counted.
#[derive(Clone, Copy, PartialEq)]
enum Pass {
    Timed,
    CountAllocations,
}

/// What one batch measured, per call.
enum Batch {
    /// Nanoseconds per call.
    Timed(f64),
    /// Allocations and bytes asked for, per call.
    Allocated((f64, f64)),
}

impl Batch {
    fn ns(self) -> f64 {
        match self {
            Batch::Timed(ns) => ns,
            Batch::Allocated(_) => panic!("a timed pass returned allocations"),
        }
    }
}

/// Runs `calls` calls (`body`) as `pass` says. Counting allocations switches the counting
/// allocator on, so that pass is never timed.
fn run_batch(pass: Pass, calls: usize, body: impl FnOnce()) -> Batch {
    match pass {
        Pass::Timed => {
            let started = Instant::now();
            body();
            Batch::Timed(started.elapsed().as_nanos() as f64 / calls as f64)
        }
        Pass::CountAllocations => {
            let ((), counted) = allocations::count(body);
            Batch::Allocated(counted.per_call(calls))
        }
    }
}

/// A case's paired ratio to the floor, and its allocations per call.
struct PairedResult {
    id: String,
    ratio: f64,
    /// Allocations and bytes asked for, per call.
    allocations: (f64, f64),
}

/// Ratios to the floor measured in pairs, robust to a machine whose speed drifts (other
/// work, frequency changes): every round times a batch of each case with a batch of the
/// floor right before and right after it, and the case's ratio for the round is its time
/// over the mean of those two. The median over [`PAIRED_ROUNDS`] rounds is reported, with
/// the allocations per call of one untimed batch of each case (and of the floor, first).
fn paired_ratios(setup: &Setup) -> Vec<PairedResult> {
    let token = &setup.token;
    let message = &token.token.as_bytes()[..token.signing_input_len];
    let parsed = ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, setup.key.public_key_der()).expect("public key");
    let floor = |pass| {
        run_batch(pass, PAIRED_SLOW_BATCH, || {
            for _ in 0..PAIRED_SLOW_BATCH {
                black_box(parsed.verify_sig(black_box(message), black_box(&token.signature)).is_ok());
            }
        })
    };
    let verifier = setup.warm_verifier();
    let mut cases = vec![PairedCase {
        id: "verifier/verify_at_cached_keys".into(),
        batch: Box::new(|pass| {
            run_batch(pass, PAIRED_SLOW_BATCH, || {
                for _ in 0..PAIRED_SLOW_BATCH {
                    black_box(ready(verifier.verify_at(black_box(&token.token), setup.now)).is_ok());
                }
            })
        }),
    }];
    for (flavour, file) in FLAVOURS {
        let fresh_events: Vec<Vec<u8>> =
            setup.fresh_tokens[..PAIRED_SLOW_BATCH].iter().map(|token| event_text(file, token).into_bytes()).collect();
        cases.push(PairedCase {
            id: format!("handler/{flavour}_first_seen"),
            batch: Box::new(move |pass| {
                let authorizer = setup.fresh_authorizer();
                let batch = run_batch(pass, fresh_events.len(), || {
                    for event in &fresh_events {
                        black_box(handle(&authorizer, black_box(event), setup.now));
                    }
                });
                assert_eq!(authorizer.cached_token_count(), fresh_events.len(), "a first-seen token hit the cache");
                batch
            }),
        });
        let read_event = event_text(file, &token.token).into_bytes();
        cases.push(PairedCase {
            id: format!("runtime/read_{flavour}_event"),
            batch: Box::new(move |pass| {
                run_batch(pass, PAIRED_FAST_BATCH, || {
                    for _ in 0..PAIRED_FAST_BATCH {
                        runtime_read(black_box(&read_event));
                    }
                })
            }),
        });
        let repeat_event = event_text(file, &token.token).into_bytes();
        let authorizer = setup.fresh_authorizer();
        assert_allowed(&handle(&authorizer, &repeat_event, setup.now));
        cases.push(PairedCase {
            id: format!("handler/{flavour}_repeat"),
            batch: Box::new(move |pass| {
                run_batch(pass, PAIRED_FAST_BATCH, || {
                    for _ in 0..PAIRED_FAST_BATCH {
                        black_box(handle(&authorizer, black_box(&repeat_event), setup.now));
                    }
                })
            }),
        });
    }
    let access_fresh: Vec<Vec<u8>> = setup.fresh_access_tokens[..PAIRED_SLOW_BATCH]
        .iter()
        .map(|token| event_text("authorizer-rest-request.json", token).into_bytes())
        .collect();
    cases.push(PairedCase {
        id: "handler/access_ruled_first_seen".into(),
        batch: Box::new(move |pass| {
            let authorizer = setup.ruled_authorizer();
            let batch = run_batch(pass, access_fresh.len(), || {
                for event in &access_fresh {
                    black_box(handle(&authorizer, black_box(event), setup.now));
                }
            });
            assert_eq!(authorizer.cached_token_count(), access_fresh.len() + 1, "a first-seen token hit the cache");
            batch
        }),
    });
    let access_repeat = event_text("authorizer-rest-request.json", &setup.access_token).into_bytes();
    let access_authorizer = setup.ruled_authorizer();
    cases.push(PairedCase {
        id: "handler/access_ruled_repeat".into(),
        batch: Box::new(move |pass| {
            run_batch(pass, PAIRED_FAST_BATCH, || {
                for _ in 0..PAIRED_FAST_BATCH {
                    black_box(handle(&access_authorizer, black_box(&access_repeat), setup.now));
                }
            })
        }),
    });
    let adopt_fresh: Vec<Vec<u8>> = setup.fresh_tokens[..PAIRED_SLOW_BATCH]
        .iter()
        .map(|token| event_text(ADOPT_EVENT, token).into_bytes())
        .collect();
    cases.push(PairedCase {
        id: "handler/adopt_first_seen".into(),
        batch: Box::new(move |pass| {
            let authorizer = setup.adopt_authorizer();
            let batch = run_batch(pass, adopt_fresh.len(), || {
                for event in &adopt_fresh {
                    black_box(handle(&authorizer, black_box(event), setup.now));
                }
            });
            assert_eq!(authorizer.cached_token_count(), adopt_fresh.len() + 1, "a first-seen token hit the cache");
            batch
        }),
    });
    let adopt_repeat = event_text(ADOPT_EVENT, &token.token).into_bytes();
    let adopt_authorizer = setup.adopt_authorizer();
    cases.push(PairedCase {
        id: "handler/adopt_repeat".into(),
        batch: Box::new(move |pass| {
            run_batch(pass, PAIRED_FAST_BATCH, || {
                for _ in 0..PAIRED_FAST_BATCH {
                    black_box(handle(&adopt_authorizer, black_box(&adopt_repeat), setup.now));
                }
            })
        }),
    });
    // Warm-up rounds, not recorded; the first one also counts each case's allocations
    // (after one untimed batch, so that first-use costs are not counted).
    let mut allocated = vec![(0.0, 0.0); cases.len() + 1];
    for round in 0..3 {
        let pass = if round == 1 { Pass::CountAllocations } else { Pass::Timed };
        if let Batch::Allocated(per_call) = floor(pass) {
            allocated[0] = per_call;
        }
        for (case, allocated) in cases.iter_mut().zip(&mut allocated[1..]) {
            if let Batch::Allocated(per_call) = (case.batch)(pass) {
                *allocated = per_call;
            }
        }
    }
    let mut ratios: Vec<Vec<f64>> = vec![Vec::with_capacity(PAIRED_ROUNDS); cases.len()];
    for _ in 0..PAIRED_ROUNDS {
        let mut before = floor(Pass::Timed).ns();
        for (case, ratios) in cases.iter_mut().zip(&mut ratios) {
            let ns = (case.batch)(Pass::Timed).ns();
            let after = floor(Pass::Timed).ns();
            ratios.push(ns / ((before + after) / 2.0));
            before = after;
        }
    }
    let floor_result = PairedResult { id: "rs256/bare_verify_sig".into(), ratio: 1.0, allocations: allocated[0] };
    let case_results = cases.into_iter().zip(ratios).zip(&allocated[1..]).map(|((case, ratios), allocations)| {
        PairedResult { id: case.id, ratio: median(ratios), allocations: *allocations }
    });
    std::iter::once(floor_result).chain(case_results).collect()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// One row of the summary: criterion's group/bench id, the budget it must meet, and the
/// runtime's read of the same event (handler rows), which the budgets leave out.
struct Row {
    id: String,
    budget: Option<f64>,
    runtime_read: Option<String>,
}

fn rows() -> Vec<Row> {
    let plain = |id: &str| Row { id: id.to_owned(), budget: None, runtime_read: None };
    let budgeted =
        |id: String, budget: f64, read: &str| Row { id, budget: Some(budget), runtime_read: Some(read.to_owned()) };
    let mut rows =
        vec![plain("rs256/bare_verify_sig"), plain("rs256/unparsed_verify"), plain("verifier/verify_at_cached_keys")];
    for (flavour, _) in FLAVOURS {
        let read = format!("runtime/read_{flavour}_event");
        rows.push(plain(&read));
        rows.push(budgeted(format!("handler/{flavour}_first_seen"), FIRST_SEEN_BUDGET, &read));
        rows.push(budgeted(format!("handler/{flavour}_repeat"), REPEAT_BUDGET, &read));
    }
    let read = "runtime/read_request_event";
    rows.push(budgeted("handler/access_ruled_first_seen".into(), FIRST_SEEN_BUDGET, read));
    rows.push(budgeted("handler/access_ruled_repeat".into(), REPEAT_BUDGET, read));
    let read = "runtime/read_token_event";
    rows.push(budgeted("handler/adopt_first_seen".into(), FIRST_SEEN_BUDGET, read));
    rows.push(budgeted("handler/adopt_repeat".into(), REPEAT_BUDGET, read));
    rows.push(plain("handler/request_repeat_via_value"));
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

/// The summary table: criterion's ns/op and ratio to the floor, the paired ratio whole
/// and from the handler's start (the runtime's read of the same event taken out), the
/// allocations per call, and the budget's verdict; `false` when a budget is missed.
///
/// The budgets count from the handler's start (the design), so the verdict judges that
/// column, and says so; it also says how the whole row, the runtime's read included,
/// stands against the same budget, so neither figure can be taken for the other.
fn print_table(run_started: SystemTime, paired: &[PairedResult]) -> bool {
    let dir = criterion_dir();
    let floor = median_ns(&dir, "rs256/bare_verify_sig", run_started).map(|(ns, _)| ns);
    let paired_of = |id: &str| paired.iter().find(|result| result.id == id);
    println!();
    println!("Authorizer hot path vs. one bare RS256 verification");
    println!(
        "  ns/op, ratio: criterion medians; paired ratio: median of {PAIRED_ROUNDS} rounds timed beside the floor (whole row)"
    );
    println!(
        "  from handler start: the paired ratio minus the runtime's own read of the same event (what the budgets count)"
    );
    println!(
        "  allocs/call, bytes/call: allocations (and reallocations) per call and the bytes they ask for, whole row"
    );
    println!(
        "{:<34} | {:>10} | {:>8} | {:>12} | {:>18} | {:>11} | {:>10} | budget (judged from the handler's start)",
        "bench", "ns/op", "ratio", "paired ratio", "from handler start", "allocs/call", "bytes/call"
    );
    println!(
        "{:-<34}-|-{:->10}-|-{:->8}-|-{:->12}-|-{:->18}-|-{:->11}-|-{:->10}-|-{:-<28}",
        "", "", "", "", "", "", "", ""
    );
    let mut all_met = true;
    for row in rows() {
        let Some((ns, fresh)) = median_ns(&dir, &row.id, run_started) else {
            println!(
                "{:<34} | {:>10} | {:>8} | {:>12} | {:>18} | {:>11} | {:>10} | not measured",
                row.id, "-", "-", "-", "-", "-", "-"
            );
            continue;
        };
        let ratio = floor.map_or_else(|| "-".to_owned(), |floor| format!("{:.3}x", ns / floor));
        let paired_row = paired_of(&row.id);
        let whole = paired_row.map(|result| result.ratio);
        let read = row.runtime_read.as_deref().and_then(paired_of).map(|result| result.ratio);
        let from_start = whole.zip(read).map(|(whole, read)| whole - read);
        let shown = |ratio: Option<f64>| ratio.map_or_else(|| "-".to_owned(), |ratio| format!("{ratio:.3}x"));
        let (allocs, bytes) = paired_row.map_or_else(
            || ("-".to_owned(), "-".to_owned()),
            |result| (format!("{:.1}", result.allocations.0), format!("{:.0}", result.allocations.1)),
        );
        let verdict = match (row.budget, from_start, whole) {
            (Some(budget), Some(from_start), Some(whole)) => {
                let met = from_start <= budget;
                all_met &= met;
                let with_read = if whole <= budget { "met" } else { "missed" };
                format!(
                    "<= {budget}x from handler start: {}; whole row, runtime's read included: {with_read}",
                    if met { "met" } else { "MISSED" }
                )
            }
            (Some(budget), _, _) => format!("<= {budget}x: not paired"),
            (None, _, _) if row.id == "rs256/bare_verify_sig" => "floor".to_owned(),
            (None, _, _) => String::new(),
        };
        let stale = if fresh { "" } else { " (earlier run)" };
        println!(
            "{:<34} | {:>10.0} | {:>8} | {:>12} | {:>18} | {:>11} | {:>10} | {verdict}{stale}",
            row.id,
            ns,
            ratio,
            shown(whole),
            shown(from_start),
            allocs,
            bytes
        );
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
