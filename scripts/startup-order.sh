#!/usr/bin/env bash
# Regenerates build/startup.order: the functions of the release binary that
# run from start to the first window (the empty token list) and 3 s of idle,
# in the order callgrind first saw them. build.rs hands the list to the linker
# (--symbol-ordering-file), which puts those functions next to each other, so
# a start touches a few contiguous pages of code instead of pages all over .text.
# Run it after dependency updates or large changes, then `scripts/speed.sh`,
# with no source edit in between: an edit renumbers the local symbols fat LTO
# makes (`name.1234`), and the list then names other functions.
#   usage: scripts/startup-order.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh
if [ "${1:-}" != "--inside" ]; then
    softtoken_need_rust
    softtoken_need_pkgs $SOFTTOKEN_RUN_PKGS $SOFTTOKEN_TEST_PKGS valgrind
    cargo build --release --quiet
    tmp=$(mktemp -d)
    softtoken_start_xvfb 300
    trap 'kill $SOFTTOKEN_XVFB_PID 2>/dev/null || true; rm -rf "$tmp"' EXIT
    sleep 1
    # The same kind of session as scripts/speed.sh: private D-Bus, unlocked keyring.
    DISPLAY="$SOFTTOKEN_DISPLAY" tmp="$tmp" softtoken_keyring_session "$tmp/keyring" \
        "$0" --inside "$(realpath "$CARGO_TARGET_DIR/release/softtoken")"
    exit
fi

binary=$2
softtoken_fresh_home "$tmp/home"
valgrind --tool=callgrind --demangle=no --callgrind-out-file="$tmp/callgrind.out" \
    "$binary" >/dev/null 2>"$tmp/valgrind.log" &
pid=$!
start=$(date +%s)
until xdotool search --onlyvisible --name '^SoftToken$' >/dev/null 2>&1; do
    sleep 0.5
    [ $(( $(date +%s) - start )) -lt 300 ] || { echo "no window after 300 s" >&2; cat "$tmp/valgrind.log" >&2; exit 1; }
done
sleep 3
callgrind_control --dump "$pid" >/dev/null
sleep 2
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true

# Callgrind's format names each function once as "fn=(id) name" and then by
# "(id)" alone; keep the functions of the softtoken binary, first seen first.
python3 - "$tmp"/callgrind.out.* "$binary" >build/startup.order <<'EOF'
import re, sys
dumps, binary = sys.argv[1:-1], sys.argv[-1]
seen, order = set(), []
for dump in dumps:
    objects, functions, current = {}, {}, None
    def lookup(table, ref):
        m = re.match(r'\((\d+)\)(?: (.*))?$', ref)
        if not m:
            return ref
        if m.group(2) is not None:
            table[m.group(1)] = m.group(2)
        return table.get(m.group(1))
    for line in open(dump, errors='replace'):
        line = line.rstrip('\n')
        if line.startswith('ob='):
            current = lookup(objects, line[3:])
        elif line.startswith('cob='):
            lookup(objects, line[4:])
        elif line.startswith('cfn='):
            lookup(functions, line[4:])
        elif line.startswith('fn='):
            name = lookup(functions, line[3:])
            # Callgrind marks recursion levels with 'N; the symbol is the same.
            name = re.sub(r"'\d+$", '', name or '')
            if current == binary and re.match(r'_[RZ]', name) and name not in seen:
                seen.add(name)
                order.append(name)
for name in order:
    print(name)
EOF
echo "build/startup.order: $(wc -l <build/startup.order) functions"
