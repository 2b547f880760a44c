# Sourced by the scripts in scripts/: installs what SoftToken needs
# on Debian/Ubuntu when it is missing, and says plainly what to install elsewhere.

# Packages to build and run the app.
SOFTTOKEN_RUN_PKGS="pkg-config libfontconfig1-dev fonts-dejavu-core libxkbcommon-x11-0 libxcursor1 libxrandr2 libxi6 libx11-xcb1 gnome-keyring dbus dbus-x11"
# Extra packages for the test suite.
SOFTTOKEN_TEST_PKGS="oathtool xvfb xdotool xxd desktop-file-utils appstream xdg-utils imagemagick zbar-tools x11-utils x11-xkb-utils fonts-lohit-deva xclip faketime libglib2.0-bin postgresql python3 curl strace patch"

softtoken_need_pkgs() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "SoftToken needs these packages (names as on Debian; install your system's equivalents): ${missing[*]}" >&2
        return 1
    fi
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "Installing: ${missing[*]}" >&2
    $sudo apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
}

softtoken_need_rust() {
    if ! command -v cargo >/dev/null 2>&1; then
        echo "SoftToken needs Rust 1.89 or newer (cargo). Install it with rustup (https://rustup.rs), then run this again." >&2
        return 1
    fi
    command -v cargo-clippy >/dev/null 2>&1 || rustup component add clippy rustfmt >&2 || true
}

# Build output is kept between runs (CI included) to save the ~6 min clean build.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/softtoken-target}"

# A virtual X display for the tests and measurements: Xvfb picks a free
# display number itself and writes it to a file once it accepts clients
# (-displayfd), so there is no collision and no readiness guess. Sets
# SOFTTOKEN_DISPLAY and SOFTTOKEN_XVFB_PID; the caller stops it in its EXIT
# trap. ($1, once the first display to try, is no longer needed.)
softtoken_start_xvfb() {
    local numfile
    numfile=$(mktemp)
    Xvfb -displayfd 3 -screen 0 1024x768x24 -nolisten tcp -noreset 3>"$numfile" >/dev/null 2>&1 &
    SOFTTOKEN_XVFB_PID=$!
    local i
    for i in $(seq 200); do
        [ -s "$numfile" ] && break
        if ! kill -0 "$SOFTTOKEN_XVFB_PID" 2>/dev/null; then
            echo "Xvfb did not start" >&2
            rm -f "$numfile"
            return 1
        fi
        sleep 0.05
    done
    if [ ! -s "$numfile" ]; then
        echo "Xvfb did not report a display within 10 s" >&2
        rm -f "$numfile"
        return 1
    fi
    SOFTTOKEN_DISPLAY=":$(head -n1 "$numfile" | tr -d '[:space:]')"
    rm -f "$numfile"
}

# softtoken_keyring_session DIR CMD...: runs CMD in a private D-Bus session with
# an unlocked gnome-keyring Secret Service that keeps its keyrings in
# DIR/keyrings (XDG_DATA_HOME=DIR), so nothing touches the user's real keyring.
# A throwaway PostgreSQL cluster in DIR on a free loopback port, for the
# server tests. PostgreSQL refuses to run as root, so as root the cluster
# belongs to the postgres user. Sets SOFTTOKEN_TEST_POSTGRES (a URL without
# database name) and SOFTTOKEN_PG_DATA; softtoken_stop_postgres stops it.
softtoken_start_postgres() {
    local dir=$1 bin port
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
    [ -x "$bin/initdb" ] || { echo "PostgreSQL is not installed (apt postgresql)" >&2; return 1; }
    mkdir -p "$dir"
    local as=()
    if [ "$(id -u)" = 0 ]; then
        chown postgres "$dir"
        as=(runuser -u postgres --)
    fi
    "${as[@]}" "$bin/initdb" -D "$dir/data" -A trust -U softtoken >/dev/null
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    # fsync stays on: the durability the server promises is measured as it runs.
    "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -o "-k $dir -h 127.0.0.1 -p $port -c max_connections=200" \
        -l "$dir/log" -w start >/dev/null
    SOFTTOKEN_PG_DATA="$dir/data"
    SOFTTOKEN_PG_AS="${as[*]}"
    SOFTTOKEN_PG_BIN="$bin"
    export SOFTTOKEN_TEST_POSTGRES="postgres://softtoken@127.0.0.1:$port"
}

softtoken_stop_postgres() {
    [ -n "${SOFTTOKEN_PG_DATA:-}" ] || return 0
    $SOFTTOKEN_PG_AS "$SOFTTOKEN_PG_BIN/pg_ctl" -D "$SOFTTOKEN_PG_DATA" -m immediate stop >/dev/null 2>&1 || true
}

softtoken_keyring_session() {
    mkdir -p "$1"
    XDG_DATA_HOME="$1" dbus-run-session -- sh -c \
        'echo -n softtoken | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec "$@"' \
        sh "${@:2}"
}

# Points the XDG data, config, cache and runtime folders (exported) at new
# folders under $1: the app starts as on an account that never ran it.
softtoken_fresh_home() {
    mkdir -p "$1/data" "$1/config" "$1/cache" "$1/run"
    chmod 700 "$1/run"
    export XDG_DATA_HOME="$1/data" XDG_CONFIG_HOME="$1/config" XDG_CACHE_HOME="$1/cache" XDG_RUNTIME_DIR="$1/run"
}
