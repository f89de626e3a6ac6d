#!/usr/bin/env bash
# Start the real Nova sandbox behind the real Keystone, re-record every shipped cassette (or
# the suites given as arguments) through clouds.yaml → Keystone → catalog → Nova, and stop the
# sandbox — also when recording fails. Existing cassettes are not overwritten: the new
# recordings wait in cassettes/nova-VERSION/.pending/ and the review (their behavioural diff) is
# shown; accept them with `tapedeck accept --cassettes cassettes/nova-VERSION` (or discard with
# `--reject`).
#
#   sandbox/nova/rerecord.sh [--nova VERSION] [SUITE...]     (default 34.0.0)
set -euo pipefail
cd "$(dirname "$0")/../.."
RELEASE=34.0.0
case "${1:-}" in
    --nova) [ $# -ge 2 ] || { echo "rerecord.sh: --nova needs a value" >&2; exit 2; }
            RELEASE="$2"; shift 2 ;;
    --nova=*) RELEASE="${1#--nova=}"; shift ;;
esac
CASSETTES=cassettes/nova-$RELEASE
mkdir -p ".sandbox/rerecord-$RELEASE"
PROVIDER=$PWD/.sandbox/rerecord-$RELEASE/provider.json
trap 'sandbox/nova/stop.sh "$PROVIDER"' EXIT
sandbox/nova/start.sh "$PROVIDER" --keystone --nova "$RELEASE"
cargo run --release --quiet -- run --mode record --provider "$PROVIDER" --cassettes "$CASSETTES" "$@"
cargo run --release --quiet -- accept --dry-run --cassettes "$CASSETTES" || true
