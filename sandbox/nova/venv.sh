#!/usr/bin/env bash
# Sourced by start.sh and nova-schemas.sh: the venv with the pinned Nova release NOVA_RELEASE
# (default 34.0.0), created once per hash of its constraints file under
# ${TAPEDECK_SANDBOX_HOME:-$HOME/.cache/tapedeck} (about a minute) and reused after. Sets VENV;
# needs HERE and PROG. Which files pin a release: release.sh.
# shellcheck source=sandbox/nova/release.sh
. "$HERE/release.sh"
resolve_release
PYTHON="${PYTHON:-python3}"
command -v "$PYTHON" >/dev/null || { echo "$PROG: $PYTHON not found" >&2; exit 1; }
HASH="$(sha256sum "$RELEASE_DIR/constraints.txt" | cut -c1-12)"
CACHE="${TAPEDECK_SANDBOX_HOME:-$HOME/.cache/tapedeck}"
VENV="$CACHE/nova-$NOVA_RELEASE-$HASH"
MARKER="$VENV/.tapedeck-installed"
mkdir -p "$CACHE"

installed() { [ -x "$VENV/bin/python" ] && [ "$(cat "$MARKER" 2>/dev/null)" = "$HASH" ]; }

if ! installed; then
    # Serialise concurrent first starts on the same venv.
    exec 9>"$VENV.lock"
    flock 9
    if ! installed; then
        if ! "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null; then
            echo "$PROG: '$PYTHON -m venv' is not available; install it (Debian/Ubuntu: apt-get install python3-venv)" >&2
            exit 1
        fi
        echo "$PROG: creating venv $VENV (first use, takes about a minute)" >&2
        rm -rf "$VENV"
        t0=$(date +%s)
        "$PYTHON" -m venv "$VENV"
        if ! "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
                -c "$RELEASE_DIR/constraints.txt" -r "$RELEASE_DIR/requirements.txt" >"$VENV.install.log" 2>&1; then
            echo "$PROG: pip install failed; last lines of $VENV.install.log:" >&2
            tail -n 25 "$VENV.install.log" >&2
            exit 1
        fi
        echo "$HASH" > "$MARKER"
        echo "$PROG: venv ready in $(( $(date +%s) - t0 )) s" >&2
    fi
    flock -u 9
    exec 9>&-
fi

