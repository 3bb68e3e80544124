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
forget_pid=""

# stop_pid PID: asks the process to stop (TERM), waits up to 5 s, then kills it.
stop_pid() {
  local pid=$1
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# stop_pipeline PID STOP_FILE: a queue pipeline stops (and stops its function) when its
# stop file appears; TERM and KILL by PID only if it does not within 10 s.
stop_pipeline() {
  local pid=$1
  [[ -n $pid ]] || return 0
  touch "$2"
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  stop_pid "$pid"
}
# stop_pipelines: both pipelines, each by its own PID.
stop_pipelines() {
  touch "$work/pipeline-stop" "$work/forget-stop"
  stop_pipeline "$forget_pid" "$work/forget-stop"; forget_pid=""
  stop_pipeline "$pipeline_pid" "$work/pipeline-stop"; pipeline_pid=""
}

cleanup() {
  stop_pipelines
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
# json_field NAME: NAME of the JSON document the last step printed (after any other output).
json_field() {
  "$PYTHON" -c 'import json,sys; t=sys.argv[1]; print(json.JSONDecoder().raw_decode(t[t.index("{"):])[0][sys.argv[2]])' \
    "$LAST_OUTPUT" "$1" 2>/dev/null
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
FORGET_QUEUE_URL=$(field ForgetQueueUrl) FORGET_QUEUE_ARN=$(field ForgetQueueArn) DELETION_RULE=$(field UserDeletionRuleName)
# The template's ForgetObjects parameter (keep, its default, or delete).
FORGET_OBJECTS=${FORGET_OBJECTS:-keep}
[[ $FORGET_OBJECTS == keep || $FORGET_OBJECTS == delete ]] || { echo "error: FORGET_OBJECTS must be keep or delete"; exit 2; }
echo "   user pool $USER_POOL_ID, app client $USER_POOL_CLIENT_IDS, identity pool $IDENTITY_POOL_ID"
echo "   identity directory (DynamoDB) $DIRECTORY_TABLE"
echo "   bucket $BUCKET: private/ ObjectCreated events → queue $QUEUE_URL (dead-letter queue after 5 receives)"
echo "   EventBridge rule $DELETION_RULE: CloudTrail's AdminDeleteUser and DeleteUser records → queue $FORGET_QUEUE_URL"

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
  --env "FOLDER_LAYOUT=$FOLDER_LAYOUT" --env "FORGET_OBJECTS=$FORGET_OBJECTS" --ready-file "$work/pipeline-ready" --stop-file "$work/pipeline-stop" --logs "$work/object-owner.log" \
  >"$work/pipeline.out" 2>"$work/pipeline.err" &
pipeline_pid=$!
for _ in $(seq 300); do [[ -s $work/pipeline-ready ]] && break; kill -0 "$pipeline_pid" 2>/dev/null || break; sleep 0.1; done
if [[ ! -s $work/pipeline-ready ]]; then
  echo "error: the object pipeline did not start:"; cat "$work/pipeline.err"; exit 1
fi
echo "   object-owner polls $QUEUE_URL"

echo
bold "── starting forget as a Lambda process fed by the forget queue (ForgetObjects=$FORGET_OBJECTS)"
# As template.yaml's ForgetFunction: one message per batch, USER_POOL_ID and FORGET_OBJECTS
# besides the runner's DIRECTORY_TABLE, BUCKET_NAME, SDK settings and RUST_LOG.
RUST_LOG=${RUST_LOG:-info} "$BIN/object-pipeline" --function "$BIN/forget" --queue-url "$FORGET_QUEUE_URL" \
  --queue-arn "$FORGET_QUEUE_ARN" --batch-size 1 --env "USER_POOL_ID=$USER_POOL_ID" --env "FORGET_OBJECTS=$FORGET_OBJECTS" \
  --ready-file "$work/forget-ready" --stop-file "$work/forget-stop" --logs "$work/forget.log" \
  >"$work/forget-pipeline.out" 2>"$work/forget-pipeline.err" &
forget_pid=$!
for _ in $(seq 300); do [[ -s $work/forget-ready ]] && break; kill -0 "$forget_pid" 2>/dev/null || break; sleep 0.1; done
if [[ ! -s $work/forget-ready ]]; then
  echo "error: the forget pipeline did not start:"; cat "$work/forget-pipeline.err"; exit 1
fi
echo "   forget polls $FORGET_QUEUE_URL"

export COGNITO_BRIDGE_USER_POOL_ID=$USER_POOL_ID COGNITO_BRIDGE_CLIENT_ID=$USER_POOL_CLIENT_IDS
export COGNITO_BRIDGE_IDENTITY_POOL_ID=$IDENTITY_POOL_ID COGNITO_BRIDGE_API_URL=$API_URL
export COGNITO_BRIDGE_DIRECTORY_TABLE=$DIRECTORY_TABLE COGNITO_BRIDGE_BUCKET=$BUCKET
export COGNITO_BRIDGE_FORGET_QUEUE_URL=$FORGET_QUEUE_URL
export XDG_CACHE_HOME=$work/cache
export COGNITO_BRIDGE_PASSWORD='Demo-Passw0rd!-local'
USER=demo-alice

step "sign up" "$CLI" signup --username "$USER" --email alice@example.com
step "confirm the user (admin, as an email code would)" "$CLI" confirm --username "$USER" --admin
step "sign in with SRP (the password never leaves this machine; tokens cached 0600)" "$CLI" login --username "$USER"
step "IdentityId and temporary AWS credentials (GetId + GetCredentialsForIdentity)" "$CLI" credentials --format json
IDENTITY_ID=$(json_field identityId)
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
SUB_OBJECT=$(json_field uri)
step "Bob cannot write into her users/<sub>/ folder (AccessDenied from IAM's principal tag)" as_bob_write_into "${SUB_OBJECT:-}"
# ---- end: the sub folder layout ------------------------------------------------------

# ---- begin: a deleted user forgotten (docs/forget.md, docs/forget-events.md) ------------
# linked_user NAME: a user who signs up, signs in (own session cache) and links; prints
# the link's JSON (its sub and IdentityId are read from it).
linked_user() {
  XDG_CACHE_HOME=$work/$1 "$CLI" signup --username "$1" --email "$1@example.com" >/dev/null &&
    XDG_CACHE_HOME=$work/$1 "$CLI" confirm --username "$1" --admin >/dev/null &&
    XDG_CACHE_HOME=$work/$1 "$CLI" login --username "$1" >/dev/null &&
    XDG_CACHE_HOME=$work/$1 "$CLI" --json link
}
# upload_as NAME FILE: NAME uploads FILE into their private folder (JSON: the next step reads its uri).
upload_as() { XDG_CACHE_HOME=$work/$1 "$CLI" --json upload "$2"; }
# mark_since WHAT: notes the time WHAT happened; forgotten_within says how long after it the
# user was first seen forgotten.
mark_since() { echo "$(date +%s%N) $*" >"$work/since"; }
# delete_user NAME [--event-lost]: AdminDeleteUser, as an admin would. With --event-lost
# the deletion's CloudTrail event is lost on its way: UserDeletionRule is disabled
# (DisableRule) around the call and enabled again after it.
delete_user() {
  "$PYTHON" - "$AWS_ENDPOINT_URL" "$USER_POOL_ID" "$DELETION_RULE" "$@" <<'PY'
import sys, boto3
endpoint, pool, rule, username, *lost = sys.argv[1:]
idp = boto3.client("cognito-idp", endpoint_url=endpoint, region_name="us-east-1")
events = boto3.client("events", endpoint_url=endpoint, region_name="us-east-1")
if lost:
    events.disable_rule(Name=rule)
    print(f"rule {rule}: {events.describe_rule(Name=rule)['State']}")
try:
    idp.admin_delete_user(UserPoolId=pool, Username=username)
    print(f"AdminDeleteUser: {username} deleted from {pool}")
finally:
    if lost:
        events.enable_rule(Name=rule)
        print(f"rule {rule}: {events.describe_rule(Name=rule)['State']} again, after the deletion: its event is lost")
PY
  local status=$?
  mark_since "AdminDeleteUser returned"
  return $status
}
# forgotten_within SECONDS ID: polls whois (every 0.2 s) until the directory answers
# "not found (forgotten)" for ID (a sub or an IdentityId): both directory items are gone
# and the tombstone is there.
forgotten_within() {
  local answer at what deadline=$(($(date +%s) + $1))
  while :; do
    if ! answer=$("$CLI" whois "$2" 2>&1) && [[ $answer == *"not found (forgotten)"* ]]; then
      echo "$answer"
      read -r at what <"$work/since" && echo "seen forgotten $(( ($(date +%s%N) - at) / 1000000 )) ms after $what"
      return 0
    fi
    (($(date +%s) < deadline)) || break
    sleep 0.2
  done
  echo "not forgotten within $1 s: $answer"; cat "$work/forget-pipeline.out" "$work/forget-pipeline.err"; return 1
}
# credentials_refused NAME IDENTITY_ID: GetCredentialsForIdentity for the deleted user's
# IdentityId, with their last id token (not expired yet) as the login, is refused.
credentials_refused() {
  "$PYTHON" - "$AWS_ENDPOINT_URL" "$USER_POOL_ID" "$work/$1/cognito-bridge" "$2" <<'PY'
import glob, json, sys, boto3, botocore
endpoint, pool, folder, identity_id = sys.argv[1:]
(path,) = glob.glob(f"{folder}/tokens-*.json")
logins = {f"cognito-idp.us-east-1.amazonaws.com/{pool}": json.load(open(path))["idToken"]}
identity = boto3.client("cognito-identity", endpoint_url=endpoint, region_name="us-east-1")
try:
    identity.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)
    print(f"{identity_id}: credentials issued!"); sys.exit(1)
except botocore.exceptions.ClientError as error:
    print(f"{identity_id}: {error.response['Error']['Code']}: {error.response['Error'].get('Message', '')}")
    sys.exit(0 if error.response["Error"]["Code"] == "ResourceNotFoundException" else 1)
PY
}
# folder_forgotten URI: with ForgetObjects=keep the object stays and carries no owner
# tag; with delete it is gone.
folder_forgotten() {
  "$PYTHON" - "$AWS_ENDPOINT_URL" "$1" "$FORGET_OBJECTS" <<'PY'
import sys, boto3, botocore
endpoint, uri, mode = sys.argv[1:]
bucket, key = uri.removeprefix("s3://").split("/", 1)
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                  config=botocore.config.Config(s3={"addressing_style": "path"}))
try:
    size = s3.head_object(Bucket=bucket, Key=key)["ContentLength"]
except botocore.exceptions.ClientError as error:
    code = error.response["Error"]["Code"]
    print(f"{uri}: {code} ({'deleted' if code in ('404', 'NoSuchKey') else 'unreadable'})")
    sys.exit(0 if mode == "delete" and code in ("404", "NoSuchKey") else 1)
tags = {t["Key"]: t["Value"] for t in s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]}
print(f"{uri}: still there ({size} bytes), tags: {', '.join(f'{k}={v}' for k, v in tags.items()) or 'none'}")
sys.exit(0 if mode == "keep" and not any(k.startswith("owner-") for k in tags) else 1)
PY
}
# still_linked ID: two seconds after the deletion, the directory still links the user
# (no event reached forget), whom whois shows gone from the pool.
still_linked() {
  local answer
  sleep 2
  answer=$("$CLI" whois "$1" 2>&1) || { echo "$answer"; return 1; }
  echo "$answer"
  [[ $answer == *NOT_IN_USER_POOL* ]]
}
# reconcile_sends: one reconciler pass; at least one missing user sent to the forget queue.
reconcile_sends() {
  local report
  report=$("$CLI" --json reconcile) || { echo "$report"; return 1; }
  mark_since "reconcile returned"
  echo "$report"
  "$PYTHON" -c 'import json,sys; r=json.loads(sys.argv[1]); sys.exit(0 if r["missing"] >= 1 and r["sent"] >= 1 else 1)' "$report"
}

