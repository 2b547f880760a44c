#!/usr/bin/env bash
# Regenerates the README's screenshots with SoftToken's own QA runner: the
# scripts in tests/qa take them headless (software renderer, mock clock,
# in-memory keyring), and ImageMagick lays them side by side.
#   usage: scripts/screenshots.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
softtoken_need_rust
softtoken_need_pkgs $SOFTTOKEN_RUN_PKGS imagemagick
# The debug build renders the same pixels and is the one the test suite keeps built.
cargo build --quiet
shots=$(mktemp -d)
trap 'rm -rf "$shots"' EXIT
"$CARGO_TARGET_DIR/debug/softtoken" qa run tests/qa/*.qa --screenshots "$shots" >/dev/null
out=docs/screenshots
mkdir -p "$out"
row() { # row OUTPUT SHOT...
    local o=$1; shift
    /usr/bin/convert "${@/#/$shots/}" -bordercolor '#8a8f98' -border 1 -bordercolor white -border 8 +append -strip "$out/$o"
}
row enrollment.png first-enrollment/name.png first-enrollment/pin.png first-enrollment/done.png first-enrollment/list-syncing.png
row using.png first-enrollment/passcode.png wrong-pin-backoff/waiting.png same-device/same-device.png hard-token/hard-token.png
row security.png new-link-mid-pin/new-link.png lockout/locked.png wrong-pin-backoff/waiting.png
row dark-scale2.png look/name-dark.png look/passcode-dark.png look/same-device-dark.png
ls -l "$out"
