#!/usr/bin/env bash
# tapedeck's speed benchmarks against its peers, from one run, printed as one table:
#   (a) tapedeck validate vs python-jsonschema: /servers/detail (2.100) with 1000 servers
#   (b) the lifecycle of suites/bench-lifecycle.yaml live on the real Nova sandbox:
#       tapedeck vs gabbi (bench/gabbi/lifecycle.yaml, polling at 1 s and 0.1 s) vs a tight
#       0.05 s poller (bench/poller.py) that measures the critical path
#   (c) replay of the whole shipped set vs its live run (--jobs 4)
#   (d) replay of a generated 100k-exchange cassette: wall time and peak RSS
#
#   bench/run.sh            (BENCH_ROUNDS=5 rounds of (b); BENCH_ONLY="a b" to run a subset)
#
# Setup — a venv with the pinned peers (bench/requirements.txt) under
# ${TAPEDECK_CACHE:-~/.cache/tapedeck}/bench-venv-<hash>, a release build of tapedeck
# (CARGO_TARGET_DIR is honoured), and a Nova sandbox of its own (sandbox/nova/start.sh, plain
# mode, free port; stopped on exit). A setup failure exits 1; a benchmark that fails prints a
# line saying so and the others still run.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
CACHE="${TAPEDECK_CACHE:-$HOME/.cache/tapedeck}"
PYTHON="${PYTHON:-python3}"
say() { echo "bench: $*" >&2; }
die() { say "setup failed: $*"; exit 1; }

# --- venv with the peers ------------------------------------------------------------------
HASH="$(sha256sum "$HERE/requirements.txt" | cut -c1-12)"
VENV="$CACHE/bench-venv-$HASH"
if [ "$(cat "$VENV/.tapedeck-installed" 2>/dev/null)" != "$HASH" ]; then
    say "creating $VENV (gabbi, jsonschema)"
    mkdir -p "$CACHE"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV" || die "'$PYTHON -m venv' failed (Debian: apt-get install python3-venv)"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$HERE/requirements.txt" \
        >"$VENV.install.log" 2>&1 || { tail -n 20 "$VENV.install.log" >&2; die "pip install failed"; }
    echo "$HASH" > "$VENV/.tapedeck-installed"
fi

# --- tapedeck, release ----------------------------------------------------------------------
say "building tapedeck (release)"
(cd "$REPO" && cargo build --release --quiet) || die "cargo build --release failed"
# benches/validate.rs gives (a) the in-process validation time; without it (a) says so.
(cd "$REPO" && cargo bench --bench validate --no-run --quiet) || say "cargo bench --bench validate does not build"
TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target}"
case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$REPO/$TARGET_DIR" ;; esac
TAPEDECK="$TARGET_DIR/release/tapedeck"
[ -x "$TAPEDECK" ] || die "no binary at $TAPEDECK"

# --- a sandbox of our own -------------------------------------------------------------------
WORK="$(mktemp -d "${TMPDIR:-/tmp}/tapedeck-bench.XXXXXX")"
PROVIDER="$WORK/sandbox/provider.json"
cleanup() {
    "$REPO/sandbox/nova/stop.sh" "$PROVIDER" >&2 || true
    if [ -n "${BENCH_KEEP:-}" ]; then say "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
say "starting the Nova sandbox"
"$REPO/sandbox/nova/start.sh" "$PROVIDER" >&2 || die "sandbox/nova/start.sh failed (log: $PROVIDER.log)"

# --- the benchmarks -------------------------------------------------------------------------
# bench.py exits 0 when every benchmark produced its figures (met or not), 3 when some failed.
status=0
"$VENV/bin/python" "$HERE/bench.py" --repo "$REPO" --tapedeck "$TAPEDECK" --provider "$PROVIDER" \
    --work "$WORK" --venv "$VENV" --cache "$CACHE" || status=$?
if [ "$status" -ne 0 ] && [ "$status" -ne 3 ]; then
    die "bench.py exited $status"
fi
exit 0
