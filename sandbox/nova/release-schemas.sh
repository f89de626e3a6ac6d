#!/usr/bin/env bash
# The derived schemas of another Nova release: downloads that release's sdist from PyPI once
# (into ${TAPEDECK_SANDBOX_HOME:-~/.cache/tapedeck}/sdist/, as the tests do for 34.0.0),
# extracts it, and derives its api-ref with `tapedeck schemas derive` into schemas-nova-VERSION/
# (`--check`: exit 1 if the committed set differs from a fresh derivation). The Nova 34.0.0 set
# is schemas/ (embedded in the binary); a run against an older cloud validates with its own:
# `tapedeck run --schemas schemas-nova-33.0.2 …`.
#
#   sandbox/nova/release-schemas.sh VERSION [--check]
set -euo pipefail
PROG=release-schemas.sh
cd "$(dirname "$0")/../.."
ROOT=$PWD
[ $# -ge 1 ] || { echo "usage: $PROG VERSION [--check]" >&2; exit 2; }
VERSION=$1; shift
CHECK=()
case "${1:-}" in --check) CHECK=(--check) ;; '') ;; *) echo "$PROG: unknown option: $1" >&2; exit 2 ;; esac
case "$VERSION" in ''|*[!0-9.]*) echo "$PROG: VERSION must look like 33.0.2, got '$VERSION'" >&2; exit 2 ;; esac
[ "$VERSION" != 34.0.0 ] || { echo "$PROG: the 34.0.0 schemas are schemas/: tapedeck schemas derive --api-ref DIR --out schemas" >&2; exit 2; }
CACHE="${TAPEDECK_SANDBOX_HOME:-$HOME/.cache/tapedeck}"
SDIST="$CACHE/sdist/nova-$VERSION.tar.gz"
SRC="$CACHE/nova-src-$VERSION"
if [ ! -f "$SDIST" ]; then
    mkdir -p "$CACHE/sdist"
    python3 -m pip download --quiet --disable-pip-version-check --no-binary :all: --no-deps \
        "nova==$VERSION" -d "$CACHE/sdist"
fi
if [ ! -d "$SRC/nova-$VERSION/api-ref/source" ]; then
    rm -rf "$SRC.tmp" && mkdir -p "$SRC.tmp"
    tar -xzf "$SDIST" -C "$SRC.tmp"
    rm -rf "$SRC" && mv "$SRC.tmp" "$SRC"
fi
BIN="${TAPEDECK:-$ROOT/target/debug/tapedeck}"
[ -x "$BIN" ] || BIN="cargo run --quiet --"
$BIN schemas derive --api-ref "$SRC/nova-$VERSION" --out "schemas-nova-$VERSION" ${CHECK[@]+"${CHECK[@]}"}
