#!/usr/bin/env bash
# Start the local real Nova sandbox (Nova 34.0.0, or --nova VERSION) in the background and
# write the provider file FILE once the API answers.
#
#   sandbox/nova/start.sh FILE [--nova VERSION] [--label NAME] [--port N] [--keystone] [--computes 1|2]
#
# First use of a release creates a venv under
#   ${TAPEDECK_SANDBOX_HOME:-$HOME/.cache/tapedeck}/nova-VERSION-<hash of its constraints.txt>
# and installs the pinned packages into it (about a minute); later runs reuse it.
# Logs go to FILE.log.  Stop with sandbox/nova/stop.sh FILE.
#
# --keystone also runs the release's real Keystone (keystone_sandbox.py, its own
# process; state in FILE.keystone/, log FILE.keystone.log), puts Nova behind
# keystonemiddleware's auth_token, and writes clouds.yaml next to FILE.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PROG="start.sh"
TIMEOUT=60
# shellcheck source=sandbox/nova/release.sh
. "$HERE/release.sh"

usage() {
    cat <<EOF
usage: $PROG FILE [--nova VERSION] [--label NAME] [--port N] [--keystone] [--computes 1|2]

Starts the real Nova (nova-api from Nova's functional-test environment,
2 fake computes, in-process Placement) on 127.0.0.1 and writes the provider
file FILE once the API answers.  Prints the compute endpoint.

  --nova V     the Nova release: $(known_releases) (default 34.0.0); each
               from PyPI with its own pinned set (sandbox/nova/releases/)
               and its own cached venv
  --label NAME provider label in FILE (default nova-VERSION): cassettes
               are recorded into cassettes/NAME/
  --port N     TCP port of Nova on 127.0.0.1 (default 0 = pick a free one)
  --keystone   also run the real Keystone (30.0.0 with Nova 34.0.0, 29.1.0
               with 33.0.2) on a free loopback port, put
               Nova behind keystonemiddleware auth_token, and write
               clouds.yaml (clouds tapedeck, tapedeck-appcred, tapedeck-admin)
               next to FILE; FILE then names clouds instead of an endpoint.
               Prints the Keystone auth URL instead of the compute endpoint.
  --computes N nova-compute services, 1 or 2 (default 2). With 1, resize
               finds no other host and the server stays ACTIVE on its old
               flavor: a real behaviour change for "tapedeck diff".

Environment: TAPEDECK_SANDBOX_HOME (venv cache, default ~/.cache/tapedeck),
PYTHON (interpreter for the venv, default python3).
EOF
}

FILE=""
PORT=0
KEYSTONE=0
COMPUTES=2
LABEL=""
NOVA_RELEASE=""
while [ $# -gt 0 ]; do
    case "$1" in
        -h|--help) usage; exit 0 ;;
        --port) [ $# -ge 2 ] || { echo "$PROG: --port needs a value" >&2; exit 2; }
                PORT="$2"; shift 2 ;;
        --port=*) PORT="${1#--port=}"; shift ;;
        --keystone) KEYSTONE=1; shift ;;
        --computes) [ $# -ge 2 ] || { echo "$PROG: --computes needs a value" >&2; exit 2; }
                COMPUTES="$2"; shift 2 ;;
        --computes=*) COMPUTES="${1#--computes=}"; shift ;;
        --nova) [ $# -ge 2 ] || { echo "$PROG: --nova needs a value" >&2; exit 2; }
                NOVA_RELEASE="$2"; shift 2 ;;
        --nova=*) NOVA_RELEASE="${1#--nova=}"; shift ;;
        --label) [ $# -ge 2 ] || { echo "$PROG: --label needs a value" >&2; exit 2; }
                LABEL="$2"; shift 2 ;;
        --label=*) LABEL="${1#--label=}"; shift ;;
        -*) echo "$PROG: unknown option: $1" >&2; usage >&2; exit 2 ;;
        *) [ -z "$FILE" ] || { echo "$PROG: only one FILE expected (got '$FILE' and '$1')" >&2; exit 2; }
           FILE="$1"; shift ;;
    esac
