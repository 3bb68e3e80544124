# Sourced by scripts/browser-tests.sh and scripts/demo-web.sh: starts the local gateway
# with the functions and the built web app, and writes the app's config.json.
#
#   start_web_stack [extra local-gateway flags...]
#
# Needs BIN, PYTHON, work, AWS_ENDPOINT_URL and the stack's USER_POOL_ID,
# USER_POOL_CLIENT_IDS, IDENTITY_POOL_ID (and DIRECTORY_TABLE) in the environment; sets
# gateway_pid, API_URL and WEB_URL.
#
#   trap stop_web_stack EXIT
#
# stops the gateway (and the functions it runs) by its PID and removes $work.
start_web_stack() {
  cp -r web/dist "$work/site"
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
  # The app reads the stack's outputs, with the local endpoints, from config.json.
  "$PYTHON" -c 'import json,sys; json.dump(dict(ApiUrl=sys.argv[1], UserPoolId=sys.argv[2], UserPoolClientId=sys.argv[3],
    IdentityPoolId=sys.argv[4], Region="us-east-1", CognitoEndpoint=sys.argv[5]), open(sys.argv[6], "w"), indent=2)' \
    "$API_URL" "$USER_POOL_ID" "$USER_POOL_CLIENT_IDS" "$IDENTITY_POOL_ID" "$AWS_ENDPOINT_URL" "$work/site/config.json"
}

stop_web_stack() {
  if [[ -n ${gateway_pid:-} ]] && kill -0 "$gateway_pid" 2>/dev/null; then
    kill "$gateway_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$gateway_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$gateway_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
