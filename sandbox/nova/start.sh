#!/usr/bin/env bash
# Start the local real Nova 34.0.0 sandbox in the background and write the
# provider file FILE once the API answers.
#
#   sandbox/nova/start.sh FILE [--port N] [--keystone]
#
# First use creates a venv under
#   ${TAPEDECK_SANDBOX_HOME:-$HOME/.cache/tapedeck}/nova-34.0.0-<hash of constraints.txt>
# and installs the pinned packages into it (about a minute); later runs reuse it.
# Logs go to FILE.log.  Stop with sandbox/nova/stop.sh FILE.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PROG="start.sh"
TIMEOUT=60

usage() {
    cat <<EOF
usage: $PROG FILE [--port N] [--keystone]

Starts the real Nova 34.0.0 (nova-api from Nova's functional-test environment,
2 fake computes, in-process Placement) on 127.0.0.1 and writes the provider
file FILE once the API answers.  Prints the compute endpoint.

  --port N     TCP port on 127.0.0.1 (default 0 = pick a free one)
  --keystone   reserved: also run Keystone and write clouds.yaml (not yet supported)

Environment: TAPEDECK_SANDBOX_HOME (venv cache, default ~/.cache/tapedeck),
PYTHON (interpreter for the venv, default python3).
EOF
}

FILE=""
PORT=0
while [ $# -gt 0 ]; do
    case "$1" in
        -h|--help) usage; exit 0 ;;
        --port) [ $# -ge 2 ] || { echo "$PROG: --port needs a value" >&2; exit 2; }
                PORT="$2"; shift 2 ;;
        --port=*) PORT="${1#--port=}"; shift ;;
        --keystone) echo "$PROG: --keystone is not yet supported" >&2; exit 2 ;;
        -*) echo "$PROG: unknown option: $1" >&2; usage >&2; exit 2 ;;
        *) [ -z "$FILE" ] || { echo "$PROG: only one FILE expected (got '$FILE' and '$1')" >&2; exit 2; }
           FILE="$1"; shift ;;
    esac
done
[ -n "$FILE" ] || { usage >&2; exit 2; }
case "$PORT" in ''|*[!0-9]*) echo "$PROG: --port must be a number, got '$PORT'" >&2; exit 2 ;; esac
[ "$PORT" -le 65535 ] || { echo "$PROG: --port must be in 0..65535" >&2; exit 2; }

mkdir -p "$(dirname "$FILE")"
FILE="$(cd "$(dirname "$FILE")" && pwd)/$(basename "$FILE")"
LOG="$FILE.log"

# A provider file left over from an earlier run must not fool us.
if [ -e "$FILE" ]; then
    oldpid="$({ grep -oE '"?pid"?[[:space:]]*:[[:space:]]*[0-9]+' "$FILE" || true; } | head -n1 | grep -oE '[0-9]+$' || true)"
    if [ -n "$oldpid" ] && kill -0 "$oldpid" 2>/dev/null &&
       tr '\0' ' ' < "/proc/$oldpid/cmdline" 2>/dev/null | grep -q "sandbox.py"; then
        echo "$PROG: a sandbox is already running for $FILE (pid $oldpid); stop it first: $HERE/stop.sh $FILE" >&2
        exit 1
    fi
    rm -f "$FILE"
fi

# --- venv (created once per constraints hash) --------------------------------
PYTHON="${PYTHON:-python3}"
command -v "$PYTHON" >/dev/null || { echo "$PROG: $PYTHON not found" >&2; exit 1; }
command -v curl >/dev/null || { echo "$PROG: curl not found" >&2; exit 1; }
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

# --- start -------------------------------------------------------------------
: > "$LOG"
setsid nohup "$VENV/bin/python" "$HERE/sandbox.py" \
    --host 127.0.0.1 --port "$PORT" --provider "$FILE" --log "$LOG" \
    >>"$LOG" 2>&1 </dev/null &
PID=$!

fail() {
    echo "$PROG: $1" >&2
    echo "---- last lines of $LOG ----" >&2
    tail -n 30 "$LOG" >&2 || true
    if kill -0 "$PID" 2>/dev/null; then
        kill -TERM "$PID" 2>/dev/null || true
        for _ in $(seq 1 40); do kill -0 "$PID" 2>/dev/null || break; sleep 0.25; done
        kill -KILL "$PID" 2>/dev/null || true
    fi
    rm -f "$FILE"
    exit 1
}

deadline=$(( $(date +%s) + TIMEOUT ))
while :; do
    if ! kill -0 "$PID" 2>/dev/null; then
        fail "sandbox exited during startup"
    fi
    if [ -s "$FILE" ]; then
        ENDPOINT="$({ grep -oE '"endpoint"[[:space:]]*:[[:space:]]*"[^"]*"' "$FILE" || true; } | head -n1 | sed 's/.*"\([^"]*\)"$/\1/' )"
        if [ -n "$ENDPOINT" ] &&
           [ "$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$ENDPOINT" || true)" = 200 ]; then
            break
        fi
    fi
    [ "$(date +%s)" -lt "$deadline" ] || fail "sandbox did not answer within ${TIMEOUT} s"
    sleep 0.2
done

echo "$ENDPOINT"
