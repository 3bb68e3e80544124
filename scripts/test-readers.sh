#!/usr/bin/env bash
# The Node and Python readers of the caller identity (clients/node, clients/python),
# each tested on the shared answers in events/expected/ (the Rust crate's own test of
# the same files runs with the workspace's tests):
#   1. clients/node: npm ci when its packages are missing or stale, tsc, a type check
#      of a consumer of the shipped types, node --test on the compiled output;
#   2. clients/python: pytest from .venv.
# Runs both, reports each, and exits non-zero when either failed or could not run:
# a missing tool is a failure, never a skip.
set -uo pipefail
cd "$(dirname "$0")/.."

scripts/venv.sh || exit 1

failed=()
run() {
  local name=$1
  shift
  echo "== $name" >&2
  if "$@"; then
    echo "== $name: ok" >&2
  else
    echo "== $name: FAILED" >&2
    failed+=("$name")
  fi
}

node_tests() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "error: node and npm are required (Node 18 or newer)" >&2
    return 2
  fi
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  if ((major < 18)); then
    echo "error: Node $(node -v) is too old: the package needs Node 18 or newer" >&2
    return 2
  fi
  (
    cd clients/node || exit 1
    # npm ci records what it installed in node_modules/.package-lock.json: reinstall
    # only when package-lock.json differs from it.
    if ! cmp -s package-lock.json node_modules/.package-lock.json 2>/dev/null \
      && ! node -e '
        const fs = require("node:fs");
        const want = JSON.parse(fs.readFileSync("package-lock.json", "utf8")).packages;
        const have = JSON.parse(fs.readFileSync("node_modules/.package-lock.json", "utf8")).packages;
        for (const [path, p] of Object.entries(want)) {
          if (path !== "" && have[path]?.version !== p.version) process.exit(1);
        }' 2>/dev/null; then
      echo "clients/node: npm ci" >&2
      npm ci --no-audit --no-fund --loglevel=error || exit 1
    fi
    npm test --silent
  )
}

python_tests() {
  PYTHONDONTWRITEBYTECODE=1 .venv/bin/python -m pytest -q -p no:cacheprovider clients/python
}

run "clients/node" node_tests
run "clients/python" python_tests

if ((${#failed[@]})); then
  echo "error: reader tests failed: ${failed[*]}" >&2
  exit 1
fi
echo "reader tests: passed (clients/node, clients/python)" >&2
