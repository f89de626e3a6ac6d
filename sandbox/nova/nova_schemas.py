"""Nova's own JSON Schemas, read from the installed nova (the sandbox's venv), one file per
api-ref operation: the request body, query and response body schemas that Nova's controllers
carry per microversion range (``validation.schema``, ``validation.query_schema``,
``validation.response_body_schema``) and the success codes (``wsgi.response``), each with
where it comes from (the module and name of the schema, the controller method).

    python nova_schemas.py SCHEMAS_DIR OUT_DIR

SCHEMAS_DIR is the derived set (``schemas/``): its operations give the api-ref ids that
Nova's routes are matched to, by method, path (parameter names aside) and action key.
OUT_DIR is written afresh: ``operations/<id>.json``, ``index.json`` (provenance, and what
could not be matched either way). The output is deterministic (sorted keys, sorted lists),
so a regeneration diffs cleanly.
"""

import glob
import importlib
import json
import os
import pkgutil
import re
import shutil
import sys
import warnings

warnings.filterwarnings("ignore")

import nova  # noqa: E402
from nova.api.openstack.compute import routes  # noqa: E402
from nova.api.openstack.compute import schemas as schema_pkg  # noqa: E402

LATEST = "latest"


def version(v):
    """An APIVersionRequest as the api-ref writes it; the null version (no bound) as None."""
    if v is None or v.is_null():
        return None
    return f"{v.ver_major}.{v.ver_minor}"


