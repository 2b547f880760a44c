#!/usr/bin/env bash
# The patched crates in vendor/ kept as upstream + one readable diff each
# (vendor/patches/CRATE.patch). See vendor/README.md.
#
#   scripts/vendor.sh diff CRATE          write vendor/patches/CRATE.patch: the
#                                        changes of vendor/CRATE to the upstream
#                                        release it names in its Cargo.toml
#   scripts/vendor.sh check CRATE         exit 1 unless vendor/CRATE is exactly that
#                                        upstream release with the patch applied
#   scripts/vendor.sh update CRATE VER    fetch release VER from crates.io, apply
#                                        the patch, and report each conflict; on
#                                        success vendor/CRATE is replaced by it
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ $# -ge 2 ] || usage
action=$1 crate=$2
dir=vendor/$crate
patchfile=vendor/patches/$crate.patch
[ -d "$dir" ] || { echo "vendor.sh: no $dir" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

version_of() { sed -n 's/^version = "\(.*\)"/\1/p' "$1/Cargo.toml" | head -n1; }

# Upstream release $2 of crate $1, unpacked into $tmp/$1-$2 (the crates.io
# download, as Cargo gets it; checked against the registry's checksum when
# Cargo.lock names that version).
fetch() {
    local name=$1 version=$2 out="$tmp/$1-$2"
    curl -sSfL --retry 2 -o "$tmp/$name.crate" "https://static.crates.io/crates/$name/$name-$version.crate" \
        || { echo "vendor.sh: could not download $name $version from crates.io" >&2; exit 1; }
    mkdir -p "$out"
    tar -xzf "$tmp/$name.crate" -C "$tmp"
    # What vendor/ leaves out of a published crate: examples, tests, pictures
    # for rustdoc, and Cargo's own files.
    rm -rf "$out/examples" "$out/tests" "$out/docs" "$out/benches" \
        "$out/Cargo.lock" "$out/.cargo_vcs_info.json" "$out/Cargo.toml.orig"
    # Their [[example]], [[test]] and [[bench]] entries go with them.
    python3 - "$out/Cargo.toml" <<'PY'
import re, sys
p = sys.argv[1]
s = open(p).read()
s = re.sub(r'\n\[\[(example|test|bench)\]\]\n(?:(?!\n\[).)*', '', s, flags=re.S)
open(p, 'w').write(s)
PY
}

case $action in
diff)
    version=$(version_of "$dir")
    fetch "$crate" "$version"
    # diff exits 1 when the trees differ: that is the point.
    (cd "$tmp" && mv "$crate-$version" a && cp -r "$OLDPWD/$dir" b && diff -ruN a b) >"$tmp/patch" || true
    # Without the dates diff puts on its ---/+++ lines: the file changes only with the patch.
    sed -E 's/^((---|\+\+\+) [^\t]+)\t.*$/\1/' "$tmp/patch" >"$patchfile"
    echo "$patchfile: $(grep -c '^+++ ' "$patchfile") file(s) changed against $crate $version"
    ;;
check)
    version=$(version_of "$dir")
    fetch "$crate" "$version"
    (cd "$tmp/$crate-$version" && patch -p1 --quiet --no-backup-if-mismatch <"$OLDPWD/$patchfile")
    if diff -r "$tmp/$crate-$version" "$dir" >"$tmp/differ"; then
        echo "$dir is $crate $version with $patchfile applied"
    else
        echo "$dir differs from $crate $version + $patchfile:" >&2
        cat "$tmp/differ" >&2
        exit 1
    fi
    ;;
update)
    [ $# -eq 3 ] || usage
    version=$3
    fetch "$crate" "$version"
    if (cd "$tmp/$crate-$version" && patch -p1 --forward --no-backup-if-mismatch <"$OLDPWD/$patchfile") >"$tmp/patch.log" 2>&1; then
        rm -rf "$dir"
        cp -r "$tmp/$crate-$version" "$dir"
        echo "$dir is now $crate $version with $patchfile applied; run scripts/vendor.sh diff $crate,"
        echo "then scripts/test.sh and scripts/speed.sh (vendor/README.md)."
    else
        echo "vendor.sh: $patchfile does not apply cleanly to $crate $version; $dir is unchanged." >&2
        grep -E 'FAILED|rejects|can.t find file|Reversed' "$tmp/patch.log" >&2 || cat "$tmp/patch.log" >&2
        exit 1
    fi
    ;;
*) usage ;;
esac
