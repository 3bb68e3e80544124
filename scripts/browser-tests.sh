#!/usr/bin/env bash
# The web app (web/, Amplify JS v6) in a real Chromium against the local stack:
# the Cognito emulator (whose S3 and DynamoDB scope each user's credentials by the
# template's AuthenticatedRole), link/authorizer/whoami as Lambda processes behind the
# local gateway, which also serves the built app on its own origin, and the object
# pipeline (the bucket's queue fed to object-owner).
#
#   scripts/browser-tests.sh           every part below, in this order
#   scripts/browser-tests.sh web-app   checks that README quotes the client file, installs
#                                      the npm packages (npm ci) and builds the app
#   scripts/browser-tests.sh chromium  finds Chromium; installs Debian's when it runs as
#                                      root and none is found
#   scripts/browser-tests.sh emulator  the emulator's SRP sign-in and scoped-credentials
#                                      tests (pytest)
#   scripts/browser-tests.sh run       builds the functions and the local gateway (nothing
#                                      to build after `cargo test --workspace`), starts one
#                                      stack and runs the browser tests against the built app
#   BROWSER_TESTS=0 scripts/browser-tests.sh   skips it all, and says so
#   CHROMIUM=/path/to/chromium         another Chromium than /usr/bin/chromium
#
# make test runs the parts as stages of their own: the first three while cargo
# compiles, `run` last. Everything a part starts is stopped by PID, even on failure.
# The final screen is saved as target/browser-tests/web-client.png, the logs of the
# gateway and the pipeline beside it.
set -euo pipefail
cd "$(dirname "$0")/.."

# The Chromium to drive: $CHROMIUM, else Debian's.
find_chromium() {
  local candidate
  if [[ -n ${CHROMIUM:-} ]]; then
    echo "$CHROMIUM"
    return
  fi
  for candidate in /usr/bin/chromium /usr/bin/chromium-browser; do
    [[ -x $candidate ]] && { echo "$candidate"; return; }
  done
  # None found: an empty answer, not a failure (under set -e a failing $(…) would end
  # the script before it could install one).
  return 0
}

no_chromium() {
  echo "error: no Chromium for the browser tests: install Debian's 'chromium' package (apt-get install chromium), set CHROMIUM=/path/to/chromium, or set BROWSER_TESTS=0 to skip them" >&2
  exit 2
}

web_app() {
  for tool in node npm; do
    if ! command -v "$tool" >/dev/null; then
      echo "error: browser tests need Node.js 20.19+ and npm ($tool not found); install them, or set BROWSER_TESTS=0 to skip" >&2
      exit 2
    fi
  done
  # README quotes the client file whole: the tested code is the documented code.
  python3 - <<'PY' || exit 1
import pathlib, re, sys
readme = pathlib.Path("README.md").read_text()
client = pathlib.Path("web/src/bridge-client.ts").read_text()
section = readme.split("## Client (Amplify JS v6)", 1)[-1]
quoted = re.search(r"```ts\n(.*?)```", section, re.S)
if not quoted or quoted.group(1).rstrip() != client.rstrip():
    sys.exit("error: README's Client (Amplify JS v6) section no longer quotes web/src/bridge-client.ts as it is")
PY
  echo "==> web app: npm ci and build"
  (cd web && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build >/dev/null)
}