done
[ -n "$FILE" ] || { usage >&2; exit 2; }
case "$PORT" in ''|*[!0-9]*) echo "$PROG: --port must be a number, got '$PORT'" >&2; exit 2 ;; esac
[ "$PORT" -le 65535 ] || { echo "$PROG: --port must be in 0..65535" >&2; exit 2; }
case "$COMPUTES" in 1|2) ;; *) echo "$PROG: --computes must be 1 or 2, got '$COMPUTES'" >&2; exit 2 ;; esac
# The release's package set (exit 2 naming the known releases for an unknown one).
resolve_release
LABEL="${LABEL:-nova-$NOVA_RELEASE}"
# One path segment: cassettes go to cassettes/LABEL/.
case "$LABEL" in *[!A-Za-z0-9._-]*|.*) echo "$PROG: --label must be letters, digits, '.', '_' or '-' (not starting with '.'), got '$LABEL'" >&2; exit 2 ;; esac

mkdir -p "$(dirname "$FILE")"
FILE="$(cd "$(dirname "$FILE")" && pwd)/$(basename "$FILE")"
LOG="$FILE.log"
KSTATE="$FILE.keystone"
KLOG="$FILE.keystone.log"
CLOUDS="$(dirname "$FILE")/clouds.yaml"
CLOUDS_MARK="# tapedeck-sandbox-provider: "

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

if [ "$KEYSTONE" = 1 ]; then
    # clouds.yaml next to FILE: never overwrite one that start.sh did not
    # write (it may be the user's own), nor one of another running sandbox.
    if [ -e "$CLOUDS" ]; then
        owner="$({ grep -m1 "^$CLOUDS_MARK" "$CLOUDS" || true; } | sed "s|^$CLOUDS_MARK||")"
        if [ -z "$owner" ]; then
            echo "$PROG: $CLOUDS exists and was not written by $PROG; will not overwrite it (use a FILE in another directory)" >&2
            exit 1
        fi
        if [ "$owner" != "$FILE" ] && [ -e "$owner" ]; then
            opid="$({ grep -oE '"?pid"?[[:space:]]*:[[:space:]]*[0-9]+' "$owner" || true; } | head -n1 | grep -oE '[0-9]+$' || true)"
            if [ -n "$opid" ] && kill -0 "$opid" 2>/dev/null &&
               tr '\0' ' ' < "/proc/$opid/cmdline" 2>/dev/null | grep -q "sandbox.py"; then
                echo "$PROG: $CLOUDS belongs to the running sandbox of $owner; use a FILE in another directory" >&2
                exit 1
            fi
        fi
    fi
    # A Keystone left over from an earlier start for this FILE (its Nova gone).
    if [ -e "$KSTATE/keystone.json" ]; then
        kpid="$({ grep -oE '"pid"[[:space:]]*:[[:space:]]*[0-9]+' "$KSTATE/keystone.json" || true; } | head -n1 | grep -oE '[0-9]+$' || true)"
        if [ -n "$kpid" ] && kill -0 "$kpid" 2>/dev/null &&
           tr '\0' ' ' < "/proc/$kpid/cmdline" 2>/dev/null | grep -q "keystone_sandbox.py"; then
            kill -TERM "$kpid" 2>/dev/null || true
            for _ in $(seq 1 40); do kill -0 "$kpid" 2>/dev/null || break; sleep 0.25; done
            kill -KILL "$kpid" 2>/dev/null || true
        fi
    fi
fi

# --- venv (created once per constraints hash) --------------------------------
# shellcheck source=sandbox/nova/venv.sh
. "$HERE/venv.sh"
command -v curl >/dev/null || { echo "$PROG: curl not found" >&2; exit 1; }

# --- start -------------------------------------------------------------------
PID=""
KPID=""

