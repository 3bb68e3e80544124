#!/usr/bin/env bash
# The local demo of adopt mode, in one command:
#   make demo-adopt
# Builds the CLI, starts the local Cognito, builds a "pre-existing app" on it (a user
# pool without custom:identity_id, an app client with WriteAttributes unset, an identity
# pool, and three users whose files sit in their private/<IdentityId>/ folders from before
# the bridge existed), then shows adopt's plan, applies it, applies it again (nothing to
# change), and shows a user's own write of custom:identity_id refused.
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

CLI=target/debug/cognito-bridge
PYTHON=.venv/bin/python
work=$(mktemp -d -t cognito-bridge-demo-adopt.XXXXXX)
trap 'rm -rf "$work"' EXIT
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
# later "what": a step that is wired when the other parts of adopt mode are merged.
later() {
  echo
  bold "── (wired at merge) $1"
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
name = f"team-app-{uuid.uuid4().hex[:6]}"
pool = idp.create_user_pool(PoolName=name)["UserPool"]["Id"]
client = idp.create_user_pool_client(
    UserPoolId=pool, ClientName="team-web", RefreshTokenValidity=7,
    ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
)["UserPoolClient"]["ClientId"]
provider = f"cognito-idp.us-east-1.amazonaws.com/{pool}"
identity_pool = identity.create_identity_pool(
    IdentityPoolName=name.replace("-", "_"), AllowUnauthenticatedIdentities=False,
    CognitoIdentityProviders=[{"ProviderName": provider, "ClientId": client}],
)["IdentityPoolId"]
bucket = f"{name}-files"
s3.create_bucket(Bucket=bucket)
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
echo "   identity pool $IDENTITY_POOL, bucket $BUCKET with 3 users' private/<IdentityId>/ folders"
echo "   the bridge's identity directory (created by the stack in adopt mode): $TABLE"

export COGNITO_BRIDGE_USER_POOL_ID=$POOL COGNITO_BRIDGE_IDENTITY_POOL_ID=$IDENTITY_POOL
export COGNITO_BRIDGE_BUCKET=$BUCKET COGNITO_BRIDGE_DIRECTORY_TABLE=$TABLE
unset COGNITO_BRIDGE_CLIENT_ID

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

step "the plan: what adopt would change, and why (nothing is written)" 0 "$CLI" adopt
step "the plan as JSON, for scripts" 0 "$CLI" --json adopt
later "usage: the unattributed folders of the 3 users (cognito-bridge usage / sweep report)"
step "apply it: read, merge, write; each resource re-read right before its write" 0 "$CLI" adopt --apply
step "apply again: nothing to change (this is also the drift check)" 0 "$CLI" adopt --apply
step "ana tries to write custom:identity_id with her own access token: refused" 1 write_identity_as_user ana
later "ana links (POST /link): her objects get their owner tags and her unattributed counters move to her"
later "the authorizer in adopt mode denies a token whose custom:identity_id disagrees with the directory"

echo
if [[ $failed -eq 0 ]]; then bold "demo-adopt: every step as expected"; else bold "demo-adopt: some step FAILED"; fi
exit $failed
