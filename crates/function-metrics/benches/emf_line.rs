//! What one EMF line costs on the authorizer's hot path: rendering it (the line's fixed
//! parts are built once per process) and writing it, per call.
//!
//! `cargo bench -p function-metrics --bench emf_line` prints nanoseconds per line
//! rendered, per line rendered and written to `/dev/null` (one `write` system call, as on
//! Lambda's stdout pipe), and allocations per line. Instructions per line: the bench
//! binary with `--count N` renders and writes N lines and nothing else; under
//! `valgrind --tool=callgrind`, its total with N minus its total with 0, over N
//! (`scripts/emf-overhead.sh` does it).
//!
//! The metric set has the authorizer's twelve names (`crates/authorizer/src/metrics.rs`):
//! the line's cost depends only on their number and length, and this crate cannot depend
//! on the authorizer's.

use std::hint::black_box;
use std::io::Write as _;
use std::time::Instant;

use function_metrics::{EmfLine, MetricSet};

struct AuthorizerShaped([u64; 12]);

impl MetricSet<12> for AuthorizerShaped {
    const NAMES: [&'static str; 12] = [
        "AuthorizerAllow",
        "AuthorizerDeny",
        "AuthorizerUnauthorized",
        "AuthorizerFailed",
        "GetIdThrottled",
        "IdentityFromClaim",
        "IdentityFromCache",
        "IdentityFromDirectory",
        "IdentityFromGetId",
        "GetIdFallback",
        "DirectoryMiss",
        "DirectoryError",
    ];
    fn counts(&self) -> [u64; 12] {
        self.0
    }
}

/// An Allow whose IdentityId came from the token's claim: the common call.
const ALLOW_BY_CLAIM: AuthorizerShaped = AuthorizerShaped([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);

/// Counts allocations, to report them per line.
struct CountingAllocator;

static ALLOCATIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

unsafe impl std::alloc::GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        unsafe { std::alloc::System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let line = EmfLine::new::<AuthorizerShaped, 12>("cognito-bridge-AuthorizerFunction-AbCdEf012345");
    let timestamp_ms = 1_765_100_000_000_u64;
    let mut null = std::fs::OpenOptions::new().write(true).open("/dev/null").expect("/dev/null");
    let mut render_and_write = |iterations: u64| {
        for _ in 0..iterations {
            let text = line.render(black_box(timestamp_ms), black_box(&ALLOW_BY_CLAIM));
            null.write_all(text.as_bytes()).expect("write to /dev/null");
        }
    };
    // `--count N`: N lines rendered and written, nothing else (what callgrind counts,
    // against `--count 0`).
    if let Some(n) = args.iter().position(|arg| arg == "--count").and_then(|i| args.get(i + 1)) {
        render_and_write(n.parse().expect("--count N"));
        return;
    }
    // `cargo bench` passes `--bench`; under `cargo test --benches` one line is a smoke test.
    let measuring = args.iter().any(|arg| arg == "--bench");
    let iterations: u64 = if measuring { 200_000 } else { 1 };

    let started = Instant::now();
    render_and_write(iterations);
    let written_ns = started.elapsed().as_nanos() as f64 / iterations as f64;

    let allocations_before = ALLOCATIONS.load(std::sync::atomic::Ordering::Relaxed);
    let started = Instant::now();
    for _ in 0..iterations {
        black_box(line.render(black_box(timestamp_ms), black_box(&ALLOW_BY_CLAIM)));
    }
    let render_ns = started.elapsed().as_nanos() as f64 / iterations as f64;
    let allocations = ALLOCATIONS.load(std::sync::atomic::Ordering::Relaxed) - allocations_before;
    let bytes = line.render(timestamp_ms, &ALLOW_BY_CLAIM).len();
    println!("EMF line of the authorizer ({bytes} bytes), {iterations} lines:");
    println!("  render:                     {render_ns:>8.0} ns per line");
    println!("  render + write /dev/null:   {written_ns:>8.0} ns per line");
    println!("  allocations:                {:>8.1} per line", allocations as f64 / iterations as f64);
}