step "Carol signs up, signs in and links (a third user, to be deleted)" linked_user demo-carol
CAROL_SUB=$(json_field sub) CAROL_ID=$(json_field identityId)
printf 'notes of demo-carol\n' >"$work/carol.txt"
step "Carol uploads into her private folder" upload_as demo-carol "$work/carol.txt"
CAROL_OBJECT=$(json_field uri)
step "object-owner tags Carol's object with its owner" owner_tagged "${CAROL_OBJECT:-missing}"
step "an admin deletes Carol (AdminDeleteUser): CloudTrail's event → UserDeletionRule → forget queue" delete_user demo-carol
step "within 30 s forget has erased her: whois by her sub says not found (forgotten)" forgotten_within 30 "${CAROL_SUB:-missing}"
step "whois by her old IdentityId: not found (forgotten)" forgotten_within 1 "${CAROL_ID:-missing}"
step "GetCredentialsForIdentity for her old IdentityId is refused (the identity is deleted)" credentials_refused demo-carol "${CAROL_ID:-missing}"
if [[ $FORGET_OBJECTS == delete ]]; then
  step "ForgetObjects=delete: her object is deleted" folder_forgotten "${CAROL_OBJECT:-missing}"
else
  step "ForgetObjects=keep (the default): her object stays, without its owner tags" folder_forgotten "${CAROL_OBJECT:-missing}"
fi

step "Dave signs up, signs in and links (a fourth user)" linked_user demo-dave
DAVE_SUB=$(json_field sub)
step "Dave is deleted while the deletion event is lost (UserDeletionRule disabled around AdminDeleteUser)" delete_user demo-dave --event-lost
step "2 s later the directory still links Dave (nothing heard of the deletion)" still_linked "${DAVE_SUB:-missing}"
step "cognito-bridge reconcile: AdminGetUser for each directory user; Dave is missing, sent to the forget queue" reconcile_sends
step "within 30 s forget has erased Dave: whois by his sub says not found (forgotten)" forgotten_within 30 "${DAVE_SUB:-missing}"
# ---- end: a deleted user forgotten --------------------------------------------------------

stop_pipelines
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
bold "── forget: one JSON log line per forgotten user (no name, no id), and the batches it ran"
grep -h -E 'forgotten|nothing to forget|nothing written|will be retried' "$work/forget.log" 2>/dev/null | sed 's/^/   /' || true
sed 's/^/   /' "$work/forget-pipeline.out" 2>/dev/null || true

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
echo; echo "demo passed: the user pool user and the identity pool identity are linked both ways, and a deleted user is forgotten"
