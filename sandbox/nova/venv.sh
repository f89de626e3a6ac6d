#!/usr/bin/env bash
# Sourced by start.sh and nova-schemas.sh: the venv with the pinned Nova 34.0.0, created once
# per hash of constraints.txt under ${TAPEDECK_SANDBOX_HOME:-$HOME/.cache/tapedeck} (about a
# minute) and reused after. Sets VENV; needs HERE and PROG.
PYTHON="${PYTHON:-python3}"
command -v "$PYTHON" >/dev/null || { echo "$PROG: $PYTHON not found" >&2; exit 1; }
HASH="$(sha256sum "$HERE/constraints.txt" | cut -c1-12)"
CACHE="${TAPEDECK_SANDBOX_HOME:-$HOME/.cache/tapedeck}"
VENV="$CACHE/nova-34.0.0-$HASH"
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
                -c "$HERE/constraints.txt" -r "$HERE/requirements.txt" >"$VENV.install.log" 2>&1; then
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

