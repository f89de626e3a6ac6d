#!/usr/bin/env bash
# Start the real Nova sandbox behind the real Keystone, re-record every shipped cassette (or
# the suites given as arguments) into cassettes/nova-34.0.0/ through clouds.yaml → Keystone →
# catalog → Nova, and stop the sandbox — also when recording fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p .sandbox/rerecord
PROVIDER=$PWD/.sandbox/rerecord/provider.json
trap 'sandbox/nova/stop.sh "$PROVIDER"' EXIT
sandbox/nova/start.sh "$PROVIDER" --keystone
cargo run --release --quiet -- run --mode record --provider "$PROVIDER" --cassettes cassettes/nova-34.0.0 "$@"
