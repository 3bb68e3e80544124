#!/usr/bin/env bash
# The local demo of adopt mode, in one command:
#   make demo-adopt
# Builds the CLI, starts the local Cognito, builds a "pre-existing app" on it (a user
# pool without custom:identity_id, an app client with WriteAttributes unset, an identity
# pool with its authenticated role, and three users whose files sit in their
# private/<IdentityId>/ folders from before the bridge existed), then shows adopt's plan,
# applies it, applies it again (nothing to change), adopts the `both` folder layout (the
# role's sts:TagSession, then the principal tag sub), and shows a user's own write of
# custom:identity_id refused. Then it runs the
# bridge as the stack does in adopt mode (link, authorizer and whoami behind the local
# gateway with TRUST_TOKEN_IDENTITY_ID=false; object-owner fed by the queue that the
# bucket's EventBridge rule and the directory's link pipe send to), shows the sweep's
# unattributed folders, has one user link so that her old objects are attributed, and
# shows the authorizer denying a token whose custom:identity_id disagrees with the directory.
# Everything it starts is stopped by PID at the end, whatever happens (the local Cognito
# by scripts/with-local-cognito.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -z ${COGNITO_BRIDGE_DEMO_ADOPT_INNER:-} ]]; then
  scripts/venv.sh
  echo "==> building the CLI (the first build takes several minutes)"
  cargo build --workspace --bins --tests --locked --quiet
  COGNITO_BRIDGE_DEMO_ADOPT_INNER=1 exec scripts/with-local-cognito.sh "$0"
fi

BIN=target/debug
CLI=$BIN/cognito-bridge
PYTHON=.venv/bin/python
work=$(mktemp -d -t cognito-bridge-demo-adopt.XXXXXX)
gateway_pid=""
pipeline_pid=""
# stop_pid PID: TERM, a grace period, then KILL.
stop_pid() {
  local pid=$1
  [[ -n $pid ]] || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  [[ -n $pipeline_pid ]] && touch "$work/pipeline-stop"
  stop_pid "$pipeline_pid"
  stop_pid "$gateway_pid"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bold() { printf '\033[1m%s\033[0m\n' "$*"; }
failed=0
# step "title" expected-exit command...: runs one step, shows its output, checks its exit code.
step() {
  local title=$1 expected=$2; shift 2
  echo
  bold "── $title"
  printf '   $ %s\n' "$*" | sed "s|target/debug/||g"
  local output status
  output=$("$@" 2>&1) && status=0 || status=$?
  printf '%s\n' "$output" | sed 's/^/   /'
  if [[ $status -ne $expected ]]; then
    echo "   FAILED: exit $status, expected $expected"
    failed=1
  fi
  LAST_OUTPUT=$output
}

bold "Cognito Bridge: adopting an existing app (local)"
echo "local Cognito: $AWS_ENDPOINT_URL"

echo
bold "── the team's app, as it ran before the bridge"
app_json=$("$PYTHON" - "$AWS_ENDPOINT_URL" <<'PY'
import json, sys, uuid
import boto3

endpoint = sys.argv[1]
aws = dict(endpoint_url=endpoint, region_name="us-east-1")
idp, identity, s3 = boto3.client("cognito-idp", **aws), boto3.client("cognito-identity", **aws), boto3.client("s3", **aws)
iam = boto3.client("iam", **aws)
name = f"team-app-{uuid.uuid4().hex[:6]}"
pool = idp.create_user_pool(PoolName=name)["UserPool"]["Id"]
client = idp.create_user_pool_client(
    UserPoolId=pool, ClientName="team-web", RefreshTokenValidity=7,
    ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
)["UserPoolClient"]["ClientId"]
provider = f"cognito-idp.us-east-1.amazonaws.com/{pool}"
identity_pool = identity.create_identity_pool(
    IdentityPoolName=name.replace("-", "_"), AllowUnauthenticatedIdentities=False,
    CognitoIdentityProviders=[{"ProviderName": provider, "ClientId": client}],
)["IdentityPoolId"]
bucket = f"{name}-files"
s3.create_bucket(Bucket=bucket)
# The identity pool's authenticated role, in the local IAM (which scopes the credentials
# the local Cognito issues): the IAM console's trust policy, without sts:TagSession, the
# team's grant of private/<IdentityId>/, and the stack's SubFolderPolicy (adopt mode
# attaches it to the role by name).
trust = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
    "Action": "sts:AssumeRoleWithWebIdentity",
    "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": identity_pool},
                  "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"}}}]}
