#!/usr/bin/env bash
# Stop the sandbox started by sandbox/nova/start.sh FILE and remove FILE.
#
#   sandbox/nova/stop.sh FILE
#
# SIGTERM, wait up to 20 s for a clean teardown, then SIGKILL (and say so).
# Exit 0 also when the sandbox is already stopped.  FILE.log is kept.
# For a --keystone sandbox also stops its Keystone and removes its state
# directory FILE.keystone/ and the clouds.yaml start.sh wrote next to FILE
# (FILE.keystone.log is kept).
set -euo pipefail

PROG="stop.sh"
WAIT=20

case "${1:-}" in
    -h|--help) echo "usage: $PROG FILE"; exit 0 ;;
    '') echo "usage: $PROG FILE" >&2; exit 2 ;;
esac
[ $# -eq 1 ] || { echo "usage: $PROG FILE" >&2; exit 2; }
FILE="$1"

# Same absolute form as start.sh uses (it is written into clouds.yaml).
if [ -d "$(dirname "$FILE")" ]; then
    FILE="$(cd "$(dirname "$FILE")" && pwd)/$(basename "$FILE")"
fi
KSTATE="$FILE.keystone"
CLOUDS="$(dirname "$FILE")/clouds.yaml"
CLOUDS_MARK="# tapedeck-sandbox-provider: "

first_pid() { { grep -oE '"?pid"?[[:space:]]*:[[:space:]]*[0-9]+' || true; } | head -n1 | grep -oE '[0-9]+$' || true; }

has_cmd() {
    kill -0 "$1" 2>/dev/null &&
        tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null | grep -q "$2"
}

# Running = exists and is not a zombie waiting to be reaped.
running() {
    kill -0 "$1" 2>/dev/null || return 1
    [ -r "/proc/$1/stat" ] || return 0
    state="$(sed 's/^.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null || echo Z)"
    [ "$state" != Z ] && [ "$state" != X ]
}

# Keystone of a --keystone sandbox: sandbox.keystone.pid in FILE, else the
# keystone.json of its state directory (start interrupted before FILE).
KPID=""
if [ -e "$FILE" ]; then
    KPID="$(tr -d '\n' < "$FILE" | { grep -oE '"keystone"[[:space:]]*:[[:space:]]*\{[^}]*\}' || true; } | first_pid)"
fi
if [ -z "$KPID" ] && [ -e "$KSTATE/keystone.json" ]; then
    KPID="$(first_pid < "$KSTATE/keystone.json")"
fi

cleanup_keystone_files() {
    rm -rf "$KSTATE"
    if [ -e "$CLOUDS" ] && grep -qxF "$CLOUDS_MARK$FILE" "$CLOUDS"; then
        rm -f "$CLOUDS"
    fi
}

if [ ! -e "$FILE" ]; then
    if [ -n "$KPID" ] && has_cmd "$KPID" keystone_sandbox.py; then
        kill -TERM "$KPID" 2>/dev/null || true
        echo "$PROG: no provider file $FILE; stopped its leftover keystone (pid $KPID)"
    else
        echo "$PROG: no provider file $FILE; sandbox already stopped"
    fi
    [ -e "$KSTATE" ] && cleanup_keystone_files
    exit 0
fi

PID="$(first_pid < "$FILE")"
if [ -z "$PID" ]; then
    echo "$PROG: $FILE has no sandbox pid; it is not a provider file written by start.sh (left untouched)" >&2
    exit 2
fi

# The processes to stop: "name pid" pairs.
TARGETS=()
if has_cmd "$PID" sandbox.py; then
    TARGETS+=("sandbox $PID")
else
    echo "$PROG: sandbox (pid $PID) already stopped"
fi
if [ -n "$KPID" ]; then
    if has_cmd "$KPID" keystone_sandbox.py; then
        TARGETS+=("keystone $KPID")
    else
        echo "$PROG: keystone (pid $KPID) already stopped"
    fi
fi

for t in ${TARGETS[@]+"${TARGETS[@]}"}; do
    kill -TERM "${t#* }" 2>/dev/null || true
done
for _ in $(seq 1 $(( WAIT * 4 ))); do
    alive=0
    for t in ${TARGETS[@]+"${TARGETS[@]}"}; do
        running "${t#* }" && alive=1
    done
    [ "$alive" = 1 ] || break
    sleep 0.25
done
for t in ${TARGETS[@]+"${TARGETS[@]}"}; do
    name="${t% *}" pid="${t#* }"
    if running "$pid"; then
        kill -KILL "$pid" 2>/dev/null || true
        sleep 0.5
        echo "$PROG: $name (pid $pid) did not stop within $WAIT s; killed it (SIGKILL)"
    else
        echo "$PROG: $name (pid $pid) stopped"
    fi
done
rm -f "$FILE"
if [ -n "$KPID" ] || [ -e "$KSTATE" ]; then
    cleanup_keystone_files
fi