chromium() {
  local found
  found=$(find_chromium)
  if [[ -z $found && $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "==> installing Debian's chromium for the browser tests (apt-get)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    found=/usr/bin/chromium
  fi
  [[ -n $found && -x $found ]] || no_chromium
  echo "chromium: $found ($("$found" --version 2>/dev/null || echo "version unknown"))"
}

emulator() {
  scripts/venv.sh
  echo "==> the local emulator's own tests (tests/emulator): SRP sign-in, GetTokensFromRefreshToken, credentials scoped by the pool's role, fault controls"
  PYTHONDONTWRITEBYTECODE=1 .venv/bin/python -m pytest -q -p no:cacheprovider tests/emulator
}

run() {
  local started=$SECONDS status=0
  CHROMIUM=$(find_chromium)
  [[ -n $CHROMIUM && -x $CHROMIUM ]] || no_chromium
  export CHROMIUM
  if [[ ! -f web/dist/index.html ]]; then
    echo "error: the web app is not built (web/dist): run scripts/browser-tests.sh web-app first" >&2
    exit 2
  fi
  scripts/venv.sh
  # The test targets too: `cargo test --workspace` resolves features with the
  # dev-dependencies, and `--bins` alone would rebuild much of the graph without them.
  echo "==> building the functions and the local gateway"
  cargo build --workspace --bins --tests --locked --quiet
  scripts/with-local-cognito.sh "$0" --with-emulator || status=$?
  echo "browser tests: $([[ $status == 0 ]] && echo passed || echo FAILED) in $((SECONDS - started)) s (the stack and the runs)"
  return "$status"
}

case ${1:-all} in
  all)
    if [[ ${BROWSER_TESTS:-1} == 0 ]]; then
      echo "browser tests: SKIPPED (BROWSER_TESTS=0)"
      exit 0
    fi
    started=$SECONDS
    status=0
    for part in web-app chromium emulator run; do
      "$0" "$part" || { status=$?; break; }
    done
    echo "browser tests, all parts: $([[ $status == 0 ]] && echo passed || echo "FAILED in $part") in $((SECONDS - started)) s (packages, build and runs included)"
    exit "$status"
    ;;
  web-app) web_app; exit ;;
  chromium) chromium; exit ;;
  emulator) emulator; exit ;;
  run) run; exit ;;
  --with-emulator) ;;
  *) echo "usage: $0 [all|web-app|chromium|emulator|run]" >&2; exit 2 ;;
esac

# With the emulator up (AWS_ENDPOINT_URL): the pools, the gateway with the app, the tests.
BIN=target/debug
PYTHON=.venv/bin/python
work=$(mktemp -d -t cognito-bridge-browser.XXXXXX)
gateway_pid="" pipeline_pid=""
export WEB_STACK_LOGS=target/browser-tests
source scripts/web-stack.sh
trap stop_web_stack EXIT
trap 'exit 130' INT TERM

stack_json=$("$PYTHON" tests/emulator/create_local_stack.py "$AWS_ENDPOINT_URL" "cognito-bridge-browser")
field() { "$PYTHON" -c 'import json,sys; print(json.loads(sys.argv[1]).get(sys.argv[2], ""))' "$stack_json" "$1"; }
export USER_POOL_ID=$(field UserPoolId) USER_POOL_CLIENT_IDS=$(field UserPoolClientId) IDENTITY_POOL_ID=$(field IdentityPoolId)
export DIRECTORY_TABLE=$(field DirectoryTableName) BUCKET_NAME=$(field BucketName)
export OBJECT_EVENTS_QUEUE_URL=$(field ObjectEventsQueueUrl) OBJECT_EVENTS_QUEUE_ARN=$(field ObjectEventsQueueArn)

# The built app plus its config.json (the stack's outputs, with the local endpoints),
# and the object pipeline.
start_web_stack --logs-dir "$work" || exit 1
echo "==> browser tests: app $WEB_URL, API $API_URL, Chromium $CHROMIUM"

mkdir -p target/browser-tests
status=0
(cd web && WEB_URL=$WEB_URL API_URL=$API_URL COGNITO_URL=$AWS_ENDPOINT_URL GATEWAY_LOG=$work/gateway.log \
  USER_POOL_ID=$USER_POOL_ID USER_POOL_CLIENT_ID=$USER_POOL_CLIENT_IDS BUCKET_NAME=$BUCKET_NAME \
  SCREENSHOT=$PWD/../target/browser-tests/web-client.png \
  node --test --test-reporter=spec --test-concurrency=1 tests/) || status=$?
if [[ $status != 0 ]]; then
  echo "the logs: target/browser-tests/gateway.log (requests), pipeline.out and object-owner.log (the object pipeline)" >&2
fi
exit "$status"
