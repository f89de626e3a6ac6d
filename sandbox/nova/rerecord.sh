#!/usr/bin/env bash
# Start the real Nova sandbox behind the real Keystone, re-record every shipped cassette (or
# the suites given as arguments) through clouds.yaml → Keystone → catalog → Nova, and stop the
# sandbox — also when recording fails. Existing cassettes are not overwritten: the new
# recordings wait in cassettes/nova-34.0.0/.pending/ and the review (their behavioural diff) is
# shown; accept them with `tapedeck accept` (or discard with `tapedeck accept --reject`).
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p .sandbox/rerecord
PROVIDER=$PWD/.sandbox/rerecord/provider.json
trap 'sandbox/nova/stop.sh "$PROVIDER"' EXIT
sandbox/nova/start.sh "$PROVIDER" --keystone
cargo run --release --quiet -- run --mode record --provider "$PROVIDER" --cassettes cassettes/nova-34.0.0 "$@"
cargo run --release --quiet -- accept --dry-run --cassettes cassettes/nova-34.0.0 || true
