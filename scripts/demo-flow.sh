#!/usr/bin/env bash
# The demo's walk through the flow; run by scripts/demo.sh with the local Cognito
# up (AWS_ENDPOINT_URL set). Exits non-zero if any step fails.
set -uo pipefail
cd "$(dirname "$0")/.."

BIN=target/debug
CLI=$BIN/cognito-bridge
PYTHON=.venv/bin/python
work=$(mktemp -d -t cognito-bridge-demo.XXXXXX)
gateway_pid=""

cleanup() {
  if [[ -n $gateway_pid ]] && kill -0 "$gateway_pid" 2>/dev/null; then
    kill "$gateway_pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$gateway_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$gateway_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bold() { printf '\033[1m%s\033[0m\n' "$*"; }
results=()
failed=0
# step "title" command...: runs one step, shows its output, records the outcome.
step() {
  local title=$1; shift
  echo
  bold "── $title"
  printf '   $ %s\n' "$*" | sed "s|$BIN/||g"
  local started output status took
  started=$(date +%s%N)
  output=$("$@" 2>&1); status=$?
  took="$(( ($(date +%s%N) - started) / 1000000 )) ms"
  printf '%s\n' "$output" | sed 's/^/   /'
  if [[ $status -eq 0 ]]; then
    results+=("ok|$title|$took")
  else
    results+=("FAILED (exit $status)|$title|$took")
    failed=1
  fi
  LAST_OUTPUT=$output
  return 0
}
bold "Cognito Bridge: local demo"
echo "local Cognito: $AWS_ENDPOINT_URL"

echo
bold "── creating the user pool, app client, identity pool and identity directory (as template.yaml does)"
stack_json=$("$PYTHON" tests/emulator/create_local_stack.py "$AWS_ENDPOINT_URL" cognito-bridge-demo) || exit 1
field() { "$PYTHON" -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$stack_json" "$1"; }
export USER_POOL_ID=$(field UserPoolId) USER_POOL_CLIENT_IDS=$(field UserPoolClientId) IDENTITY_POOL_ID=$(field IdentityPoolId)
export DIRECTORY_TABLE=$(field DirectoryTableName)
echo "   user pool $USER_POOL_ID, app client $USER_POOL_CLIENT_IDS, identity pool $IDENTITY_POOL_ID"
echo "   identity directory (DynamoDB) $DIRECTORY_TABLE"

echo
bold "── starting link, authorizer and whoami as Lambda processes behind the local API gateway"
RUST_LOG=${RUST_LOG:-info} "$BIN/local-gateway" --bin-dir "$BIN" --ready-file "$work/gateway-url" --logs-dir "$work" \
  >"$work/gateway.out" 2>"$work/gateway.err" &
gateway_pid=$!
for _ in $(seq 300); do [[ -s $work/gateway-url ]] && break; kill -0 "$gateway_pid" 2>/dev/null || break; sleep 0.1; done
if [[ ! -s $work/gateway-url ]]; then
  echo "error: the local gateway did not start:"; cat "$work/gateway.err"; exit 1
fi
API_URL=$(cat "$work/gateway-url")
echo "   API: $API_URL  (POST /link and GET /iam/whoami: AWS_IAM; GET /whoami: Lambda authorizer)"

export COGNITO_BRIDGE_USER_POOL_ID=$USER_POOL_ID COGNITO_BRIDGE_CLIENT_ID=$USER_POOL_CLIENT_IDS
export COGNITO_BRIDGE_IDENTITY_POOL_ID=$IDENTITY_POOL_ID COGNITO_BRIDGE_API_URL=$API_URL
export COGNITO_BRIDGE_DIRECTORY_TABLE=$DIRECTORY_TABLE
export XDG_CACHE_HOME=$work/cache
export COGNITO_BRIDGE_PASSWORD='Demo-Passw0rd!-local'
USER=demo-alice

step "sign up" "$CLI" signup --username "$USER" --email alice@example.com
step "confirm the user (admin, as an email code would)" "$CLI" confirm --username "$USER" --admin
step "sign in with SRP (the password never leaves this machine; tokens cached 0600)" "$CLI" login --username "$USER"
step "IdentityId and temporary AWS credentials (GetId + GetCredentialsForIdentity)" "$CLI" credentials --format json
IDENTITY_ID=$("$PYTHON" -c 'import json,sys; print(json.loads(sys.argv[1]).get("identityId",""))' "$LAST_OUTPUT" 2>/dev/null || true)
step "link: SigV4-signed POST /link, then refresh: custom:identity_id is in the id token" "$CLI" link
step "link again: idempotent, answered from the directory with no Cognito call" "$CLI" link
step "GET /whoami through the Lambda authorizer: both ids" "$CLI" whoami
step "GET /iam/whoami through IAM auth: both ids" "$CLI" whoami --iam
step "a forged token is refused by the authorizer (401)" "$PYTHON" -c '
import sys, urllib.request, urllib.error
req = urllib.request.Request(sys.argv[1] + "/whoami", headers={"Authorization": "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."})
try:
    urllib.request.urlopen(req); print("accepted!"); sys.exit(1)
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode()); sys.exit(0 if e.code == 401 else 1)
' "$API_URL"
step "whois: from the IdentityId back to the user (one directory read, no ListUsers)" "$CLI" whois "${IDENTITY_ID:-missing}"
step "whois: from an S3 key in the private bucket to its owner" "$CLI" whois "s3://cognito-bridge-demo-bucket/private/${IDENTITY_ID:-missing}/notes.txt"

kill "$gateway_pid" 2>/dev/null; wait "$gateway_pid" 2>/dev/null; gateway_pid=""
echo
bold "── one JSON log line per request (link function)"
grep -h '"message":"link"' "$work/link.log" 2>/dev/null | sed 's/^/   /' || true

echo
bold "Summary"
printf '   %-84s %-22s %8s\n' "step" "result" "time"
for row in "${results[@]}"; do
  IFS='|' read -r result title took <<<"$row"
  printf '   %-84s %-22s %8s\n' "$title" "$result" "$took"
done
if [[ $failed -ne 0 ]]; then
  echo; echo "demo FAILED"; exit 1
fi
echo; echo "demo passed: the user pool user and the identity pool identity are linked both ways"
