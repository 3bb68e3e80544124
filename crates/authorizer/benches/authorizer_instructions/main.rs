//! The authorizer's hot path in instructions, counted by valgrind's callgrind.
//!
//! Wall-clock ratios on a shared machine drift by ±30 % from run to run; instruction
//! counts repeat exactly, so the design's budgets are judged on them as well. The rows
//! are those of `authorizer_hot_path` (same key, tokens, events and handler path, from
//! `fixture`):
//!
//! - `rs256/bare_verify_sig`: aws-lc-rs `ParsedPublicKey::verify_sig`, **the floor**;
//! - `jsonwebtoken/decode`: the `jsonwebtoken` crate (aws-lc-rs backend) decoding and
//!   validating the same token with a pre-built `DecodingKey`, what our users would pick
//!   instead of the verifier;
//! - `verifier/verify_at_cached_keys`: `CognitoJwtVerifier::verify_at`, keys cached;
//! - `runtime/read_<flavour>_event`: the Lambda runtime's own read of the event, every
//!   value skipped: the platform's cost, reported beside the handler rows;
//! - `event/read_<flavour>_event`: the same read into an `AuthorizerRequest`, as the
//!   runtime does it for the authorizer;
//! - `handler/<flavour>_<first_seen|repeat>`: the whole handler path, event JSON bytes in,
//!   answer JSON bytes out, on a token the instance never saw and on a repeat token;
//! - `handler/access_ruled_<first_seen|repeat>`: the same on the REST `REQUEST` event with
//!   an access token, as the template deploys the authorizer: `TOKEN_USE=any`, its example
//!   route rules (the answer carries one Deny statement) and the identity directory, which
//!   knows the user (the entry is read once per user, before counting; an access token's
//!   IdentityId has no other source).
//! - `handler/adopt_<first_seen|repeat>`: the `token` rows' event and tokens (linked id
//!   tokens) with `TRUST_TOKEN_IDENTITY_ID=false` and the identity directory, which knows
//!   the user: the IdentityId comes from the directory (read once per instance, before
//!   counting) and the token's claim is checked against it. The table's last lines give
//!   the mode's extra cost: each adopt row minus the `token` row, as a share of the floor.
//!
//! The budgets (first seen ≤ 1.3× the floor, repeat ≤ 0.1×) count from the handler's
//! start: a handler row's own read of the event replaces the runtime's, so its budgeted
//! figure is the row minus `runtime/read_<flavour>_event`.
//!
//! How: run natively (`cargo bench --bench authorizer_instructions`), the bench runs
//! itself once under `valgrind --tool=callgrind --instr-atstart=no --collect-atstart=no`.
//! In that child every token, event and instance is built uninstrumented; then, per row,
//! one untimed warm-up call, counting switched on by a client request around
//! `--iterations` calls (and nothing else), and a dump named after the row. The parent
//! reads the dumps and prints instructions per call and ratios to the floor.
//!
//! Beside each row's instructions, its allocations per call and the bytes they ask for:
//! counted natively, before the run under valgrind, by the bench binary's counting
//! allocator (`fixture/allocations.rs`) around the same calls (one uncounted warm-up
//! call, then `--iterations` calls). Instructions do not show what an allocation costs
//! in memory traffic; these columns do, in a form that does not drift with the machine.
//!
//! `--check` (what `make test` runs, three calls per row) fails when a budgeted row
//! exceeds its budget by more than [`CHECK_MARGIN`]. `--keep DIR` keeps the dumps, for
//! `callgrind_annotate DIR/callgrind.out.<n>` (per-function costs; build with
//! `CARGO_PROFILE_BENCH_STRIP=false` for names).
//!
//! Under `cargo test --benches` (no `--bench` argument) each row runs once natively, as a
//! smoke test of the rows themselves.
//!
//! ## The event reader against derived ones (measured on 2026-12-01, one run)
//!
//! The authorizer streams events through hand-written serde visitors (`src/event/wire.rs`)
//! rather than derived ones; the contract is the main reason (see that module), cost the
//! other. Instructions per event read as the Lambda runtime reads it (`serde_path_to_error`
//! over `serde_json`), on the sample events with a 1.1 KB token, when the floor was about
//! 300 000:
//!
//! | reader | `TOKEN` | REST `REQUEST` | HTTP API 2.0 |
//! |---|---|---|---|
//! | the hand-written reader (`event/read_<flavour>_event`) | 6 900 | 38 800 | 26 200 |
//! | `headers` derived as a struct with `Authorization`/`authorization` as names | | 50 700 (+31 %) | 33 100 (+27 %) |
//! | the top level derived with plain `Option<String>` fields, `identitySource` and `headers` skipped unread | 8 150 (+18 %) | 38 100 | 25 600 |
//! | the runtime's own read, every value skipped (`runtime/read_<flavour>_event`) | 3 900 | 28 700 | 16 200 |
//!
//! The derived `headers` would have added 11 900 on the REST `REQUEST` event: 0.04× the
//! floor, 40 % of the repeat budget. The derived readers are not rows of this bench; the
//! first and last lines are, and a run prints their figures of the day.

