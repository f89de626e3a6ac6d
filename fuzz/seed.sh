#!/usr/bin/env bash
# Seeds the fuzz corpora from the shipped files (idempotent; corpora are not committed):
#   corpus/suite     suites/*.yaml and the bad-suite fixtures
#   corpus/cassette  cassettes/nova-34.0.0/*.yaml and the bad-cassette fixtures
#   corpus/api_ref   the nova 34.0.0 api-ref: parameters.yaml, every *.inc, and for each .inc
#                    "parameters.yaml entries it names" NUL ".inc" (the target's two-part input)
# The nova sdist is the one the tests cache (TAPEDECK_CACHE, default ~/.cache/tapedeck); run
# `cargo test --test derive_selfcheck` once to download it, or pass NOVA=/path/to/nova-34.0.0.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
nova="${NOVA:-${TAPEDECK_CACHE:-$HOME/.cache/tapedeck}/nova-34.0.0}"
src="$nova/api-ref/source"

mkdir -p "$here/corpus/suite" "$here/corpus/cassette" "$here/corpus/api_ref"
cp "$repo"/suites/*.yaml "$repo"/tests/fixtures/bad-suites/*.yaml "$here/corpus/suite/"
cp "$repo"/cassettes/nova-34.0.0/*.yaml "$here/corpus/cassette/"
cp "$repo"/tests/fixtures/bad-inputs/cassette-*.yaml "$here/corpus/cassette/"

if [ ! -f "$src/parameters.yaml" ]; then
    echo "seed.sh: no $src/parameters.yaml; api_ref corpus left unseeded (see the comment at the top)" >&2
    exit 1
fi
cp "$src/parameters.yaml" "$here/corpus/api_ref/parameters.yaml"
cp "$src"/*.inc "$here/corpus/api_ref/"
python3 - "$src" "$here/corpus/api_ref" <<'PY'
import pathlib, re, sys
src, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
# Top-level blocks of parameters.yaml by key, with the anchors they define and use.
blocks, key = {}, None
for line in (src / "parameters.yaml").read_text().splitlines(keepends=True):
    if line[:1] not in (" ", "#", "-", "\n", ""):
        key = line.split(": ", 1)[0].rstrip().rstrip(":")
        blocks[key] = ""
    if key is not None:
        blocks[key] += line
anchor_of = {m.group(1): k for k, b in blocks.items() for m in re.finditer(r"&(\S+)", b.splitlines()[0])}
for inc in sorted(src.glob("*.inc")):
    text = inc.read_text()
    wanted = [k for k in re.findall(r"^\s+-\s+\S.*?\s*:\s+(\S+)\s*$", text, re.M) if k in blocks]
    keys, i = list(dict.fromkeys(wanted)), 0
    while i < len(keys):  # follow merge keys (`<<: *anchor`) to the entries they name
        for alias in re.findall(r"\*(\S+)", blocks[keys[i]]):
            if alias in anchor_of and anchor_of[alias] not in keys:
                keys.insert(0, anchor_of[alias])
                i += 1
        i += 1
    params = "".join(blocks[k] for k in sorted(keys, key=list(blocks).index))
    (out / f"pair-{inc.stem}").write_text(params + "\0" + text)
PY
for t in suite cassette api_ref; do
    echo "corpus/$t: $(ls "$here/corpus/$t" | wc -l) files, $(du -sh "$here/corpus/$t" | cut -f1)"
done
