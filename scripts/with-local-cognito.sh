#!/usr/bin/env bash
# Runs a command with the local Cognito emulator up, then stops the emulator by
# its PID whatever the command's outcome.
#
#   scripts/with-local-cognito.sh cargo test --workspace
#
# The command sees AWS_ENDPOINT_URL (the emulator on a free loopback port),
# AWS_REGION and dummy credentials. The emulator's output goes to
# target/local-cognito.log.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=.venv/bin/python
if [[ ! -x $PYTHON ]]; then
  echo "error: $PYTHON is missing; run 'make venv' (make test and make demo do it)" >&2
  exit 2
fi

mkdir -p target
ready_file=$(mktemp -t local-cognito-ready.XXXXXX)
rm -f "$ready_file"
log_file=target/local-cognito.log

"$PYTHON" tests/emulator/cognito_emulator.py --host 127.0.0.1 --port 0 --ready-file "$ready_file" >"$log_file" 2>&1 &
emulator_pid=$!

stop_emulator() {
  if kill -0 "$emulator_pid" 2>/dev/null; then
    kill "$emulator_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$emulator_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$emulator_pid" 2>/dev/null || true
  fi
  rm -f "$ready_file"
}
trap stop_emulator EXIT
trap 'exit 130' INT TERM

for _ in $(seq 600); do
  [[ -s $ready_file ]] && break
  if ! kill -0 "$emulator_pid" 2>/dev/null; then
    echo "error: the local Cognito emulator exited during start-up; its log:" >&2
    cat "$log_file" >&2
    exit 1
  fi
  sleep 0.1
done
if [[ ! -s $ready_file ]]; then
  echo "error: the local Cognito emulator was not ready after 60 s; its log:" >&2
  cat "$log_file" >&2
  exit 1
fi

AWS_ENDPOINT_URL=$(cat "$ready_file")
export AWS_ENDPOINT_URL
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
unset AWS_PROFILE AWS_SESSION_TOKEN
echo "local Cognito ready at $AWS_ENDPOINT_URL (pid $emulator_pid)" >&2

status=0
"$@" || status=$?
exit "$status"
