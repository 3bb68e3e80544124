# Sourced by scripts/browser-tests.sh and scripts/demo-web.sh: starts the local gateway
# with the functions and the built web app, the object pipeline (the bucket's queue fed
# to object-owner, as the SQS event source mapping does), and writes the app's
# config.json.
#
#   start_web_stack [extra local-gateway flags...]
#
# Needs BIN, PYTHON, work, AWS_ENDPOINT_URL and the stack's USER_POOL_ID,
# USER_POOL_CLIENT_IDS, IDENTITY_POOL_ID, DIRECTORY_TABLE, BUCKET_NAME,
# OBJECT_EVENTS_QUEUE_URL and OBJECT_EVENTS_QUEUE_ARN in the environment
# (PIPELINE_MAX_SECONDS optional: how long the pipeline runs at most, default 3600);
# sets gateway_pid, pipeline_pid, API_URL and WEB_URL.
#
#   trap stop_web_stack EXIT
#
# stops the pipeline (and object-owner) and the gateway (and the functions it runs) by
# their PIDs, copies their logs to $WEB_STACK_LOGS (when set) and removes $work.
start_web_stack() {
  cp -r web/dist "$work/site"
  # The authorizer runs with the template's defaults.
  source scripts/authorizer-settings.sh
  export_authorizer_settings || return 1
  "$BIN/local-gateway" --bin-dir "$BIN" --ready-file "$work/api-url" --web-dir "$work/site" \
    --web-ready-file "$work/web-url" "$@" \
    >"$work/gateway.out" 2>"$work/gateway.log" &
  gateway_pid=$!
  for _ in $(seq 300); do
    [[ -s $work/api-url && -s $work/web-url ]] && break
    kill -0 "$gateway_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [[ ! -s $work/api-url || ! -s $work/web-url ]]; then
    echo "error: the local gateway did not start:" >&2; cat "$work/gateway.log" >&2; return 1
  fi
  API_URL=$(cat "$work/api-url") WEB_URL=$(cat "$work/web-url")

  # S3 -> queue -> object-owner, which tags each new private/ object and counts it.
  RUST_LOG=${RUST_LOG:-info} "$BIN/object-pipeline" --function "$BIN/object-owner" \
    --queue-url "$OBJECT_EVENTS_QUEUE_URL" --queue-arn "$OBJECT_EVENTS_QUEUE_ARN" \
    --ready-file "$work/pipeline-ready" --stop-file "$work/pipeline-stop" --logs "$work/object-owner.log" \
    --max-seconds "${PIPELINE_MAX_SECONDS:-3600}" \
    >"$work/pipeline.out" 2>"$work/pipeline.err" &
  pipeline_pid=$!
  for _ in $(seq 300); do
    [[ -s $work/pipeline-ready ]] && break
    kill -0 "$pipeline_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [[ ! -s $work/pipeline-ready ]]; then
    echo "error: the object pipeline did not start:" >&2; cat "$work/pipeline.err" >&2; return 1
  fi

  # The browser calls S3 from the app's origin: the bucket's CORS rules from the template,
  # with that origin as AllowedOrigin (as a deployment sets it to the app's).
  local origin
  origin=$("$PYTHON" -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(f"{p.scheme}://{p.netloc}")' "$WEB_URL")
  "$PYTHON" tests/emulator/create_local_stack.py --bucket-cors "$AWS_ENDPOINT_URL" "$BUCKET_NAME" "$origin" >/dev/null || return 1

  # The app reads the stack's outputs, with the local endpoints, from config.json.
  API_URL=$API_URL "$PYTHON" - "$work/site/config.json" <<'PY'
import json, os, sys
json.dump(
    {
        "ApiUrl": os.environ["API_URL"],
        "UserPoolId": os.environ["USER_POOL_ID"],
        "UserPoolClientId": os.environ["USER_POOL_CLIENT_IDS"],
        "IdentityPoolId": os.environ["IDENTITY_POOL_ID"],
        "BucketName": os.environ["BUCKET_NAME"],
        "DirectoryTableName": os.environ["DIRECTORY_TABLE"],
        "Region": "us-east-1",
        "CognitoEndpoint": os.environ["AWS_ENDPOINT_URL"],
        "AwsEndpoint": os.environ["AWS_ENDPOINT_URL"],
    },
    open(sys.argv[1], "w"),
    indent=2,
)
PY
}

# stop_web_stack_pid PID: TERM, up to 5 s, then KILL.
stop_web_stack_pid() {
  local pid=$1
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}

stop_web_stack() {
  if [[ -n ${pipeline_pid:-} ]] && kill -0 "$pipeline_pid" 2>/dev/null; then
    # Its stop file stops it (and object-owner) and writes the function's log; TERM and
    # KILL only if it has not stopped within 10 s.
    touch "$work/pipeline-stop"
    for _ in $(seq 100); do kill -0 "$pipeline_pid" 2>/dev/null || break; sleep 0.1; done
    stop_web_stack_pid "$pipeline_pid"
  fi
  stop_web_stack_pid "${gateway_pid:-}"
  if [[ -n ${WEB_STACK_LOGS:-} && -d $work ]]; then
    mkdir -p "$WEB_STACK_LOGS"
    for log in gateway.log pipeline.out pipeline.err object-owner.log; do
      [[ -f $work/$log ]] && cp "$work/$log" "$WEB_STACK_LOGS/$log"
    done
  fi
  rm -rf "$work"
}
