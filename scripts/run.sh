#!/usr/bin/env bash
# Builds SoftToken (release) and opens the app; arguments go to `softtoken`
# (for example: scripts/run.sh open 'softtoken://enroll?...').
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
softtoken_need_rust
softtoken_need_pkgs $SOFTTOKEN_RUN_PKGS
cargo build --release
exec "$CARGO_TARGET_DIR/release/softtoken" "$@"
