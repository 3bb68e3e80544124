#!/usr/bin/env bash
# What one EMF metrics line costs the authorizer per call: time (render, and render plus
# one write to /dev/null) and instructions (callgrind, the bench run with N lines minus
# the same run with none, over N). Compare with the floor in docs/performance.md.
#   scripts/emf-overhead.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20000}
export CARGO_TARGET_DIR="$(realpath -m "${CARGO_TARGET_DIR:-target}")/benches"
cargo bench --locked -p function-metrics --bench emf_line
bin=$(cargo bench --locked -p function-metrics --bench emf_line --no-run --message-format=json 2>/dev/null \
  | sed -n 's/.*"executable":"\([^"]*emf_line[^"]*\)".*/\1/p' | tail -1)
if ! command -v valgrind >/dev/null 2>&1; then
  echo "valgrind is not installed: no instruction count" >&2
  exit 1
fi
count() {
  local out
  out=$(mktemp -d)
  valgrind --tool=callgrind --callgrind-out-file="$out/cg" "$bin" --count "$1" >/dev/null 2>&1
  sed -n 's/^summary: //p;s/^totals: //p' "$out/cg" | head -1
  rm -rf "$out"
}
with=$(count "$n")
without=$(count 0)
echo "  instructions:               $(( (with - without) / n )) per line (callgrind, $n lines)"
