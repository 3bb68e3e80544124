#!/usr/bin/env bash
# Measures the cold start of the release authorizer and link binaries (process start →
# first poll of the Lambda runtime API → first answer) against the local Cognito.
#   scripts/cold-start.sh [--runs N]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/venv.sh
cargo build --release --locked --bins --quiet
ls -l target/release/authorizer target/release/link | awk '{print "host release binary (stripped):", $NF, $5, "bytes"}'
scripts/with-local-cognito.sh target/release/cold-start --bin-dir target/release "$@"