stop_pid() {
    if [ -n "$1" ] && kill -0 "$1" 2>/dev/null; then
        kill -TERM "$1" 2>/dev/null || true
        for _ in $(seq 1 40); do kill -0 "$1" 2>/dev/null || break; sleep 0.25; done
        kill -KILL "$1" 2>/dev/null || true
    fi
}

fail() {
    echo "$PROG: $1" >&2
    echo "---- last lines of $LOG ----" >&2
    tail -n 30 "$LOG" >&2 || true
    if [ -n "$KPID" ]; then
        echo "---- last lines of $KLOG ----" >&2
        tail -n 15 "$KLOG" >&2 || true
    fi
    stop_pid "$PID"
    stop_pid "$KPID"
    rm -f "$FILE"
    if [ "$KEYSTONE" = 1 ]; then
        rm -rf "$KSTATE"
        if [ -e "$CLOUDS" ] && grep -qxF "$CLOUDS_MARK$FILE" "$CLOUDS"; then
            rm -f "$CLOUDS"
        fi
    fi
    exit 1
}

NOVA_ARGS=()
deadline=$(( $(date +%s) + TIMEOUT ))
if [ "$KEYSTONE" = 1 ]; then
    # Keystone first: it binds its port at once and writes keystone.json,
    # so Nova can be configured with its URL; both then set up in parallel
    # (Nova tells Keystone its URL through KSTATE/nova.json).
    rm -rf "$KSTATE"
    mkdir -m 700 "$KSTATE"
    : > "$KLOG"
    setsid nohup "$VENV/bin/python" "$HERE/keystone_sandbox.py" \
        --host 127.0.0.1 --port 0 --state "$KSTATE" \
        >>"$KLOG" 2>&1 </dev/null &
    KPID=$!
    while [ ! -s "$KSTATE/keystone.json" ]; do
        kill -0 "$KPID" 2>/dev/null || fail "keystone exited during startup"
        [ "$(date +%s)" -lt "$deadline" ] || fail "keystone did not bind within ${TIMEOUT} s"
        sleep 0.05
    done
    NOVA_ARGS=(--keystone "$KSTATE" --clouds "$CLOUDS")
fi

: > "$LOG"
setsid nohup "$VENV/bin/python" "$HERE/sandbox.py" \
    --host 127.0.0.1 --port "$PORT" --provider "$FILE" --log "$LOG" --computes "$COMPUTES" \
    --release "$NOVA_RELEASE" --label "$LABEL" \
    ${NOVA_ARGS[@]+"${NOVA_ARGS[@]}"} \
    >>"$LOG" 2>&1 </dev/null &
PID=$!

# In --keystone mode sandbox.py writes FILE only after checking that Keystone
# is seeded and that Nova answers 401 without a token and 200 with one.
KEY='"endpoint"'
if [ "$KEYSTONE" = 1 ]; then KEY='"auth_url"'; fi
while :; do
    if ! kill -0 "$PID" 2>/dev/null; then
        fail "sandbox exited during startup"
    fi
    if [ -n "$KPID" ] && ! kill -0 "$KPID" 2>/dev/null; then
        fail "keystone exited during startup"
    fi
    if [ -s "$FILE" ]; then
        ENDPOINT="$({ grep -oE "$KEY"'[[:space:]]*:[[:space:]]*"[^"]*"' "$FILE" || true; } | head -n1 | sed 's/.*"\([^"]*\)"$/\1/' )"
        if [ -n "$ENDPOINT" ] &&
           [ "$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$ENDPOINT" || true)" = 200 ]; then
            break
        fi
    fi
    [ "$(date +%s)" -lt "$deadline" ] || fail "sandbox did not answer within ${TIMEOUT} s"
    sleep 0.2
done

if [ "$KEYSTONE" = 1 ]; then
    echo "$PROG: Keystone $ENDPOINT (log $KLOG); clouds tapedeck, tapedeck-appcred, tapedeck-admin in $CLOUDS" >&2
fi
echo "$ENDPOINT"