def schema_names():
    """id(schema dict) → "module:name" for every schema a schemas module defines, so each
    extracted schema says where it is written. A dict bound to several names keeps the first
    in sorted order (a stable choice)."""
    names = {}
    for info in sorted(pkgutil.iter_modules(schema_pkg.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{schema_pkg.__name__}.{info.name}")
        for name in sorted(vars(module)):
            value = getattr(module, name)
            if isinstance(value, dict) and not name.startswith("_"):
                names.setdefault(id(value), f"{module.__name__}:{name}")
    return names


# Keys whose arrays are sets: Nova builds some of them from Python sets (the sort keys of
# `/servers/detail`), whose order changes from process to process.
UNORDERED = ("enum", "required")


def plain(value):
    """The schema as JSON: tuples become lists, unordered arrays of strings are sorted;
    anything else not JSON is an error."""
    if isinstance(value, dict):
        out = {str(k): plain(v) for k, v in value.items()}
        for key in UNORDERED:
            if isinstance(out.get(key), list) and all(isinstance(x, str) for x in out[key]):
                out[key] = sorted(out[key])
        return out
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"not JSON: {value!r}")


def ranged(container, names, where):
    if container is None:
        return []
    out = []
    for schema, lo, hi in container._schemas:
        out.append({
            "min_version": version(lo) or "2.1",
            "max_version": version(hi) or LATEST,
            "source": names.get(id(schema), f"inline in {where}"),
            "schema": plain(schema),
        })
    return sorted(out, key=lambda r: (tuple(int(x) for x in r["min_version"].split(".")), r["source"]))


def codes(fn):
    table = getattr(fn, "wsgi_codes", None)
    if table is None:
        return []
    return sorted(
        ({"code": c, "min_version": lo or "2.1", "max_version": hi or LATEST} for c, lo, hi in table._codes),
        key=lambda c: (tuple(int(x) for x in c["min_version"].split(".")), c["code"]),
    )


def methods():
    """(method, path, action key or None, function) for every route of the compute API."""
    for path, table in routes.ROUTE_LIST:
        if not isinstance(table, dict):  # ('', '/'): a redirect, no controller
            continue
        for method, (factory, name) in table.items():
            main, subs = factory.args[0], factory.args[1] if len(factory.args) > 1 else []
            if name == "action":
                for cls in [main, *subs]:
                    for key, attr in getattr(cls, "wsgi_actions", {}).items():
                        yield method, path, key, getattr(cls, attr)
            else:
                yield method, path, None, getattr(main, name)


def shape(path):
    """The path with its parameter names left out: /servers/{id} ≡ /servers/{server_id}."""
    return re.sub(r"\{[^}]+\}", "{}", path)


def operations(schemas_dir):
    ops = []
    for f in sorted(glob.glob(os.path.join(schemas_dir, "operations", "*.json"))):
        with open(f) as fh:
            ops.append(json.load(fh))
    return ops


def segments_match(api_ref_path, nova_path):
    """The api-ref writes some of Nova's `{id}` routes with the id they are called with
    (`PUT /os-services/disable` is Nova's `PUT /os-services/{id}`)."""
    a, n = shape(api_ref_path).split("/"), shape(nova_path).split("/")
    return len(a) == len(n) and all(x == y or y == "{}" for x, y in zip(a, n))


def route_of(op, routes_by_key, all_routes):
    """Nova's route for an api-ref operation: by method, path and action key; else a literal
    segment for Nova's `{id}`; an action the api-ref table does not name is the Nova action
    whose key the operation's id spells (`disassociate-host` → `disassociate_host`)."""
    exact = routes_by_key.get((op["method"], shape(op["path"]), op.get("action")))
    if exact:
        return exact
    near = [r for r in all_routes if r[0] == op["method"] and segments_match(op["path"], r[1])]
    if op.get("action") is not None:
        near = [r for r in near if r[2] == op["action"]]
    elif near and all(r[2] is not None for r in near):
        spelled = [r for r in near if r[2].replace("_", "-").lower() in op["id"]]
        near = sorted(spelled, key=lambda r: -len(r[2]))[:1]
    return near[0] if len(near) == 1 else None


def main(schemas_dir, out_dir):
    names = schema_names()
    ops = operations(schemas_dir)
    all_routes = list(methods())
    routes_by_key = {(m, shape(p), a): (m, p, a, fn) for m, p, a, fn in all_routes}
    matched, used = {}, set()
    for op in ops:
        route = route_of(op, routes_by_key, all_routes)
        if route is None:
            continue
        method, path, action, fn = route
        used.add((method, path, action))
        where = f"{fn.__module__}:{fn.__qualname__}"
        matched[op["id"]] = {
            "id": op["id"],
            "method": method,
            "path": op["path"],
            "nova_path": path,
            "action": action,
            "controller": where,
            "request": ranged(getattr(fn, "request_body_schemas", None), names, where),
            "query": ranged(getattr(fn, "request_query_schemas", None), names, where),
            "response": ranged(getattr(fn, "response_body_schemas", None), names, where),
            "codes": codes(fn),
        }
    unmatched_routes = [
        {"method": m, "path": p, "action": a, "controller": f"{fn.__module__}:{fn.__qualname__}"}
        for m, p, a, fn in all_routes
        if (m, p, a) not in used
    ]
    all_ids = sorted(op["id"] for op in ops)
    tmp = out_dir + ".partial"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(os.path.join(tmp, "operations"))
    for op_id, entry in matched.items():
        with open(os.path.join(tmp, "operations", f"{op_id}.json"), "w") as fh:
            json.dump(entry, fh, indent=1, sort_keys=True, ensure_ascii=False)
            fh.write("\n")
    index = {
        "nova": nova.__version__ if hasattr(nova, "__version__") else version_of_nova(),
        "operations": sorted(matched),
        "api_ref_operations_without_route": [i for i in all_ids if i not in matched],
        "routes_without_api_ref_operation": sorted(
            unmatched_routes, key=lambda r: (r["path"], r["method"], r["action"] or "")
        ),
    }
    with open(os.path.join(tmp, "index.json"), "w") as fh:
        json.dump(index, fh, indent=1, sort_keys=True, ensure_ascii=False)
        fh.write("\n")
    shutil.rmtree(out_dir, ignore_errors=True)
    os.rename(tmp, out_dir)
    print(
        f"nova_schemas.py: {len(matched)} of {len(all_ids)} api-ref operations matched to Nova's routes; "
        f"{len(unmatched_routes)} routes without an api-ref operation",
        file=sys.stderr,
    )


def version_of_nova():
    from importlib.metadata import version as dist_version

    return dist_version("nova")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
