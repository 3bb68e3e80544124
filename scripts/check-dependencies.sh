#!/usr/bin/env bash
# One HTTP/TLS stack in each function binary: the dependency graph of every function
# (normal dependencies, the features its release build resolves) holds exactly one
# version of hyper, hyper-rustls, h2, rustls and http, and aws-lc as its only crypto
# library (no ring, no OpenSSL). A new dependency or a
# default feature that brings a second stack (the AWS SDK crates' legacy `rustls`
# feature brings hyper 0.14, rustls 0.21 and ring) fails here, before it costs
# megabytes in every binary.
set -euo pipefail
cd "$(dirname "$0")/.."

status=0
for crate in authorizer link whoami object-owner pre-token reconciler forget; do
  packages=$(cargo tree --locked -p "$crate" -e normal --prefix none --format '{p}' | sed 's/ (.*//' | sort -u)
  for single in hyper rustls http hyper-rustls h2; do
    versions=$(grep -c "^$single v" <<<"$packages" || true)
    if ((versions > 1)); then
      echo "error: $crate depends on $versions versions of $single:" >&2
      grep "^$single v" <<<"$packages" >&2
      status=1
    fi
  done
  for banned in ring openssl-sys openssl native-tls; do
    if grep -q "^$banned v" <<<"$packages"; then
      echo "error: $crate depends on $banned (aws-lc is the one crypto library)" >&2
      status=1
    fi
  done
done
if ((status == 0)); then
  echo "dependencies: one HTTP/TLS stack (hyper, rustls on aws-lc) in each function"
fi
exit "$status"
