#!/usr/bin/env bash
# Verifications per second and p50/p99 latency of softtoken-server at
# concurrency 1, 8 and 64, on SQLite and on PostgreSQL, on loopback.
# Every request is an accepted, durable verification (examples/server_load.rs).
#   scripts/bench-server.sh [SECONDS]     (default 5 s per run)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
softtoken_need_rust
softtoken_need_pkgs postgresql
secs=${1:-5}
cargo build --release --bin softtoken-server --example server_load 2>&1 | tail -n1
bin=$CARGO_TARGET_DIR/release/softtoken-server
load=$CARGO_TARGET_DIR/release/examples/server_load
tmp=$(mktemp -d) pgdir=$(mktemp -d)
trap 'kill ${srv:-} 2>/dev/null || true; softtoken_stop_postgres; rm -rf "$tmp" "$pgdir"' EXIT

bench() { # NAME [--database URL]
    local name=$1; shift
    local dir="$tmp/$name"
    mkdir -p "$dir"
    "$bin" --data-dir "$dir" "$@" serve --listen 127.0.0.1:0 >"$dir/out" 2>"$dir/err" &
    srv=$!
    for _ in $(seq 100); do [ -s "$dir/out" ] && break; sleep 0.05; done
    local url="http://$(awk '{print $4}' "$dir/out")"
    local admin verify
    admin=$("$bin" --data-dir "$dir" "$@" api-key --name bench-admin --role admin 2>/dev/null)
    verify=$("$bin" --data-dir "$dir" "$@" api-key --name bench-ehr --role verify 2>/dev/null)
    echo "== softtoken-server on $name"
    for c in 1 8 64; do
        "$load" "$url" "$admin" "$verify" "$c" "$secs"
    done
    kill "$srv"; wait "$srv" 2>/dev/null || true
}

bench sqlite
softtoken_start_postgres "$pgdir"
bench postgres --database "$SOFTTOKEN_TEST_POSTGRES/postgres"
