# Sourced by scripts/demo-flow.sh and scripts/web-stack.sh: the local stacks run the
# authorizer with template.yaml's defaults, read from it (never copied).
#
#   export_authorizer_settings
#
# exports TOKEN_USE, ROUTE_SCOPES and ROUTE_GROUPS (the TokenUse, RouteScopes and
# RouteGroups defaults), and AUTHORIZER_DEADLINE_MS (the value the template gives the
# authorizer function). Needs PYTHON (the repository's venv) and the repository root as
# the working directory.
export_authorizer_settings() {
  local setting value
  for setting in TokenUse:TOKEN_USE RouteScopes:ROUTE_SCOPES RouteGroups:ROUTE_GROUPS; do
    value=$("$PYTHON" -c 'import sys; sys.path.insert(0, "tests/emulator"); import create_local_stack as s; print(s.parameter_defaults()[sys.argv[1]])' "${setting%%:*}") || return 1
    export "${setting#*:}=$value"
  done
  # A plain scalar in the AuthorizerFunction block, not a parameter.
  value=$(awk '/^  AuthorizerFunction:/ { inside = 1; next } inside && /^  [A-Za-z]/ { exit }
    inside && $1 == "AUTHORIZER_DEADLINE_MS:" { gsub(/"/, "", $2); print $2; exit }' template.yaml)
  if [[ -z $value ]]; then
    echo "error: template.yaml gives the AuthorizerFunction no AUTHORIZER_DEADLINE_MS" >&2
    return 1
  fi
  export AUTHORIZER_DEADLINE_MS="$value"
}
