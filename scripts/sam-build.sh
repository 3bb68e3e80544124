#!/usr/bin/env bash
# Builds the functions of template.yaml (link, authorizer, whoami, object-owner,
# pre-token, reconciler, forget) for Lambda (provided.al2023, arm64) into .aws-sam/build
# with the pinned SAM CLI and cargo-lambda from .venv. Extra arguments go to
# `sam build` (e.g. a function's logical id to build just that one).
#
# cargo-lambda cross-compiles with zig (the `ziglang` package in .venv) and installs
# the aarch64-unknown-linux-gnu rustup target on first use. Each function builds in
# its crate's directory (CodeUri in template.yaml) into the workspace's target/, so
# dependencies compiled with the same features are shared between the functions.
# Serial (no --parallel): the cargo builds share that target directory, so
# parallel builds would only queue on cargo's lock.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/venv.sh
export PATH="$PWD/.venv/bin:$PATH"
export SAM_CLI_TELEMETRY="${SAM_CLI_TELEMETRY:-0}"

for tool in cargo sam cargo-lambda; do
  if ! command -v "$tool" >/dev/null; then
    echo "error: $tool not found on PATH (cargo comes from rustup; sam and cargo-lambda from .venv)" >&2
    exit 2
  fi
done

sam build --template-file template.yaml "$@"

build_dir=.aws-sam/build
args=("$@")
for i in "${!args[@]}"; do
  case ${args[$i]} in
    -b | --build-dir) build_dir=${args[$((i + 1))]:-$build_dir} ;;
    --build-dir=*) build_dir=${args[$i]#--build-dir=} ;;
  esac
done
echo "built:" >&2
for f in "$build_dir"/*/bootstrap; do
  if [[ -f $f ]]; then
    printf '  %-40s %s bytes\n' "$f" "$(stat -c %s "$f")" >&2
  fi
done
