#!/usr/bin/env bash
# The authorizer's hot-path benchmarks (criterion) in one run, ending with the table of
# ns/op and ratios to one bare RS256 verification (the floor), and the budgets' verdict.
#   scripts/bench.sh                 # every bench (about 2 minutes once built)
#   scripts/bench.sh handler/token   # criterion filter: only matching benches
#   BENCH_BREAKDOWN=1 scripts/bench.sh   # cost of each step of a repeat call instead
# Ratios are only meaningful on a quiet machine: the floor and the handler are measured
# one after the other, so a build running beside them skews both.
set -euo pipefail
cd "$(dirname "$0")/.."

# The benches build with the bench profile (Cargo.toml: release code generation for the
# measured code, no LTO, the AWS SDK unoptimised) in a target directory of their own,
# shared by scripts/bench.sh and scripts/instructions.sh: cargo locks a target directory
# for one command at a time, and this way make test builds them while `cargo test` builds
# and runs in target/.
export CARGO_TARGET_DIR="$(realpath -m "${CARGO_TARGET_DIR:-target}")/benches"

echo "== machine"
echo "cores (nproc): $(nproc)"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "cpu flags: $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -xE 'sha_ni|avx2|avx512f|adx|bmi2' | tr '\n' ' ')"
echo "kernel: $(uname -sr), load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "rustc: $(rustc -V)"
echo
echo "== cargo bench -p authorizer --bench authorizer_hot_path"
cargo bench --locked -p authorizer --bench authorizer_hot_path -- "$@"
