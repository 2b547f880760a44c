#!/usr/bin/env bash
# Verifications per second and p50/p99 latency at concurrency 1, 8 and 64,
# on loopback: softtoken-server on SQLite and on PostgreSQL, then
# privacyIDEA 3.14 (gunicorn, 2 workers, SQLite, its documented set-up) with
# HOTP and TOTP tokens, all driven by the same load generator
# (examples/server_load.rs). Every request is an accepted, durable
# verification; any refusal stops the script.
#   scripts/bench-server.sh [SECONDS]     (default 3 s per run)
#   SOFTTOKEN_BENCH_PRIVACYIDEA=0 skips privacyIDEA (it needs PyPI once).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
softtoken_need_rust
softtoken_need_pkgs postgresql python3-venv
secs=${1:-3}
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
    # Keys go through the environment: a command line is visible in ps.
    ADMIN_KEY=$("$bin" --data-dir "$dir" "$@" api-key --name bench-admin --role admin 2>/dev/null)
    VERIFY_KEY=$("$bin" --data-dir "$dir" "$@" api-key --name bench-ehr --role verify 2>/dev/null)
    export ADMIN_KEY VERIFY_KEY
    echo "== softtoken-server on $name"
    for c in 1 8 64; do
        "$load" softtoken "$url" "$c" "$secs"
    done
    kill "$srv"; wait "$srv" 2>/dev/null || true
}

bench sqlite
softtoken_start_postgres "$pgdir"
bench postgres --database "$SOFTTOKEN_TEST_POSTGRES/postgres"

[ "${SOFTTOKEN_BENCH_PRIVACYIDEA:-1}" = 0 ] && exit 0
# privacyIDEA as its documentation sets it up: pi.cfg, an encryption key,
# audit signing keys, the tables, an administrator; gunicorn in front.
venv=${XDG_CACHE_HOME:-$HOME/.cache}/softtoken-privacyidea-venv
if [ ! -x "$venv/bin/gunicorn" ] || ! "$venv/bin/pip" show privacyidea 2>/dev/null | grep -q '^Version: 3\.14'; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q 'privacyidea==3.14.*' gunicorn
fi
pi=$tmp/privacyidea
mkdir -p "$pi"
PI_ADMIN_PASSWORD=$(head -c 12 /dev/urandom | base64)
export PI_ADMIN_PASSWORD PRIVACYIDEA_CONFIGFILE=$pi/pi.cfg
cat >"$pi/pi.cfg" <<EOF
SQLALCHEMY_DATABASE_URI = 'sqlite:///$pi/pi.sqlite'
SECRET_KEY = '$(head -c 24 /dev/urandom | base64)'
PI_PEPPER = '$(head -c 24 /dev/urandom | base64)'
PI_ENCFILE = '$pi/enckey'
PI_AUDIT_KEY_PRIVATE = '$pi/private.pem'
PI_AUDIT_KEY_PUBLIC = '$pi/public.pem'
PI_LOGFILE = '$pi/privacyidea.log'
PI_LOGLEVEL = 30
EOF
(
    cd "$pi" # pi-manage writes a log into the current folder
    "$venv/bin/pi-manage" setup create_enckey
    "$venv/bin/pi-manage" setup create_audit_keys
    "$venv/bin/pi-manage" setup create_tables
    # pi-manage takes the password only as an argument; it is a throwaway.
    "$venv/bin/pi-manage" admin add admin -p "$PI_ADMIN_PASSWORD"
) >"$pi/setup.log" 2>&1
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$venv/bin/gunicorn" -w 2 -b "127.0.0.1:$port" --chdir "$pi" \
    "privacyidea.app:create_app(config_name='production', config_file='$pi/pi.cfg', silent=True)" \
    >"$pi/gunicorn.log" 2>&1 &
srv=$!
for _ in $(seq 200); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null && break
    sleep 0.1
done
for kind in hotp totp; do
    echo "== privacyIDEA $("$venv/bin/pip" show privacyidea | awk '/^Version/{print $2}') (gunicorn, 2 workers, SQLite), $kind"
    for c in 1 8 64; do
        "$load" privacyidea "http://127.0.0.1:$port" "$c" "$secs" "$kind"
    done
done
