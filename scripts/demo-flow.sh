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
pipeline_pid=""

# stop_pid PID: asks the process to stop (TERM), waits up to 5 s, then kills it.
stop_pid() {
  local pid=$1
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# stop_pipeline: the object pipeline stops (and stops object-owner) when its stop file
# appears; TERM and KILL by PID only if it does not within 10 s.
stop_pipeline() {
  [[ -n $pipeline_pid ]] || return 0
  touch "$work/pipeline-stop"
  for _ in $(seq 100); do kill -0 "$pipeline_pid" 2>/dev/null || break; sleep 0.1; done
  stop_pid "$pipeline_pid"
  pipeline_pid=""
}

cleanup() {
  stop_pipeline
  stop_pid "$gateway_pid"
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
# FolderLayout sub: private/<IdentityId>/ as ever, and users/<sub>/ named by the principal
# tag "sub" (docs/principal-tags.md); object-owner reads the same setting.
export FOLDER_LAYOUT=sub
stack_json=$("$PYTHON" tests/emulator/create_local_stack.py "$AWS_ENDPOINT_URL" cognito-bridge-demo) || exit 1
field() { "$PYTHON" -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$stack_json" "$1"; }
export USER_POOL_ID=$(field UserPoolId) USER_POOL_CLIENT_IDS=$(field UserPoolClientId) IDENTITY_POOL_ID=$(field IdentityPoolId)
export DIRECTORY_TABLE=$(field DirectoryTableName)
BUCKET=$(field BucketName) QUEUE_URL=$(field ObjectEventsQueueUrl) QUEUE_ARN=$(field ObjectEventsQueueArn)
# object-owner reads the bucket it works folder jobs in from BUCKET_NAME, as the template sets it.
export BUCKET_NAME=$BUCKET
echo "   user pool $USER_POOL_ID, app client $USER_POOL_CLIENT_IDS, identity pool $IDENTITY_POOL_ID"
echo "   identity directory (DynamoDB) $DIRECTORY_TABLE"
echo "   bucket $BUCKET: private/ ObjectCreated events → queue $QUEUE_URL (dead-letter queue after 5 receives)"

# The template's Pre Token Generation trigger (V2_0) on the pool: the local Cognito runs
# pre-token as a Lambda process each time it issues tokens, as Cognito does.
trigger_json=$("$PYTHON" tests/emulator/create_local_stack.py --pre-token-trigger "$AWS_ENDPOINT_URL" cognito-bridge-demo \
  "$USER_POOL_ID" "$PWD/$BIN/pre-token" "$work/pre-token.log") || exit 1
echo "   pre token generation trigger $(echo "$trigger_json" | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["PreTokenFunctionArn"])') (V2_0): identity_id in both tokens once linked"

# The authorizer's settings, at the template's defaults.
source scripts/authorizer-settings.sh
export_authorizer_settings || exit 1

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
echo "   API: $API_URL  (POST /link and GET /iam/whoami: AWS_IAM; GET /whoami, /scoped/whoami, /admin/whoami: Lambda authorizer)"
echo "   authorizer: TOKEN_USE=$TOKEN_USE ROUTE_SCOPES=\"$ROUTE_SCOPES\" ROUTE_GROUPS=\"$ROUTE_GROUPS\""
echo "   the gateway caches each answer per Authorization header for the template's AuthorizerCacheTtl, as API Gateway does"

echo
bold "── starting object-owner as a Lambda process fed by the queue (as the SQS event source mapping does: batches of 10, ReportBatchItemFailures)"
RUST_LOG=${RUST_LOG:-info} "$BIN/object-pipeline" --function "$BIN/object-owner" --queue-url "$QUEUE_URL" --queue-arn "$QUEUE_ARN" \
  --ready-file "$work/pipeline-ready" --stop-file "$work/pipeline-stop" --logs "$work/object-owner.log" \
  >"$work/pipeline.out" 2>"$work/pipeline.err" &
pipeline_pid=$!
for _ in $(seq 300); do [[ -s $work/pipeline-ready ]] && break; kill -0 "$pipeline_pid" 2>/dev/null || break; sleep 0.1; done
if [[ ! -s $work/pipeline-ready ]]; then
  echo "error: the object pipeline did not start:"; cat "$work/pipeline.err"; exit 1
fi
echo "   object-owner polls $QUEUE_URL"

export COGNITO_BRIDGE_USER_POOL_ID=$USER_POOL_ID COGNITO_BRIDGE_CLIENT_ID=$USER_POOL_CLIENT_IDS
export COGNITO_BRIDGE_IDENTITY_POOL_ID=$IDENTITY_POOL_ID COGNITO_BRIDGE_API_URL=$API_URL
export COGNITO_BRIDGE_DIRECTORY_TABLE=$DIRECTORY_TABLE COGNITO_BRIDGE_BUCKET=$BUCKET
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
# access_token_claims: refreshes, then prints the cached access token's identity_id, sub and token_use.
access_token_claims() {
  "$CLI" refresh >/dev/null || return 1
  "$PYTHON" - "$XDG_CACHE_HOME/cognito-bridge" "${IDENTITY_ID:-missing}" <<'PY'
import base64, glob, json, sys
folder, identity_id = sys.argv[1:]
(path,) = glob.glob(f"{folder}/tokens-*.json")
token = json.load(open(path))["accessToken"]
payload = token.split(".")[1]
claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
print(json.dumps({k: claims.get(k) for k in ("token_use", "sub", "username", "identity_id")}))
sys.exit(0 if claims.get("identity_id") == identity_id and claims.get("token_use") == "access" else 1)
PY
}
# jwt_authorizer_whoami: whoami as a Lambda process, sent the HTTP API event that API
# Gateway's own JWT authorizer builds from the access token (no Lambda authorizer): the
# claims of events/whoami-http-api-jwt-authorizer-access-token.json, replaced by the token's.
jwt_authorizer_whoami() {
  "$PYTHON" - "$AWS_ENDPOINT_URL" "$XDG_CACHE_HOME/cognito-bridge" "$PWD/$BIN/whoami" "${IDENTITY_ID:-missing}" <<'PY'
import base64, glob, json, sys, urllib.request
endpoint, folder, binary, identity_id = sys.argv[1:]
(path,) = glob.glob(f"{folder}/tokens-*.json")
token = json.load(open(path))["accessToken"]
payload = token.split(".")[1]
claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
event = json.load(open("events/whoami-http-api-jwt-authorizer-access-token.json"))
# API Gateway hands every claim over as a string; arrays as "[a b]".
event["requestContext"]["authorizer"]["jwt"]["claims"] = {
    k: ("[" + " ".join(v) + "]" if isinstance(v, list) else str(v)) for k, v in claims.items()
}
event["requestContext"]["authorizer"]["jwt"]["scopes"] = claims.get("scope", "").split()
event["headers"]["authorization"] = "Bearer " + token
def control(route, body):
    request = urllib.request.Request(f"{endpoint}/_emulator/{route}", data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as answer:
        return json.loads(answer.read())
arn = "arn:aws:lambda:us-east-1:123456789012:function:cognito-bridge-demo-whoami-jwt"
control("lambda-functions", {"functionArn": arn, "command": [binary], "environment": {"RUST_LOG": "warn"}})
answer = control("lambda-functions/invoke", {"functionArn": arn, "event": event})["payload"]
body = json.loads(answer.get("body") or "{}")
print(answer.get("statusCode"), json.dumps(body))
sys.exit(0 if answer.get("statusCode") == 200 and body.get("identityId") == identity_id and body.get("sub") == claims["sub"] else 1)
PY
}
step "refresh: the access token carries identity_id (the Pre Token Generation trigger copied custom:identity_id)" access_token_claims
step "a handler behind API Gateway's own JWT authorizer reads both ids from the access token's claims (no Lambda authorizer)" jwt_authorizer_whoami
step "GET /whoami through the Lambda authorizer: both ids" "$CLI" whoami
step "GET /iam/whoami through IAM auth: both ids" "$CLI" whoami --iam
# refused_403 command...: the command must fail, saying the API answered 403.
refused_403() {
  local output
  if output=$("$@" 2>&1); then echo "$output"; echo "accepted, but a 403 was expected"; return 1; fi
  echo "$output"
  [[ $output == *"(403)"* ]]
}
# add_to_group GROUP: the admin call (AdminAddUserToGroup), into the group template.yaml creates.
add_to_group() {
  "$PYTHON" - "$AWS_ENDPOINT_URL" "$USER_POOL_ID" "$USER" "$1" <<'PY'
import sys, boto3
endpoint, pool, user, group = sys.argv[1:]
idp = boto3.client("cognito-idp", endpoint_url=endpoint, region_name="us-east-1")
if group not in [g["GroupName"] for g in idp.list_groups(UserPoolId=pool)["Groups"]]:
    idp.create_group(UserPoolId=pool, GroupName=group)
idp.admin_add_user_to_group(UserPoolId=pool, Username=user, GroupName=group)
print(f"{user} is in {group}")
PY
}
step "access token on GET /scoped/whoami: a sign-in token lacks the API's own scope (cognito-bridge/whoami.read, from the OAuth code flow), refused (403)" refused_403 "$CLI" whoami --access-token --route /scoped/whoami
step "id token on GET /scoped/whoami: id tokens carry no scopes, refused (403)" refused_403 "$CLI" whoami --route /scoped/whoami
step "access token on GET /admin/whoami: not in admins, 403 from the answer cached above" refused_403 "$CLI" whoami --access-token --route /admin/whoami
step "an admin adds her to the admins group (AdminAddUserToGroup)" add_to_group admins
step "refresh: the new tokens carry cognito:groups" "$CLI" refresh
step "access token on GET /admin/whoami: allowed now" "$CLI" whoami --access-token --route /admin/whoami
step "a forged token is refused by the authorizer (401)" "$PYTHON" -c '
import sys, urllib.request, urllib.error
req = urllib.request.Request(sys.argv[1] + "/whoami", headers={"Authorization": "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."})
try:
    urllib.request.urlopen(req); print("accepted!"); sys.exit(1)
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode()); sys.exit(0 if e.code == 401 else 1)
' "$API_URL"
step "whois: from the IdentityId back to the user (one directory read, no ListUsers)" "$CLI" whois "${IDENTITY_ID:-missing}"
printf 'notes of %s, uploaded by the demo\n' "$USER" >"$work/notes.txt"
step "upload: PutObject into her own private folder with her identity pool credentials" "$CLI" upload "$work/notes.txt"
OBJECT="s3://$BUCKET/private/${IDENTITY_ID:-missing}/notes.txt"
# owner_tagged URI: waits (at most 20 s) until object-owner has tagged the object, and prints its tags.
owner_tagged() {
  local answer
  for _ in $(seq 40); do
    answer=$("$CLI" --json whois "$1" 2>&1)
    if "$PYTHON" -c 'import json,sys; t=json.loads(sys.argv[1]).get("ownerTags") or {}; print(", ".join(f"{k}={v}" for k,v in t.items())); sys.exit(0 if "owner-username" in t else 1)' "$answer" 2>/dev/null; then
      return 0
    fi
    sleep 0.5
  done
  echo "not tagged within 20 s: $answer"; cat "$work/pipeline.out"; return 1
}
step "S3 to SQS to object-owner: the object is tagged with its owner" owner_tagged "$OBJECT"
step "whois: from the S3 object to its owner, with the object's owner tags" "$CLI" whois "$OBJECT"
step "ls: her own objects (ListObjectsV2 on private/<IdentityId>/)" "$CLI" ls
step "usage: the directory counted the object once" "$CLI" usage "$USER"
# as_bob_read URI: Bob signs in (his own session cache) and tries to read the object
# with his identity pool credentials; the local emulator enforces the AuthenticatedRole.
as_bob_read() {
  local creds
  XDG_CACHE_HOME=$work/bob "$CLI" signup --username demo-bob --email bob@example.com >/dev/null &&
    XDG_CACHE_HOME=$work/bob "$CLI" confirm --username demo-bob --admin >/dev/null &&
    XDG_CACHE_HOME=$work/bob "$CLI" login --username demo-bob >/dev/null &&
    creds=$(XDG_CACHE_HOME=$work/bob "$CLI" credentials --format json) || return 1
  "$PYTHON" - "$AWS_ENDPOINT_URL" "$creds" "$1" <<'PY'
import json, sys, boto3, botocore
endpoint, creds, uri = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
bucket, key = uri.removeprefix("s3://").split("/", 1)
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=creds["accessKeyId"],
                  aws_secret_access_key=creds["secretAccessKey"], aws_session_token=creds["sessionToken"],
                  config=botocore.config.Config(s3={"addressing_style": "path"}))
try:
    s3.get_object(Bucket=bucket, Key=key)
    print("Bob read her object!"); sys.exit(1)
except botocore.exceptions.ClientError as error:
    print(f"Bob ({creds['identityId']}): {error.response['Error']['Code']}: {error.response['Error'].get('Message', '')}")
    sys.exit(0 if error.response["Error"]["Code"] == "AccessDenied" else 1)
PY
}
step "Bob, signed in with his own credentials, cannot read her object (AccessDenied)" as_bob_read "$OBJECT"

# ---- begin: the sub folder layout (docs/principal-tags.md) --------------------------
# upload_by_sub: her upload under users/<her sub>/, the folder IAM names from her
# session's principal tag "sub" (JSON: the next step reads its uri).
upload_by_sub() { "$CLI" --json --folder-layout sub upload "$work/notes.txt" --key by-sub.txt; }
# as_bob_write_into URI: Bob (signed in above) puts a file into her users/<sub>/ folder.
as_bob_write_into() {
  local creds
  [[ $1 == s3://*/users/* ]] || { echo "no object of hers under users/<sub>/ to aim at"; return 1; }
  creds=$(XDG_CACHE_HOME=$work/bob "$CLI" credentials --format json) || return 1
  "$PYTHON" - "$AWS_ENDPOINT_URL" "$creds" "$1" <<'PY'
import json, sys, boto3, botocore
endpoint, creds, uri = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
bucket, key = uri.removeprefix("s3://").split("/", 1)
planted = key.rsplit("/", 1)[0] + "/planted-by-bob.txt"
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=creds["accessKeyId"],
                  aws_secret_access_key=creds["secretAccessKey"], aws_session_token=creds["sessionToken"],
                  config=botocore.config.Config(s3={"addressing_style": "path"}))
try:
    s3.put_object(Bucket=bucket, Key=planted, Body=b"not hers")
    print(f"Bob wrote {planted}!"); sys.exit(1)
except botocore.exceptions.ClientError as error:
    print(f"Bob -> s3://{bucket}/{planted}: {error.response['Error']['Code']}: {error.response['Error'].get('Message', '')}")
    sys.exit(0 if error.response["Error"]["Code"] == "AccessDenied" else 1)
PY
}
step "upload --folder-layout sub: into users/<her sub>/, granted by her session's principal tag" upload_by_sub
SUB_OBJECT=$("$PYTHON" -c 'import json,sys; print(json.loads(sys.argv[1])["uri"])' "$LAST_OUTPUT" 2>/dev/null)
step "Bob cannot write into her users/<sub>/ folder (AccessDenied from IAM's principal tag)" as_bob_write_into "${SUB_OBJECT:-}"
# ---- end: the sub folder layout ------------------------------------------------------

stop_pipeline
stop_pid "$gateway_pid"; gateway_pid=""
echo
bold "── one JSON log line per request (link function)"
grep -h '"message":"link"' "$work/link.log" 2>/dev/null | sed 's/^/   /' || true
echo
bold "── one JSON log line per token issue (pre-token: the outcome only, never a name or an id)"
grep -h 'pre token generation' "$work/pre-token.log" 2>/dev/null | sed 's/^/   /' || true
echo
bold "── one JSON log line per object (object-owner), and the batches the event source ran"
grep -h 'notes.txt' "$work/object-owner.log" 2>/dev/null | sed 's/^/   /' || true
sed 's/^/   /' "$work/pipeline.out" 2>/dev/null || true

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