mod callgrind;
#[path = "../fixture/mod.rs"]
mod fixture;

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};

use authorizer::{Authorizer, AuthorizerRequest};
use aws_lc_rs::signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256};
use fixture::allocations::{self, Allocations};
use fixture::{
    ADOPT_EVENT, CLIENT, FIRST_SEEN_BUDGET, FLAVOURS, POOL, REGION, REPEAT_BUDGET, Setup, assert_allowed, event_text,
    handle, ready, runtime_read,
};

/// Set in the environment of the run under valgrind.
const CHILD_ENV: &str = "AUTHORIZER_INSTRUCTIONS_CHILD";

/// Calls counted per row by default, and under `--check`.
const DEFAULT_ITERATIONS: usize = 20;
const CHECK_ITERATIONS: usize = 3;

/// How far past its budget a row may go before `--check` fails: 5 %. Counts repeat
/// exactly on one build, so the margin is not for noise. It absorbs what legitimately
/// moves a count a little without being a regression of ours: three calls instead of
/// twenty (the cache table's amortised growth, the first calls' allocations) and a
/// newer compiler or dependency. Any change of our own code that costs 5 % of the floor
/// on a first-seen row (about 0.06× of it) or half of the whole repeat budget is caught.
const CHECK_MARGIN: f64 = 0.05;

struct Options {
    iterations: usize,
    check: bool,
    keep: Option<PathBuf>,
    /// Set by `cargo bench`; absent under `cargo test --benches`.
    measuring: bool,
}

impl Options {
    fn from_args() -> Result<Self, String> {
        let mut options = Options { iterations: 0, check: false, keep: None, measuring: false };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--bench" => options.measuring = true,
                "--check" => options.check = true,
                "--iterations" => {
                    let value = args.next().ok_or("--iterations needs a number")?;
                    options.iterations = value.parse().map_err(|_| format!("--iterations: not a number: {value}"))?;
                }
                "--keep" => options.keep = Some(args.next().ok_or("--keep needs a directory")?.into()),
                other => return Err(format!("unknown argument {other:?} (--check, --iterations N, --keep DIR)")),
            }
        }
        if options.iterations == 0 {
            options.iterations = if options.check { CHECK_ITERATIONS } else { DEFAULT_ITERATIONS };
        }
        Ok(options)
    }
}

fn main() -> ExitCode {
    let options = match Options::from_args() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("authorizer_instructions: {message}");
            return ExitCode::FAILURE;
        }
    };
    if std::env::var_os(CHILD_ENV).is_some() {
        if !callgrind::running_on_valgrind() {
            eprintln!("authorizer_instructions: {CHILD_ENV} is set but the process is not under valgrind");
            return ExitCode::FAILURE;
        }
        run_rows(options.iterations, Counting::Callgrind);
        return ExitCode::SUCCESS;
    }
    if !options.measuring {
        run_rows(1, Counting::None);
        return ExitCode::SUCCESS;
    }
    let allocations = run_rows(options.iterations, Counting::Allocations);
    match measure(&options) {
        Ok(counts) => {
            let all_met = print_table(&counts, &allocations, options.iterations, options.check);
            if options.check && !all_met {
                eprintln!("instruction-count check failed: a row exceeds its budget by more than the margin");
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("authorizer_instructions: {message}");
            ExitCode::FAILURE
        }
    }
}

/// What is counted around the measured calls: instructions (under callgrind),
/// allocations (natively), or nothing (the smoke test).
#[derive(Clone, Copy, PartialEq)]
enum Counting {
    Callgrind,
    Allocations,
    None,
}

/// One row: its id, and one call of what it measures.
struct RowRun<'s> {
    id: String,
    call: Box<dyn FnMut() + 's>,
}

