#!/usr/bin/env bash
# Serve the built app on port $1 against a fresh SQLite database with the demo data.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${HMIS_BIN:-${CARGO_TARGET_DIR:-$HOME/.cache/hmis-bridge/target}/debug/hmis-bridge}"
data="$(mktemp -d)"
trap 'rm -rf "$data"' EXIT
export HMIS_DATA_DIR="$data" HMIS_LISTEN="127.0.0.1:$1" HMIS_CONFIG="$data/none.toml"
export LEPTOS_SITE_ROOT="$root/target/site"
unset DATABASE_URL
"$bin" seed-demo >/dev/null
"$bin" serve
