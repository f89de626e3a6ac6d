#!/usr/bin/env bash
# Nova's own JSON Schemas (request, query and response, per microversion range, with their
# module and name) read from the pinned nova 34.0.0 of the sandbox's venv into
# nova-schemas/34.0.0/, one file per api-ref operation of schemas/.
#
#   sandbox/nova/nova-schemas.sh            regenerate nova-schemas/34.0.0/
#   sandbox/nova/nova-schemas.sh --check    exit 1 if the committed set differs from a fresh one
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PROG="nova-schemas.sh"
OUT="$ROOT/nova-schemas/34.0.0"
CHECK=0
case "${1:-}" in
    "") ;;
    --check) CHECK=1 ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "$PROG: unknown argument: $1 (expected --check)" >&2; exit 2 ;;
esac

# shellcheck source=sandbox/nova/venv.sh
. "$HERE/venv.sh"

if [ "$CHECK" = 0 ]; then
    "$VENV/bin/python" -W ignore "$HERE/nova_schemas.py" "$ROOT/schemas" "$OUT"
    exit 0
fi
fresh="$(mktemp -d)"
trap 'rm -rf "$fresh"' EXIT
"$VENV/bin/python" -W ignore "$HERE/nova_schemas.py" "$ROOT/schemas" "$fresh/set"
if ! diff -r -q "$OUT" "$fresh/set"; then
    echo "$PROG: nova-schemas/34.0.0 differs from Nova's schemas: run sandbox/nova/nova-schemas.sh and commit" >&2
    exit 1
fi
echo "$PROG: nova-schemas/34.0.0 is Nova 34.0.0's own schemas"