/// Claims as a `jsonwebtoken` user would declare them for a Cognito id token.
#[derive(serde::Deserialize)]
struct JwtClaims {
    sub: String,
    token_use: String,
    #[serde(rename = "custom:identity_id")]
    identity_id: Option<String>,
}

/// Builds everything, then counts each row's calls: in the child under valgrind, their
/// instructions; natively, their allocations, which it returns per row (empty otherwise).
fn run_rows(iterations: usize, counting: Counting) -> Vec<(String, Allocations)> {
    let setup = Setup::new(iterations + 1);
    let token = &setup.token;
    let message = &token.token.as_bytes()[..token.signing_input_len];
    let parsed = ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, setup.key.public_key_der()).expect("public key");
    let verifier = setup.warm_verifier();

    let (n, e) = setup.key.jwk_modulus_and_exponent();
    let jwt_key = jsonwebtoken::DecodingKey::from_rsa_components(&n, &e).expect("RSA components");
    let mut jwt_validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    jwt_validation.set_audience(&[CLIENT]);
    jwt_validation.set_issuer(&[format!("https://cognito-idp.{REGION}.amazonaws.com/{POOL}")]);

    // Per flavour: the events, an instance for first-seen tokens and one for the repeat.
    let mut flavours: Vec<FlavourRun> =
        FLAVOURS.iter().map(|(flavour, file)| FlavourRun::new(&setup, flavour, file)).collect();
    flavours.push(FlavourRun::access_ruled(&setup));
    flavours.push(FlavourRun::adopt(&setup));

    let mut rows = vec![
        RowRun {
            id: "rs256/bare_verify_sig".into(),
            call: Box::new(|| assert!(parsed.verify_sig(black_box(message), black_box(&token.signature)).is_ok())),
        },
        RowRun {
            id: "jsonwebtoken/decode".into(),
            call: Box::new(|| {
                let data = jsonwebtoken::decode::<JwtClaims>(black_box(&token.token), &jwt_key, &jwt_validation)
                    .expect("jsonwebtoken accepts the token");
                assert!(data.claims.token_use == "id" && !data.claims.sub.is_empty());
                black_box(data.claims.identity_id);
            }),
        },
        RowRun {
            id: "verifier/verify_at_cached_keys".into(),
            call: Box::new(|| {
                black_box(ready(verifier.verify_at(black_box(&token.token), setup.now)).expect("verifies"));
            }),
        },
    ];
    for run in &flavours {
        rows.extend(run.rows(&setup));
    }

    if counting == Counting::Callgrind {
        callgrind::start_instrumentation();
    }
    let mut allocated = Vec::new();
    for row in &mut rows {
        // One call before counting: first-use costs (lazy statics, first allocations).
        (row.call)();
        match counting {
            Counting::Callgrind => {
                callgrind::toggle_collect();
                for _ in 0..iterations {
                    (row.call)();
                }
                callgrind::toggle_collect();
                callgrind::dump_stats_at(&row.id);
            }
            Counting::Allocations => {
                let ((), counted) = allocations::count(|| {
                    for _ in 0..iterations {
                        (row.call)();
                    }
                });
                allocated.push((row.id.clone(), counted));
            }
            Counting::None => {
                for _ in 0..iterations {
                    (row.call)();
                }
            }
        }
    }
    drop(rows);
    for run in &flavours {
        run.check_cache(iterations);
    }
    assert_eq!(setup.get_id.num_calls(), 0, "linked tokens never call GetId");
    assert_eq!(setup.directory_get_item.num_calls(), 4, "one directory read per instance, before counting");
    allocated
}

/// One event flavour's inputs and instances.
struct FlavourRun {
    flavour: &'static str,
    /// Whether the rows include the event's reads (once per event file).
    reads: bool,
    /// Tokens the instances held before counting.
    cached_before: usize,
    /// Distinct tokens, one per call of the first-seen row (its warm-up included).
    fresh_events: Vec<Vec<u8>>,
    repeat_event: Vec<u8>,
    first_seen: Authorizer,
    repeat: Authorizer,
}

