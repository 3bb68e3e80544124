#!/usr/bin/env bash
# Measures the cold start of the release authorizer and link binaries (process start →
# first poll of the Lambda runtime API → first answer) against the local Cognito.
#   scripts/cold-start.sh [--runs N]
#
# Each function is built on its own, as `sam build` builds it from its crate directory:
# one workspace-wide build would unify features across all crates and give the
# functions the CLI's extra credential providers.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/venv.sh
for package in authorizer link; do
  cargo build --release --locked --quiet -p "$package" --bin "$package"
done
cargo build --release --locked --quiet -p test-support --bin cold-start
ls -l target/release/authorizer target/release/link | awk '{print "host release binary (stripped):", $NF, $5, "bytes"}'
scripts/with-local-cognito.sh target/release/cold-start --bin-dir target/release "$@"
