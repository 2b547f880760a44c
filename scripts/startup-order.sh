#!/usr/bin/env bash
# Regenerates build/startup.order: the functions of the release binary that
# run from start to the first window (the empty token list) and 3 s of idle,
# in the order callgrind first saw them. build.rs hands the list to the linker
# (--symbol-ordering-file), which puts those functions next to each other, so
# a start touches ~2 MB of code instead of pages all over the 8 MB of .text.
# Run it after dependency updates or large changes, then `scripts/speed.sh`.
#   usage: scripts/startup-order.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" != "--inside" ]; then
    . scripts/deps.sh
    softtoken_need_rust
    softtoken_need_pkgs $SOFTTOKEN_RUN_PKGS $SOFTTOKEN_TEST_PKGS valgrind
    cargo build --release --quiet
    tmp=$(mktemp -d)
    display=":$((300 + RANDOM % 100))"
    Xvfb "$display" -screen 0 1024x768x24 -nolisten tcp -noreset >/dev/null 2>&1 &
    xvfb_pid=$!
    trap 'kill $xvfb_pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
    sleep 1
    # The same kind of session as scripts/speed.sh: private D-Bus, unlocked keyring.
    DISPLAY="$display" tmp="$tmp" dbus-run-session -- sh -c \
        'echo -n order | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "$@"' \
        sh "$0" --inside "$(realpath "$CARGO_TARGET_DIR/release/softtoken")"
    exit
fi

binary=$2
home="$tmp/home"
mkdir -p "$home/data" "$home/config" "$home/cache" "$home/run"
chmod 700 "$home/run"
XDG_DATA_HOME="$home/data" XDG_CONFIG_HOME="$home/config" XDG_CACHE_HOME="$home/cache" \
    XDG_RUNTIME_DIR="$home/run" \
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
