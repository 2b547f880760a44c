#!/usr/bin/env bash
# Fuzzes the enrollment-link parser (fuzz/fuzz_targets/parse_link.rs: no
# panic, no secret in any error message) for $1 seconds, 600 by default,
# with cargo-fuzz (libFuzzer) on the nightly toolchain. The corpus grows in
# fuzz/corpus/parse_link, which is kept in git and minimised after the run;
# a crash is saved under fuzz/artifacts/ and makes this script fail.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-600}
if ! rustup toolchain list | grep -q '^nightly'; then
    echo "cargo-fuzz needs a nightly toolchain: rustup toolchain install nightly" >&2
    exit 1
fi
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
mkdir -p fuzz/corpus/parse_link
# The fuzz crate builds in fuzz/target with its own flags (sanitizer).
unset CARGO_TARGET_DIR
cargo +nightly fuzz run parse_link fuzz/corpus/parse_link -- \
    -max_total_time="$secs" -max_len=4096 -print_final_stats=1
cargo +nightly fuzz cmin parse_link fuzz/corpus/parse_link
echo "fuzzed for $secs s; corpus: $(ls fuzz/corpus/parse_link | wc -l) inputs"
