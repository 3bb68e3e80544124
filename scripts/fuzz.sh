#!/usr/bin/env bash
# Fuzzes the authorizer's decision path (fuzz/fuzz_targets/authorizer_event.rs) with
# cargo-fuzz (libFuzzer, AddressSanitizer), on the stable toolchain.
#   scripts/fuzz.sh [SECONDS]        # default 600; extra libFuzzer flags after the seconds
#   scripts/fuzz.sh 60 -jobs=2 -workers=2
# cargo-fuzz is installed into .tools/ (ignored). The sanitizer flags it passes to rustc
# are unstable options: RUSTC_BOOTSTRAP=1 lets stable rustc take them, for this build only.
# Seeds (the sample events with the token slot marked) go to fuzz/corpus/authorizer_event;
# a crash is written to fuzz/artifacts/authorizer_event/ and replayed with
#   (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run authorizer_event artifacts/authorizer_event/<file>)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
shift || true

if [[ ! -x .tools/bin/cargo-fuzz ]]; then
    cargo install cargo-fuzz --locked --root .tools
fi
export PATH="$PWD/.tools/bin:$PATH"
export RUSTC_BOOTSTRAP=1

corpus=fuzz/corpus/authorizer_event
mkdir -p "$corpus"
# Seeds: each sample event with its token slot marked, alone (the valid token goes in)
# and followed by a NUL, a token mode byte and a few bytes (see the target's docs).
for event in events/authorizer-*.json; do
    name="$(basename "$event" .json)"
    sed 's/REPLACE_WITH_ID_TOKEN/@@TOKEN@@/g' "$event" > "$corpus/seed-$name"
    for mode in 0 1 2 3 4; do
        { sed 's/REPLACE_WITH_ID_TOKEN/@@TOKEN@@/g' "$event"; printf '\0'; printf "\\x0$mode"; printf 'eyJhbGciOiJSUzI1NiJ9'; } \
            > "$corpus/seed-$name-mode$mode"
    done
done

cd fuzz
cargo fuzz build authorizer_event
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "== fuzzing for ${seconds} s"
cargo fuzz run authorizer_event "corpus/authorizer_event" -- -max_total_time="$seconds" -print_final_stats=1 "$@"