impl FlavourRun {
    fn new(setup: &Setup, flavour: &'static str, file: &str) -> Self {
        let fresh_events: Vec<Vec<u8>> =
            setup.fresh_tokens.iter().map(|token| event_text(file, token).into_bytes()).collect();
        let repeat_event = event_text(file, &setup.token.token).into_bytes();
        assert_allowed(&handle(&setup.fresh_authorizer(), &fresh_events[0], setup.now));
        let repeat = setup.fresh_authorizer();
        assert_allowed(&handle(&repeat, &repeat_event, setup.now));
        let first_seen = setup.fresh_authorizer();
        FlavourRun { flavour, reads: true, cached_before: 0, fresh_events, repeat_event, first_seen, repeat }
    }

    /// Access tokens on the REST `REQUEST` event, under the template's settings.
    fn access_ruled(setup: &Setup) -> Self {
        let file = "authorizer-rest-request.json";
        let fresh_events: Vec<Vec<u8>> =
            setup.fresh_access_tokens.iter().map(|token| event_text(file, token).into_bytes()).collect();
        let repeat_event = event_text(file, &setup.access_token).into_bytes();
        let first_seen = setup.ruled_authorizer();
        let repeat = setup.ruled_authorizer();
        for answer in [handle(&repeat, &repeat_event, setup.now), handle(&first_seen, &fresh_events[0], setup.now)] {
            assert_allowed(&answer);
            let answer: serde_json::Value = serde_json::from_slice(&answer).expect("JSON");
            assert_eq!(answer["policyDocument"]["Statement"][1]["Effect"], "Deny", "{answer}");
        }
        // The warm-up above cached fresh token 0 in `first_seen`; the rows cycle from it.
        FlavourRun {
            flavour: "access_ruled",
            reads: false,
            cached_before: 2,
            fresh_events: fresh_events[1..].to_vec(),
            repeat_event,
            first_seen,
            repeat,
        }
    }

    /// Linked id tokens on the `token` rows' event in adopt mode (see [`Setup::adopt_authorizer`]).
    fn adopt(setup: &Setup) -> Self {
        let fresh_events: Vec<Vec<u8>> =
            setup.fresh_tokens.iter().map(|token| event_text(ADOPT_EVENT, token).into_bytes()).collect();
        let repeat_event = event_text(ADOPT_EVENT, &setup.token.token).into_bytes();
        // Both instances read the user's entry through the repeat token, before counting.
        let first_seen = setup.adopt_authorizer();
        let repeat = setup.adopt_authorizer();
        FlavourRun { flavour: "adopt", reads: false, cached_before: 1, fresh_events, repeat_event, first_seen, repeat }
    }

    fn rows<'s>(&'s self, setup: &'s Setup) -> Vec<RowRun<'s>> {
        let flavour = self.flavour;
        let mut fresh = self.fresh_events.iter().cycle();
        let mut rows = Vec::new();
        if self.reads {
            rows.push(RowRun {
                id: format!("runtime/read_{flavour}_event"),
                call: Box::new(|| runtime_read(black_box(&self.repeat_event))),
            });
            rows.push(RowRun {
                id: format!("event/read_{flavour}_event"),
                call: Box::new(|| {
                    let mut reader = serde_json::Deserializer::from_slice(black_box(&self.repeat_event));
                    black_box(serde_path_to_error::deserialize::<_, AuthorizerRequest>(&mut reader).expect("event"));
                }),
            });
        }
        rows.extend([
            RowRun {
                id: format!("handler/{flavour}_first_seen"),
                call: Box::new(move || {
                    let event = fresh.next().expect("cycled");
                    black_box(handle(&self.first_seen, black_box(event), setup.now));
                }),
            },
            RowRun {
                id: format!("handler/{flavour}_repeat"),
                call: Box::new(|| {
                    black_box(handle(&self.repeat, black_box(&self.repeat_event), setup.now));
                }),
            },
        ]);
        rows
    }

    /// Every first-seen call missed the cache (each inserted its token), every repeat hit.
    fn check_cache(&self, iterations: usize) {
        assert_eq!(
            self.first_seen.cached_token_count(),
            self.cached_before + iterations + 1,
            "a first-seen token hit the cache"
        );
        assert_eq!(self.repeat.cached_token_count(), 1, "the repeat token was verified again");
    }
}

