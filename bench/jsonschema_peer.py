#!/usr/bin/env python3
"""python-jsonschema on the schema and document of bench/run.sh (a).

    jsonschema_peer.py SCHEMA DOC              validate once, as a command would (exit 0 valid, 1 invalid)
    jsonschema_peer.py SCHEMA DOC --rounds N   also time N more validations of the parsed document, and N
                                               of read + parse + validate; print JSON figures

The validator class is the one the schema's `$schema` names (Draft 2020-12 when it names none),
with format checking on, as tapedeck checks formats: the library's own checkers plus nova's
`iso8601` (the same pattern tapedeck uses: a zone is optional). Every error is collected
(`iter_errors`), as tapedeck collects every error.
"""

import argparse
import importlib.metadata
import json
import re
import sys
import time

import jsonschema
from jsonschema import validators

ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$"
)


def iso8601(value):
    if not isinstance(value, str):
        return True
    m = ISO.match(value)
    if not m:
        return False
    n = [int(g or 0) for g in m.groups()]
    return 1 <= n[1] <= 12 and 1 <= n[2] <= 31 and n[3] <= 23 and n[4] <= 59 and n[5] <= 60


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("schema")
    parser.add_argument("doc")
    parser.add_argument("--rounds", type=int, default=0)
    args = parser.parse_args()
    schema = json.load(open(args.schema))
    doc = json.load(open(args.doc))
    cls = validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    checker = cls.FORMAT_CHECKER
    checker.checks("iso8601")(iso8601)
    validator = cls(schema, format_checker=checker)
    t = time.perf_counter()
    errors = list(validator.iter_errors(doc))
    first = time.perf_counter() - t
    if args.rounds <= 0:
        print(f"{args.doc}: {'valid' if not errors else f'invalid ({len(errors)} errors)'}")
        for e in errors[:10]:
            print(f"  /{'/'.join(map(str, e.absolute_path))}: [{e.validator}] {e.message[:200]}")
        return 0 if not errors else 1
    t = time.perf_counter()
    for _ in range(args.rounds):
        list(validator.iter_errors(doc))
    per = (time.perf_counter() - t) / args.rounds
    # As a command does it for each file: read and parse the document, then validate it.
    t = time.perf_counter()
    for _ in range(args.rounds):
        with open(args.doc) as f:
            list(validator.iter_errors(json.load(f)))
    per_file = (time.perf_counter() - t) / args.rounds
    json.dump(
        {
            "validator": cls.__name__,
            "jsonschema": importlib.metadata.version("jsonschema"),
            "first_ms": round(first * 1000, 2),
            "per_validation_ms": round(per * 1000, 2),
            "per_file_ms": round(per_file * 1000, 2),
            "rounds": args.rounds,
            "errors": len(errors),
            "first_errors": [f"/{'/'.join(map(str, e.absolute_path))}: {e.message[:160]}" for e in errors[:5]],
        },
        sys.stdout,
    )
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
