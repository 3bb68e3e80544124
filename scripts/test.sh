#!/usr/bin/env bash
# The whole test suite: formatting, the functions' dependency graph (one HTTP/TLS
# stack), the SAM template checks (cfn-lint, sam validate --lint, the template's
# security tests), then every crate's tests against the local
# Cognito. Fails, never skips, when a part cannot run.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/venv.sh
cargo fmt --all -- --check
scripts/check-dependencies.sh
scripts/check-template.sh
scripts/instructions.sh --check
scripts/with-local-cognito.sh cargo test --workspace --locked
scripts/browser-tests.sh
