#!/usr/bin/env bash
# The whole test suite (make test): formatting, the functions' dependency graph (one
# HTTP/TLS stack), the SAM template checks (cfn-lint, sam validate --lint, the template's
# security tests), the emulator's own tests, every crate's tests against the local
# Cognito, the authorizer's instruction-count budgets, and the web app in Chromium.
#
# The suites run as stages, side by side where they are independent: the template checks,
# the web app's packages and build and Chromium's install run while cargo compiles the
# tests, the emulator's own tests while they run; the instruction-count bench builds in a
# target directory of its own, at a lower priority, beside the tests' build and run; the
# browser tests run last. Each stage writes target/test-logs/<stage>.log, printed whole
# when the stage ends. The first failing stage fails the run: the stages still running
# are stopped (by their process group), and nothing is skipped. At the end: each stage's
# seconds and result.
#
#   scripts/test.sh                 every stage
#   BROWSER_TESTS=0 scripts/test.sh  without the web app's stages (says so; never in CI)
#
# One more suite is one more `stage` line below: its name, the stages it needs (quoted,
# space-separated, "" for none) and its command.
set -euo pipefail
cd "$(dirname "$0")/.."

logs=target/test-logs
rm -rf "$logs"
mkdir -p "$logs"

declare -A needs command state pid started took
order=()

# stage NAME "NEEDS..." COMMAND [ARGS...]: declares a stage.
stage() {
  local name=$1 after=$2
  shift 2
  order+=("$name")
  needs[$name]=$after
  command[$name]=$(printf '%q ' "$@")
  state[$name]=waiting
}

# skip NAME REASON: a declared stage that this run leaves out, with the reason shown.
skip() {
  state[$1]="skipped ($2)"
}

stage venv         ""                 scripts/venv.sh
stage fmt          ""                 cargo fmt --all -- --check
stage dependencies ""                 scripts/check-dependencies.sh
stage template     "venv"             scripts/check-template.sh
stage readers      "venv"             scripts/test-readers.sh
stage web-app      ""                 scripts/browser-tests.sh web-app
stage chromium     ""                 scripts/browser-tests.sh chromium
stage build        ""                 cargo test --workspace --locked --no-run
stage tests        "build venv"       scripts/with-local-cognito.sh cargo test --workspace --locked --no-fail-fast
# After the build: its emulators stop within 10 s of a TERM only when they get a core.
stage emulator     "build venv"       scripts/browser-tests.sh emulator
# In target/benches (cargo locks a target directory for one command at a time), so it
# builds beside `build` and `tests`; niced, so that they come first for the cores and
# it takes what they leave idle. Instruction counts do not depend on the machine's load.
stage instructions ""                 nice -n 10 scripts/instructions.sh --check
stage browser      "tests web-app chromium emulator" scripts/browser-tests.sh run
# Every `cargo test ... --ignored` command the README and docs/ give runs a test (reads the
# test binaries that `tests` built; cargo's lock makes it wait for `tests` anyway).
stage readme       "tests venv"       env PYTHONDONTWRITEBYTECODE=1 .venv/bin/python -m pytest -q -p no:cacheprovider tests/readme

for name in "${order[@]}"; do
  for need in ${needs[$name]}; do
    [[ -n ${state[$need]:-} ]] || { echo "error: stage $name needs $need, which is no stage" >&2; exit 2; }
  done
done

if [[ ${BROWSER_TESTS:-1} == 0 ]]; then
  if [[ ${CI:-} == true ]]; then
    echo "error: CI runs every suite: BROWSER_TESTS=0 is for local runs only" >&2
    exit 2
  fi
  for name in web-app chromium browser; do skip "$name" "BROWSER_TESTS=0"; done
fi

stop_running() {
  local name
  for name in "${order[@]}"; do
    if [[ ${state[$name]} == running ]]; then
      kill -TERM -- "-${pid[$name]}" 2>/dev/null || true
    fi
  done
  for name in "${order[@]}"; do
    if [[ ${state[$name]} == running ]]; then
      for _ in $(seq 100); do kill -0 -- "-${pid[$name]}" 2>/dev/null || break; sleep 0.1; done
      kill -KILL -- "-${pid[$name]}" 2>/dev/null || true
      wait "${pid[$name]}" 2>/dev/null || true
      state[$name]=stopped
      took[$name]=$((SECONDS - started[$name]))
    fi
  done
}
trap stop_running EXIT
trap 'exit 130' INT TERM

start() {
  local name=$1
  echo "==> $name: started ($(date +%T))"
  started[$name]=$SECONDS
  # Job control on while it forks: the stage runs in a process group of its own, whose
  # id is its PID, so that stopping a stage stops everything it started.
  set -m
  bash -c "${command[$name]}" >"$logs/$name.log" 2>&1 </dev/null &
  pid[$name]=$!
  set +m
  state[$name]=running
}

summary() {
  local name total=$((SECONDS - began))
  echo
  echo "== make test: seconds per stage (stages run side by side; total $total s)"
  printf '%-14s %8s  %s\n' stage seconds result
  for name in "${order[@]}"; do
    printf '%-14s %8s  %s\n' "$name" "${took[$name]:--}" "${state[$name]}"
  done
}

began=$SECONDS
failed=""
while [[ -z $failed ]]; do
  # Start every waiting stage whose needs have passed; a need that was skipped or
  # failed leaves the stage not run (and the run failed).
  for name in "${order[@]}"; do
    [[ ${state[$name]} == waiting ]] || continue
    ready=1
    for need in ${needs[$name]}; do
      case ${state[$need]} in
        passed) ;;
        skipped*) state[$name]="skipped (needs $need)"; ready=0; break ;;
        *) ready=0 ;;
      esac
    done
    if ((ready)); then start "$name"; fi
  done

  running=()
  for name in "${order[@]}"; do
    [[ ${state[$name]} == running ]] && running+=("${pid[$name]}")
  done
  ((${#running[@]})) || break

  finished=""
  if wait -n -p finished "${running[@]}"; then status=0; else status=$?; fi
  if [[ -z $finished ]]; then
    echo "error: waiting for the stages failed (status $status)" >&2
    exit 1
  fi
  for name in "${order[@]}"; do
    [[ ${state[$name]} == running && ${pid[$name]} == "$finished" ]] || continue
    took[$name]=$((SECONDS - started[$name]))
    if ((status == 0)); then state[$name]=passed; else state[$name]="FAILED (exit $status)"; failed=$name; fi
    echo "==> $name: ${state[$name]} in ${took[$name]} s; its log ($logs/$name.log):"
    cat "$logs/$name.log"
    echo "==> end of $name"
  done
done

if [[ -n $failed ]]; then
  stop_running
fi
for name in "${order[@]}"; do
  [[ ${state[$name]} == waiting ]] && state[$name]="not run"
done
summary
if [[ -n $failed ]]; then
  echo "error: make test failed: $failed ${state[$failed]}" >&2
  exit 1
fi
for name in "${order[@]}"; do
  case ${state[$name]} in
    passed) ;;
    skipped*) echo "note: $name was ${state[$name]}" ;;
    *) echo "error: make test failed: $name ${state[$name]}" >&2; exit 1 ;;
  esac
done
echo "make test: passed"
