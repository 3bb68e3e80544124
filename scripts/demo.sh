#!/usr/bin/env bash
# The local demo of the whole flow, on a fresh machine, in one command:
#   make demo
# Builds the functions, the local API gateway and the CLI, starts the local Cognito,
# creates the pools the template creates, runs link/authorizer/whoami as real Lambda
# processes behind the local gateway and object-owner/forget behind their queues, and
# walks the flow with the CLI, up to a deleted user forgotten. Everything it starts is
# stopped at the end, whatever happens. FORGET_OBJECTS=delete runs forget in the
# template's ForgetObjects=delete mode (keep by default).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/venv.sh
echo "==> building the functions, the local gateway and the CLI (the first build takes several minutes)"
# With the test targets: the same feature set as `make test` (dev-dependencies turn on
# features such as tokio's and the SDK's test-util), so after it nothing is rebuilt.
cargo build --workspace --bins --tests --locked --quiet
exec scripts/with-local-cognito.sh scripts/demo-flow.sh
