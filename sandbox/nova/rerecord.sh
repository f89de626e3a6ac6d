#!/usr/bin/env bash
# Start the real Nova sandbox, re-record every shipped cassette (or the suites given as
# arguments) into cassettes/nova-34.0.0/, and stop the sandbox — also when recording fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p .sandbox
PROVIDER=$PWD/.sandbox/rerecord-provider.yaml
trap 'sandbox/nova/stop.sh "$PROVIDER"' EXIT
sandbox/nova/start.sh "$PROVIDER"
cargo run --release --quiet -- run --mode record --provider "$PROVIDER" --cassettes cassettes/nova-34.0.0 "$@"
