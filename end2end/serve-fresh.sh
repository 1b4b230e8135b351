#!/usr/bin/env bash
# Serve the built app on port $1 against a fresh SQLite database with the demo data, and the
# vendor simulator on port $1+1 as the demo CoC's vendor (retries a second apart, not 30).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${HMIS_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/hmis-bridge/target}/debug/hmis-bridge}"
data="$(mktemp -d)"
sim_port=$(( $1 + 1 ))
"$bin" simulate-vendor --listen "127.0.0.1:$sim_port" >/dev/null &
sim=$!
trap 'kill "$sim" 2>/dev/null; rm -rf "$data"' EXIT
export HMIS_DATA_DIR="$data" HMIS_LISTEN="127.0.0.1:$1" HMIS_CONFIG="$data/none.toml"
export HMIS_VENDOR_ALLOW_LOOPBACK=true HMIS_RETRY_BASE_SECONDS=1
export LEPTOS_SITE_ROOT="$root/target/site"
unset DATABASE_URL
"$bin" seed-demo --simulator "http://127.0.0.1:$sim_port" >/dev/null
"$bin" serve