role = iam.create_role(RoleName=f"{name}-authenticated", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
for policy, (actions, resource) in {
    "team-private": (["s3:GetObject", "s3:PutObject"], f"arn:aws:s3:::{bucket}/private/${{cognito-identity.amazonaws.com:sub}}/*"),
    "sub-folder": (["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:GetObjectTagging"],
                   f"arn:aws:s3:::{bucket}/users/${{aws:PrincipalTag/sub}}/*"),
}.items():
    iam.put_role_policy(RoleName=role["RoleName"], PolicyName=policy, PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resource}]}))
identity.set_identity_pool_roles(IdentityPoolId=identity_pool, Roles={"authenticated": role["Arn"]})
users = {}
for user in ("ana", "ben", "cai"):
    idp.admin_create_user(UserPoolId=pool, Username=user, MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": f"{user}@example.com"}])
    idp.admin_set_user_password(UserPoolId=pool, Username=user, Password="Demo-Passw0rd!-local", Permanent=True)
    id_token = idp.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH",
                                 AuthParameters={"USERNAME": user, "PASSWORD": "Demo-Passw0rd!-local"})["AuthenticationResult"]["IdToken"]
    identity_id = identity.get_id(IdentityPoolId=identity_pool, Logins={provider: id_token})["IdentityId"]
    # Written with admin credentials for brevity; the team's app wrote them with each user's identity pool credentials.
    for n in range(2):
        s3.put_object(Bucket=bucket, Key=f"private/{identity_id}/photo-{n}.jpg", Body=b"x" * (100 + n))
    users[user] = identity_id
