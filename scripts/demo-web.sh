#!/usr/bin/env bash
# The web app against the local stack, for a person to click through:
#   make demo-web        (WEB_PORT=8080 make demo-web for a fixed port)
# Builds the app and the functions, starts the local Cognito and the local gateway
# (which serves the app on its own origin) and the object pipeline (object-owner fed by
# the bucket's queue), creates the stack and one confirmed user, prints the app's URL and
# waits. Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ${1:-} != --with-emulator ]]; then
  command -v npm >/dev/null || { echo "error: make demo-web needs Node.js 20.19+ and npm" >&2; exit 2; }
  scripts/venv.sh
  echo "==> web app: npm ci and build"
  (cd web && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build >/dev/null)
  echo "==> building the functions and the local gateway (the first build takes several minutes)"
  # With the test targets: the same feature set as `make test` (dev-dependencies turn on
  # features such as tokio's and the SDK's test-util), so after it nothing is rebuilt.
  cargo build --workspace --bins --tests --locked --quiet
  exec scripts/with-local-cognito.sh "$0" --with-emulator
fi

BIN=target/debug
PYTHON=.venv/bin/python
work=$(mktemp -d -t cognito-bridge-demo-web.XXXXXX)
gateway_pid="" pipeline_pid=""
source scripts/web-stack.sh
trap stop_web_stack EXIT
trap 'exit 130' INT TERM

stack_json=$("$PYTHON" tests/emulator/create_local_stack.py "$AWS_ENDPOINT_URL" cognito-bridge-demo-web)
field() { "$PYTHON" -c 'import json,sys; print(json.loads(sys.argv[1]).get(sys.argv[2], ""))' "$stack_json" "$1"; }
export USER_POOL_ID=$(field UserPoolId) USER_POOL_CLIENT_IDS=$(field UserPoolClientId) IDENTITY_POOL_ID=$(field IdentityPoolId)
export DIRECTORY_TABLE=$(field DirectoryTableName) BUCKET_NAME=$(field BucketName)
export OBJECT_EVENTS_QUEUE_URL=$(field ObjectEventsQueueUrl) OBJECT_EVENTS_QUEUE_ARN=$(field ObjectEventsQueueArn)
# The pipeline runs as long as the demo does (a day at most).
export PIPELINE_MAX_SECONDS=86400
DEMO_USER=demo-alice DEMO_PASSWORD='Demo-Passw0rd!-local'
"$PYTHON" - "$AWS_ENDPOINT_URL" "$USER_POOL_ID" "$DEMO_USER" "$DEMO_PASSWORD" <<'PY'
import sys, boto3
endpoint, pool, user, password = sys.argv[1:]
idp = boto3.client("cognito-idp", endpoint_url=endpoint, region_name="us-east-1",
                   aws_access_key_id="testing", aws_secret_access_key="testing")
idp.admin_create_user(UserPoolId=pool, Username=user, MessageAction="SUPPRESS",
                      UserAttributes=[{"Name": "email", "Value": f"{user}@example.com"}])
idp.admin_set_user_password(UserPoolId=pool, Username=user, Password=password, Permanent=True)
PY

start_web_stack --web-port "${WEB_PORT:-0}" || exit 1

cat <<TEXT

  Cognito Bridge web app:  $WEB_URL
  API (local gateway):     $API_URL
  local Cognito:           $AWS_ENDPOINT_URL

  Sign in as $DEMO_USER / $DEMO_PASSWORD, or sign up a new user (locally any
  confirmation code is accepted: the emulator sends no email). Upload a file: it
  lands in your private/<IdentityId>/ folder of the bucket
    $BUCKET_NAME
  object-owner tags it with its owner and the identity directory counts it. Reading
  another user's key answers AccessDenied: your credentials reach your folder only.
  Requests are logged below. Ctrl-C stops everything.

TEXT
tail -n +1 -f "$work/gateway.log" &
tail_pid=$!
trap 'kill "$tail_pid" 2>/dev/null || true; stop_web_stack' EXIT
wait "$gateway_pid"
