#!/usr/bin/env bash
# Build the progenitor-generated Rust client (tests/e2e/rust-sdk, its own cargo workspace) and
# run the last-owner story against a live server.
#   BASE_URL=... ADMIN_PASS=... [ADMIN_USER=admin] tests/e2e/rust_sdk.sh
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
: "${BASE_URL:?set BASE_URL}" "${ADMIN_PASS:?set ADMIN_PASS}"
cargo run --quiet --locked --manifest-path "$HERE/rust-sdk/Cargo.toml" -- \
  "$BASE_URL" "${ADMIN_USER:-admin}" "$ADMIN_PASS"
