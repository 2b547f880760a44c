#!/usr/bin/env bash
# The whole test suite: formatting, lints, every test (unit, integration,
# real keyring, UI), the QA scripts and the desktop-file checks. Installs what
# it needs on Debian/Ubuntu.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
softtoken_need_rust
softtoken_need_pkgs $SOFTTOKEN_RUN_PKGS $SOFTTOKEN_TEST_PKGS

start=$(date +%s)
echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --all-targets -- -D warnings
echo "== vendor/: the patched crates are in use and are upstream + their patch"
# Cargo only warns when a [patch] no longer matches the version the
# dependencies ask for (a Slint update), and then quietly builds upstream.
if grep -q '^\[\[patch.unused\]\]' Cargo.lock; then
    echo "Cargo.lock lists a [[patch.unused]]: a crate in vendor/ is no longer used;" \
        "re-apply its patch to the version now required (vendor/README.md):" >&2
    sed -n '/^\[\[patch.unused\]\]/,/^$/p' Cargo.lock >&2
    exit 1
fi
for crate in $(ls vendor/patches | sed 's/\.patch$//'); do
    scripts/vendor.sh check "$crate"
done

# A private session: D-Bus, an unlocked gnome-keyring Secret Service and a
# virtual X display, all in a temporary folder, so tests never touch the
# user's real keyring or tokens.
tmp=$(mktemp -d)
trap 'kill ${SOFTTOKEN_XVFB_PID:-} 2>/dev/null || true; softtoken_stop_postgres; rm -rf "$tmp" "${pgdir:-}"' EXIT
mkdir -p "$tmp/data" "$tmp/run" && chmod 700 "$tmp/run"
export XDG_DATA_HOME="$tmp/data" XDG_RUNTIME_DIR="$tmp/run"
softtoken_start_xvfb 90
export SOFTTOKEN_TEST_DISPLAY="$SOFTTOKEN_DISPLAY"
export SOFTTOKEN_REAL_KEYRING=1
# The server tests run on SQLite and on this throwaway PostgreSQL cluster.
pgdir=$(mktemp -d)
softtoken_start_postgres "$pgdir"

echo "== cargo test (private D-Bus session with gnome-keyring, Xvfb on $SOFTTOKEN_DISPLAY)"
# Tests that need this display and keyring are #[ignore]d elsewhere (so a
# plain `cargo test` says they did not run); here they run. The benches run
# once as tests too (criterion's harness takes no --include-ignored).
softtoken_keyring_session "$XDG_DATA_HOME" bash -c '
    status=0
    cargo test --lib --bins --tests --examples --no-fail-fast -- --include-ignored || status=1
    cargo test --benches --no-fail-fast || status=1
    exit $status' 2>&1 | tee "$tmp/test.log"
status=${PIPESTATUS[0]}

echo "== suite finished in $(( $(date +%s) - start )) s"
# One closing line with the totals over every test binary.
awk '/^test result:/ { p += $4; f += $6 } END { printf "%d passed, %d failed\n", p, f }' "$tmp/test.log"
exit "$status"
