#!/usr/bin/env bash
# Offline checks of the AWS SAM stack (template.yaml), with the pinned tools in .venv:
#   1. cfn-lint template.yaml
#   2. sam validate --lint
#   3. tests/template: the stack's security properties (pytest), in create mode and in
#      adopt mode (test_adopt_mode.py evaluates the Rules and Conditions for each)
# cfn-lint (alone and under sam validate) checks every combination of the template's
# conditions, so both modes are linted by 1 and 2.
# Runs all three, reports each, and exits non-zero when any of them failed.
set -uo pipefail
cd "$(dirname "$0")/.."

scripts/venv.sh || exit 1

# Neither tool talks to AWS here, but SAM wants a region and credentials to exist.
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1
export AWS_REGION=us-east-1 SAM_CLI_TELEMETRY=0 PYTHONDONTWRITEBYTECODE=1
unset AWS_PROFILE AWS_SESSION_TOKEN

failed=()
run() {
  local name=$1
  shift
  echo "== $name" >&2
  if "$@"; then
    echo "== $name: ok" >&2
  else
    echo "== $name: FAILED" >&2
    failed+=("$name")
  fi
}

run "cfn-lint" .venv/bin/cfn-lint template.yaml
run "sam validate --lint" .venv/bin/sam validate --lint --template-file template.yaml
run "template security tests" .venv/bin/python -m pytest -q -p no:cacheprovider tests/template

if ((${#failed[@]})); then
  echo "error: template checks failed: ${failed[*]}" >&2
  exit 1
fi
echo "template checks passed" >&2
