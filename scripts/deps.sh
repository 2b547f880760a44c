# Sourced by scripts/run.sh and scripts/test.sh: installs what SoftToken needs
# on Debian/Ubuntu when it is missing, and says plainly what to install elsewhere.

# Packages to build and run the app.
SOFTTOKEN_RUN_PKGS="pkg-config libfontconfig1-dev fonts-dejavu-core libxkbcommon-x11-0 libxcursor1 libxrandr2 libxi6 libx11-xcb1 gnome-keyring dbus dbus-x11"
# Extra packages for the test suite.
SOFTTOKEN_TEST_PKGS="oathtool xvfb xdotool xxd desktop-file-utils appstream xdg-utils imagemagick zbar-tools x11-utils x11-xkb-utils"

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
