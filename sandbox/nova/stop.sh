#!/usr/bin/env bash
# Stop the sandbox started by sandbox/nova/start.sh FILE and remove FILE.
#
#   sandbox/nova/stop.sh FILE
#
# SIGTERM, wait up to 20 s for a clean teardown, then SIGKILL (and say so).
# Exit 0 also when the sandbox is already stopped.  FILE.log is kept.
set -euo pipefail

PROG="stop.sh"
WAIT=20

case "${1:-}" in
    -h|--help) echo "usage: $PROG FILE"; exit 0 ;;
    '') echo "usage: $PROG FILE" >&2; exit 2 ;;
esac
[ $# -eq 1 ] || { echo "usage: $PROG FILE" >&2; exit 2; }
FILE="$1"

if [ ! -e "$FILE" ]; then
    echo "$PROG: no provider file $FILE; sandbox already stopped"
    exit 0
fi

PID="$({ grep -oE '"?pid"?[[:space:]]*:[[:space:]]*[0-9]+' "$FILE" || true; } | head -n1 | grep -oE '[0-9]+$' || true)"
if [ -z "$PID" ]; then
    echo "$PROG: $FILE has no sandbox pid; it is not a provider file written by start.sh (left untouched)" >&2
    exit 2
fi

is_sandbox() {
    kill -0 "$1" 2>/dev/null &&
        tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null | grep -q "sandbox.py"
}

# Running = exists and is not a zombie waiting to be reaped.
running() {
    kill -0 "$1" 2>/dev/null || return 1
    [ -r "/proc/$1/stat" ] || return 0
    state="$(sed 's/^.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null || echo Z)"
    [ "$state" != Z ] && [ "$state" != X ]
}

if ! is_sandbox "$PID"; then
    echo "$PROG: sandbox (pid $PID) already stopped"
    rm -f "$FILE"
    exit 0
fi

kill -TERM "$PID" 2>/dev/null || true
for _ in $(seq 1 $(( WAIT * 4 ))); do
    running "$PID" || break
    sleep 0.25
done
if running "$PID"; then
    kill -KILL "$PID" 2>/dev/null || true
    sleep 0.5
    echo "$PROG: sandbox (pid $PID) did not stop within $WAIT s; killed it (SIGKILL)"
else
    echo "$PROG: sandbox (pid $PID) stopped"
fi
rm -f "$FILE"
