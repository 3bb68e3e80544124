#!/usr/bin/env bash
# The authorizer's hot path in instructions (valgrind's callgrind): instructions per call
# and ratios to one bare RS256 verification, for the rows of scripts/bench.sh. Counts
# repeat exactly from run to run, whatever else the machine is doing.
#   scripts/instructions.sh                  # 20 calls per row, the table
#   scripts/instructions.sh --iterations 50  # more calls per row
#   scripts/instructions.sh --check          # 3 calls per row; fails when a budgeted row
#                                            # exceeds its budget by more than the margin
#   scripts/instructions.sh --keep DIR       # keep the dumps for callgrind_annotate
# Fails, never skips, when valgrind is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# The benches build with the bench profile (Cargo.toml: release code generation for the
# measured code, no LTO, the AWS SDK unoptimised) in a target directory of their own,
# shared by scripts/bench.sh and scripts/instructions.sh: cargo locks a target directory
# for one command at a time, and this way make test builds them while `cargo test` builds
# and runs in target/.
export CARGO_TARGET_DIR="$(realpath -m "${CARGO_TARGET_DIR:-target}")/benches"

if ! command -v valgrind >/dev/null 2>&1; then
  echo "valgrind is not installed; the instruction counts need it: install Debian's valgrind package (apt-get install valgrind)" >&2
  exit 1
fi
cargo bench --locked -p authorizer --bench authorizer_instructions -- "$@"