/// Stops the child by its id if the parent leaves before it ends.
struct ChildGuard(Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Runs the rows under callgrind and returns each row's instruction count (all calls).
fn measure(options: &Options) -> Result<Vec<(String, u64)>, String> {
    let temporary = options.keep.is_none();
    let dir = match &options.keep {
        Some(dir) => dir.clone(),
        None => std::env::temp_dir().join(format!("authorizer-instructions-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir).map_err(|err| format!("cannot create {}: {err}", dir.display()))?;
    let result = run_callgrind(options, &dir);
    if temporary {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

fn run_callgrind(options: &Options, dir: &Path) -> Result<Vec<(String, u64)>, String> {
    let exe = std::env::current_exe().map_err(|err| format!("cannot find this bench's executable: {err}"))?;
    let log = dir.join("valgrind.log");
    let log_file = std::fs::File::create(&log).map_err(|err| format!("cannot create {}: {err}", log.display()))?;
    let child = Command::new("valgrind")
        .args(["--tool=callgrind", "--instr-atstart=no", "--collect-atstart=no"])
        .arg(format!("--callgrind-out-file={}", dir.join("callgrind.out").display()))
        .arg(&exe)
        .args(["--iterations", &options.iterations.to_string()])
        .env(CHILD_ENV, "1")
        .stdout(Stdio::null())
        .stderr(log_file)
        .spawn()
        .map_err(|err| match err.kind() {
            std::io::ErrorKind::NotFound => "valgrind is not installed; the instruction counts need it: \
                 install Debian's `valgrind` package (apt-get install valgrind)"
                .to_owned(),
            _ => format!("cannot start valgrind: {err}"),
        })?;
    let mut child = ChildGuard(child);
    let status = child.0.wait().map_err(|err| format!("waiting for valgrind: {err}"))?;
    if !status.success() {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(40).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(format!("the run under callgrind failed ({status}):\n{}", tail.join("\n")));
    }
    let mut counts = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|err| format!("cannot read {}: {err}", dir.display()))? {
        let path = entry.map_err(|err| err.to_string())?.path();
        let is_dump =
            path.file_name().and_then(|name| name.to_str()).is_some_and(|name| name.starts_with("callgrind.out"));
        if is_dump && let Some(count) = read_dump(&path)? {
            counts.push(count);
        }
    }
    Ok(counts)
}

/// The row and instruction total of one dump; `None` for the dump at exit.
fn read_dump(path: &Path) -> Result<Option<(String, u64)>, String> {
    let text = std::fs::read_to_string(path).map_err(|err| format!("cannot read {}: {err}", path.display()))?;
    let row = text.lines().find_map(|line| line.strip_prefix("desc: Trigger: Client Request: "));
    let Some(row) = row else { return Ok(None) };
    let total = text
        .lines()
        .find_map(|line| line.strip_prefix("totals: ").or_else(|| line.strip_prefix("summary: ")))
        .and_then(|value| value.trim().parse().ok())
        .ok_or_else(|| format!("no instruction total in {}", path.display()))?;
    Ok(Some((row.trim().to_owned(), total)))
}

/// A printed row: its id and the budget it must meet, if any.
struct TableRow {
    id: String,
    budget: Option<f64>,
    /// The runtime's read it is counted beside (handler rows).
    runtime_read: Option<String>,
}

fn table_rows() -> Vec<TableRow> {
    let plain = |id: &str| TableRow { id: id.to_owned(), budget: None, runtime_read: None };
    let mut rows =
        vec![plain("rs256/bare_verify_sig"), plain("jsonwebtoken/decode"), plain("verifier/verify_at_cached_keys")];
    let handler_rows = |rows: &mut Vec<TableRow>, flavour: &str, read: &str| {
        for (kind, budget) in [("first_seen", FIRST_SEEN_BUDGET), ("repeat", REPEAT_BUDGET)] {
            rows.push(TableRow {
                id: format!("handler/{flavour}_{kind}"),
                budget: Some(budget),
                runtime_read: Some(read.to_owned()),
            });
        }
    };
    for (flavour, _) in FLAVOURS {
        let read = format!("runtime/read_{flavour}_event");
        rows.push(plain(&read));
        rows.push(plain(&format!("event/read_{flavour}_event")));
        handler_rows(&mut rows, flavour, &read);
    }
    handler_rows(&mut rows, "access_ruled", "runtime/read_request_event");
    handler_rows(&mut rows, "adopt", "runtime/read_token_event");
    rows
}

/// Adopt mode's extra cost per call: each `adopt` row minus the `token` row of the same
/// kind (same event, same tokens, create mode), in instructions and allocations.
fn print_adopt_cost(
    per_call: &dyn Fn(&str) -> Option<f64>,
    allocated: &[(String, Allocations)],
    iterations: usize,
    floor: f64,
) {
    let allocs =
        |id: &str| allocated.iter().find(|(row, _)| row == id).map(|(_, counted)| counted.per_call(iterations));
    println!();
    println!(
        "TRUST_TOKEN_IDENTITY_ID=false (adopt) against create mode, same event and tokens, directory entry cached:"
    );
    for kind in ["first_seen", "repeat"] {
        let (adopt, create) = (format!("handler/adopt_{kind}"), format!("handler/token_{kind}"));
        let (Some(a), Some(c)) = (per_call(&adopt), per_call(&create)) else {
            println!("  {kind}: not measured");
            continue;
        };
        let allocations = match (allocs(&adopt), allocs(&create)) {
            (Some((a_count, a_bytes)), Some((c_count, c_bytes))) => {
                format!("{:+.1} allocations, {:+.0} bytes per call", a_count - c_count, a_bytes - c_bytes)
            }
            _ => "allocations not counted".to_owned(),
        };
        println!(
            "  {kind:<10}: {:+.0} instructions per call ({:+.4}x the floor), {allocations}",
            a - c,
            (a - c) / floor
        );
    }
}

/// Prints instructions per call and ratios to the floor, with allocations per call beside
/// them; `false` when a budget is missed (under `check`, by more than [`CHECK_MARGIN`]).
fn print_table(counts: &[(String, u64)], allocated: &[(String, Allocations)], iterations: usize, check: bool) -> bool {
    let per_call =
        |id: &str| counts.iter().find(|(row, _)| row == id).map(|(_, total)| *total as f64 / iterations as f64);
    let allocations_of = |id: &str| {
        allocated.iter().find(|(row, _)| row == id).map_or_else(
            || ("-".to_owned(), "-".to_owned()),
            |(_, counted)| {
                let (count, bytes) = counted.per_call(iterations);
                (format!("{count:.1}"), format!("{bytes:.0}"))
            },
        )
    };
    let Some(floor) = per_call("rs256/bare_verify_sig") else {
        println!("the floor was not measured");
        return false;
    };
    println!();
    println!(
        "Authorizer hot path in instructions (callgrind, {iterations} calls per row) vs. one bare RS256 verification"
    );
    println!("  from handler start: the row minus the runtime's own read of the same event (what the budgets count)");
    println!(
        "  allocs/call, bytes/call: allocations (and reallocations) per call and the bytes they ask for, whole row"
    );
    println!(
        "{:<34} | {:>11} | {:>8} | {:>18} | {:>8} | {:>11} | {:>10} | budget (on instructions from the handler's start, the runtime's read of the event taken out)",
        "row", "instr/call", "x floor", "from handler start", "x floor", "allocs/call", "bytes/call"
    );
    println!(
        "{:-<34}-|-{:->11}-|-{:->8}-|-{:->18}-|-{:->8}-|-{:->11}-|-{:->10}-|-{:-<20}",
        "", "", "", "", "", "", "", ""
    );
    let mut all_met = true;
    for row in table_rows() {
        let Some(count) = per_call(&row.id) else {
            println!("{:<34} | not measured", row.id);
            all_met = false;
            continue;
        };
        let read = row.runtime_read.as_deref().and_then(per_call);
        let (from_start, from_start_ratio) = match read {
            Some(read) => (format!("{:.0}", count - read), format!("{:.3}x", (count - read) / floor)),
            None => (String::new(), String::new()),
        };
        let verdict = match (row.budget, read) {
            (Some(budget), Some(read)) => {
                let ratio = (count - read) / floor;
                let allowed = if check { budget * (1.0 + CHECK_MARGIN) } else { budget };
                if ratio <= budget {
                    format!("<= {budget}x from handler start: met")
                } else if ratio <= allowed {
                    format!("<= {budget}x from handler start: missed, within the check's margin")
                } else {
                    all_met = false;
                    format!("<= {budget}x from handler start: MISSED")
                }
            }
            _ if row.id == "rs256/bare_verify_sig" => "floor".to_owned(),
            _ => String::new(),
        };
        let (allocs, bytes) = allocations_of(&row.id);
        println!(
            "{:<34} | {:>11.0} | {:>7.3}x | {:>18} | {:>8} | {:>11} | {:>10} | {verdict}",
            row.id,
            count,
            count / floor,
            from_start,
            from_start_ratio,
            allocs,
            bytes
        );
    }
    print_adopt_cost(&per_call, allocated, iterations, floor);
    all_met
}
