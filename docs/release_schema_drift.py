#!/usr/bin/env python3
"""The drift between two releases' derived schema sets (their api-refs), as Markdown.

    python3 docs/release_schema_drift.py OLD_DIR NEW_DIR

Each set is what `tapedeck schemas derive` wrote from that release's sdist. Noise is left out:
an operation's or range's open end is the release's newest microversion (2.103 in one, 2.104 in
the other), so each set's newest microversion reads as `latest`; `source` (the .inc line a
schema came from) moves with every edit of the file. What is left is a change of the contract:
operations added or removed, status codes, microversion ranges and the fields of each range.
"""
import json
import os
import sys

API_REF = 'https://docs.openstack.org/api-ref/compute/#'


def load(d):
    ops = {}
    for f in sorted(os.listdir(os.path.join(d, 'operations'))):
        if f.endswith('.json'):
            with open(os.path.join(d, 'operations', f)) as fh:
                ops[f[:-5]] = json.load(fh)
    return ops


def newest(ops):
    def key(v):
        return tuple(int(x) for x in v.split('.'))
    return max((o['max_version'] for o in ops.values()), key=key)


def latest(o, mx):
    """The open ends (a `max_version` that is the release's newest) as `latest`; no `source`."""
    if isinstance(o, dict):
        return {k: 'latest' if k == 'max_version' and v == mx else latest(v, mx)
                for k, v in o.items() if k != 'source'}
    if isinstance(o, list):
        return [latest(v, mx) for v in o]
    return o


def fields(schema, prefix=''):
    """Every property path of a schema (`server.pinned_availability_zone`)."""
    out = set()
    if isinstance(schema, dict):
        for k, v in (schema.get('properties') or {}).items():
            out.add(prefix + k)
            out |= fields(v, prefix + k + '.')
        for key in ('items', 'anyOf', 'oneOf', 'allOf'):
            sub = schema.get(key)
            for s in (sub if isinstance(sub, list) else [sub] if sub else []):
                out |= fields(s, prefix)
    return out


def ranges(op, direction):
    return {(r['min_version'], r['max_version']): r for r in op.get(direction) or []
            if isinstance(r, dict) and 'min_version' in r}


def changes(a, b, old_newest):
    out = []
    for key in ('method', 'path', 'min_version', 'max_version'):
        if a.get(key) != b.get(key):
            out.append('%s `%s` → `%s`' % (key, a.get(key), b.get(key)))
    for key in ('normal_codes', 'error_codes'):
        added = sorted(set(b.get(key) or []) - set(a.get(key) or []))
        gone = sorted(set(a.get(key) or []) - set(b.get(key) or []))
        if added:
            out.append('%s: adds %s' % (key.replace('_', ' '), ', '.join(map(str, added))))
        if gone:
            out.append('%s: drops %s' % (key.replace('_', ' '), ', '.join(map(str, gone))))
    for direction in ('request', 'response'):
        ra, rb = ranges(a, direction), ranges(b, direction)
        # A range open in the old release that the new one closes at the old newest
        # microversion (a new range follows it) is the same range.
        for (lo, hi) in list(ra):
            if hi == 'latest' and (lo, hi) not in rb and (lo, old_newest) in rb:
                ra[(lo, old_newest)] = ra.pop((lo, hi))
        for r in sorted(set(ra) | set(rb)):
            name = '%s %s–%s' % (direction, r[0], r[1])
            if r not in ra:
                # A new range: what it has that the old release's newest range of this
                # direction had not.
                prev = [x for x in ra if x[1] == 'latest'] or sorted(ra)[-1:]
                before = fields(ra[prev[0]]['schema']) if prev else set()
                new = sorted(fields(rb[r].get('schema')) - before)
                out.append('%s is new%s' % (name, ': adds ' + ', '.join('`%s`' % f for f in new) if new else ''))
            elif r not in rb:
                out.append('%s is gone' % name)
            elif ra[r].get('schema') != rb[r].get('schema'):
                fa, fb = fields(ra[r].get('schema')), fields(rb[r].get('schema'))
                bits = ['adds `%s`' % f for f in sorted(fb - fa)] + ['drops `%s`' % f for f in sorted(fa - fb)]
                out.append('%s changed%s' % (name, ': ' + ', '.join(bits) if bits else ' (constraints)'))
    return out


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    old, new = load(argv[1]), load(argv[2])
    mo, mn = newest(old), newest(new)
    lines = ['| operation | change |', '|---|---|']
    for op in sorted(set(old) | set(new)):
        if op not in new:
            lines.append('| [%s](%s%s) | removed |' % (op, API_REF, op))
        elif op not in old:
            lines.append('| [%s](%s%s) | added |' % (op, API_REF, op))
        else:
            for c in changes(latest(old[op], mo), latest(new[op], mn), mo):
                lines.append('| [%s](%s%s) | %s |' % (op, API_REF, op, c.replace('|', '\\|')))
    print('Newest microversion: %s → %s. %d operations in each; every other operation is the same '
          'contract in both.\n' % (mo, mn, len(new)))
    print('\n'.join(lines) if len(lines) > 2 else 'No difference between the two contracts.')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
