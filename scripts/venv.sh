#!/usr/bin/env bash
# Creates .venv (ignored by git) with the pinned Python tools: the moto-based
# local Cognito, cargo-lambda and the SAM CLI. Reinstalls only when a
# requirements file changed.
set -euo pipefail
cd "$(dirname "$0")/.."

requirements=(tests/emulator/requirements.txt)
[[ -f tools/requirements.txt ]] && requirements+=(tools/requirements.txt)
stamp=.venv/.installed-$(cat "${requirements[@]}" | sha256sum | cut -c1-16)

if [[ -f $stamp ]]; then
  exit 0
fi
if ! command -v python3 >/dev/null; then
  echo "error: python3 is required (3.10 or newer)" >&2
  exit 2
fi
echo "setting up .venv (pinned Python tools) ..." >&2
[[ -x .venv/bin/python ]] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
for r in "${requirements[@]}"; do
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$r"
done
rm -f .venv/.installed-*
touch "$stamp"
