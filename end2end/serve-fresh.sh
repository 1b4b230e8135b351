#!/usr/bin/env bash
# Serve the built app on port $1 against a fresh SQLite database with the demo data, the
# vendor simulator on port $1+1 as the demo CoC's vendors (retries a second apart, not 30), and
# an OpenSSH SFTP server on port $1+2 (end2end/sftp-peer.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${HMIS_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/hmis-bridge/target}/debug/hmis-bridge}"
data="$(mktemp -d)"
sim_port=$(( $1 + 1 ))
"$bin" simulate-vendor --listen "127.0.0.1:$sim_port" >/dev/null &
sim=$!
bash "$root/end2end/sftp-peer.sh" $(( $1 + 2 )) &
sftp=$!
trap 'kill "$sim" 2>/dev/null; pkill -P "$sftp" 2>/dev/null; kill "$sftp" 2>/dev/null; rm -rf "$data"' EXIT
export HMIS_DATA_DIR="$data" HMIS_LISTEN="127.0.0.1:$1" HMIS_CONFIG="$data/none.toml"
export HMIS_VENDOR_ALLOW_LOOPBACK=true HMIS_RETRY_BASE_SECONDS=1
export LEPTOS_SITE_ROOT="$root/target/site"
unset DATABASE_URL
"$bin" seed-demo --simulator "http://127.0.0.1:$sim_port" >/dev/null
"$bin" serve