print(json.dumps({"pool": pool, "client": client, "identityPool": identity_pool, "bucket": bucket, "users": users}))
PY
) || exit 1
field() { "$PYTHON" -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$app_json" "$1"; }
POOL=$(field pool) CLIENT=$(field client) IDENTITY_POOL=$(field identityPool) BUCKET=$(field bucket)
TABLE=$("$PYTHON" tests/emulator/create_local_stack.py --directory-table "$AWS_ENDPOINT_URL" demo-adopt \
  | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["DirectoryTableName"])') || exit 1
echo "   user pool $POOL (no custom:identity_id), app client $CLIENT (WriteAttributes unset)"
echo "   identity pool $IDENTITY_POOL (authenticated role: no sts:TagSession), bucket $BUCKET with 3 users' private/<IdentityId>/ folders"
echo "   the bridge's identity directory (created by the stack in adopt mode): $TABLE"
pipeline_json=$("$PYTHON" tests/emulator/create_local_stack.py --adopted-pipeline "$AWS_ENDPOINT_URL" demo-adopt "$BUCKET") || exit 1
pfield() { "$PYTHON" -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$pipeline_json" "$1"; }
QUEUE_URL=$(pfield ObjectEventsQueueUrl) QUEUE_ARN=$(pfield ObjectEventsQueueArn)
echo "   the stack's queue $QUEUE_URL, fed by the rule on $BUCKET's EventBridge events and by the directory's link pipe"

echo
bold "── the bridge, as the stack runs it in adopt mode"
export USER_POOL_ID=$POOL USER_POOL_CLIENT_IDS=$CLIENT IDENTITY_POOL_ID=$IDENTITY_POOL DIRECTORY_TABLE=$TABLE
export BUCKET_NAME=$BUCKET OBJECT_EVENTS_QUEUE_URL=$QUEUE_URL
source scripts/authorizer-settings.sh
export_authorizer_settings || exit 1
# As the template sets it with an adopted pool: the IdentityId comes from the directory.
export TRUST_TOKEN_IDENTITY_ID=false
RUST_LOG=${RUST_LOG:-info} "$BIN/local-gateway" --bin-dir "$BIN" --ready-file "$work/gateway-url" --logs-dir "$work" \
  >"$work/gateway.out" 2>"$work/gateway.err" &
gateway_pid=$!
RUST_LOG=${RUST_LOG:-info} "$BIN/object-pipeline" --function "$BIN/object-owner" --queue-url "$QUEUE_URL" --queue-arn "$QUEUE_ARN" \
  --ready-file "$work/pipeline-ready" --stop-file "$work/pipeline-stop" --logs "$work/object-owner.log" \
  >"$work/pipeline.out" 2>"$work/pipeline.err" &
pipeline_pid=$!
for _ in $(seq 300); do
  [[ -s $work/gateway-url && -s $work/pipeline-ready ]] && break
  kill -0 "$gateway_pid" 2>/dev/null && kill -0 "$pipeline_pid" 2>/dev/null || break
  sleep 0.1
done
if [[ ! -s $work/gateway-url || ! -s $work/pipeline-ready ]]; then
  echo "error: the local gateway or the object pipeline did not start:"; cat "$work/gateway.err" "$work/pipeline.err"; exit 1
fi
API_URL=$(cat "$work/gateway-url")
echo "   link, authorizer (TRUST_TOKEN_IDENTITY_ID=false) and whoami behind $API_URL; object-owner polls the queue"

export COGNITO_BRIDGE_USER_POOL_ID=$POOL COGNITO_BRIDGE_IDENTITY_POOL_ID=$IDENTITY_POOL
export COGNITO_BRIDGE_BUCKET=$BUCKET COGNITO_BRIDGE_DIRECTORY_TABLE=$TABLE
export COGNITO_BRIDGE_QUEUE_URL=$QUEUE_URL COGNITO_BRIDGE_API_URL=$API_URL
export COGNITO_BRIDGE_PASSWORD='Demo-Passw0rd!-local'
unset COGNITO_BRIDGE_CLIENT_ID
# as USER command...: the CLI with USER's own session cache and the team's app client.
as() {
  local user=$1; shift
  XDG_CACHE_HOME=$work/cache-$user COGNITO_BRIDGE_CLIENT_ID=$CLIENT "$@"
}
identity_of() { "$PYTHON" -c 'import json,sys; print(json.loads(sys.argv[1])["users"][sys.argv[2]])' "$app_json" "$1"; }
ANA_ID=$(identity_of ana) BEN_ID=$(identity_of ben) CAI_ID=$(identity_of cai)

# write_identity_as_user USER: UpdateUserAttributes of custom:identity_id with USER's own access token.
write_identity_as_user() {
  "$PYTHON" - "$AWS_ENDPOINT_URL" "$CLIENT" "$1" <<'PY'
import sys
import boto3
from botocore.exceptions import ClientError
endpoint, client, user = sys.argv[1:]
idp = boto3.client("cognito-idp", endpoint_url=endpoint, region_name="us-east-1")
token = idp.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH",
                          AuthParameters={"USERNAME": user, "PASSWORD": "Demo-Passw0rd!-local"})["AuthenticationResult"]["AccessToken"]
try:
    idp.update_user_attributes(AccessToken=token, UserAttributes=[{"Name": "custom:identity_id", "Value": "us-east-1:someone-elses-id"}])
except ClientError as refused:
    print(f"refused: {refused.response['Error']['Code']}: {refused.response['Error']['Message']}")
    sys.exit(1)
print("accepted: the user wrote custom:identity_id")
PY
}

step "the plan: what adopt would change, and why (nothing is written)" 0 "$CLI" adopt --queue-arn "$QUEUE_ARN"
step "the plan as JSON, for scripts" 0 "$CLI" --json adopt --queue-arn "$QUEUE_ARN"
step "apply it: read, merge, write (each resource re-read right before its write), then the sweep of private/" 0 \
  "$CLI" adopt --apply --queue-arn "$QUEUE_ARN"
step "apply again: nothing to change (this is also the drift check)" 0 "$CLI" adopt --apply --queue-arn "$QUEUE_ARN"
step "folder layout both: the role's trust policy gains sts:TagSession first, then the tag map gains sub" 0 \
  "$CLI" adopt --apply --folder-layout both
for user in ana ben cai; do
  step "usage of $user's old folder: counted by the sweep, unattributed (no Cognito API names its owner)" 0 \
    "$CLI" usage "$(identity_of "$user")"
done
step "ana tries to write custom:identity_id with her own access token: refused" 1 write_identity_as_user ana
step "ana signs in again (SRP, the team's app client)" 0 as ana "$CLI" login --username ana
step "ana's app calls POST /link once: the link is recorded" 0 as ana "$CLI" link
# attributed KEY: waits (at most 30 s) until KEY carries its owner's tags, and prints them.
attributed() {
  local answer
  for _ in $(seq 60); do
    answer=$("$CLI" --json whois "$1" 2>&1)
    if "$PYTHON" -c 'import json,sys; t=json.loads(sys.argv[1]).get("ownerTags") or {}; print(", ".join(f"{k}={v}" for k,v in t.items())); sys.exit(0 if t.get("owner-username") else 1)' "$answer" 2>/dev/null; then
      return 0
    fi
    sleep 0.5
  done
  echo "not attributed within 30 s: $answer"; tail -20 "$work/object-owner.log"; return 1
}
step "the directory's stream starts attribution: ana's old objects get her owner tags" 0 \
  attributed "s3://$BUCKET/private/$ANA_ID/photo-0.jpg"
step "whois names ana from her old object" 0 "$CLI" whois "s3://$BUCKET/private/$ANA_ID/photo-1.jpg"
# usage_moved USER: waits (at most 30 s) until USER's usage holds her two objects.
usage_moved() {
  local answer
  for _ in $(seq 60); do
    answer=$("$CLI" --json usage "$1" 2>&1)
    if "$PYTHON" -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if d.get("objects") == 2 and d.get("username") else 1)' "$answer" 2>/dev/null; then
      "$CLI" usage "$1"; return 0
    fi
    sleep 0.5
  done
  echo "usage not moved within 30 s: $answer"; return 1
}
step "ana's unattributed counters moved to her" 0 usage_moved ana
step "ben links too" 0 as ben "$CLI" login --username ben
step "(ben's link)" 0 as ben "$CLI" link
# plant_claim USER IDENTITY_ID: what an app client left writable before adopt allowed: the
# attribute now names someone else's IdentityId (written here by an admin call).
plant_claim() {
  "$PYTHON" - "$AWS_ENDPOINT_URL" "$POOL" "$1" "$2" <<'PY'
import sys, boto3
endpoint, pool, user, identity_id = sys.argv[1:]
idp = boto3.client("cognito-idp", endpoint_url=endpoint, region_name="us-east-1")
idp.admin_update_user_attributes(UserPoolId=pool, Username=user, UserAttributes=[{"Name": "custom:identity_id", "Value": identity_id}])
print(f"{user}'s custom:identity_id now says {identity_id}")
PY
}
step "ben's custom:identity_id is made to name ana's IdentityId (as a writable client once allowed)" 0 plant_claim ben "$ANA_ID"
step "ben's new id token carries that claim" 0 as ben "$CLI" login --username ben
# denied_403 command...: the command must fail with the API's 403.
denied_403() {
  local output
  if output=$("$@" 2>&1); then echo "$output"; echo "accepted, but a 403 was expected"; return 1; fi
  echo "$output"
  [[ $output == *"(403)"* ]]
}
step "GET /whoami with ben's token: the authorizer (adopt mode) denies a claim the directory contradicts" 0 \
  denied_403 as ben "$CLI" whoami
step "ana's own token still works: both ids from the directory" 0 as ana "$CLI" whoami
echo
if [[ $failed -eq 0 ]]; then bold "demo-adopt: every step as expected"; else bold "demo-adopt: some step FAILED"; fi
exit $failed
