#!/usr/bin/env python3
"""Fail if servers named td-* remain on the provider (tapedeck's own leftovers).

Usage: leftovers.py PROVIDER_FILE [--timeout SECONDS]
Reads the provider file the sandbox wrote (JSON), lists all servers as the admin identity,
and waits up to --timeout for td-* servers still being deleted to disappear. Stdlib only.
Works for both sandbox modes: header identities with an `endpoint` (start.sh FILE), and
clouds from `clouds_file` through Keystone and its catalog (start.sh FILE --keystone).
"""
import argparse
import json
import os
import sys
import time
import urllib.request


def parse_clouds_yaml(text):
    """The block-style clouds.yaml start.sh --keystone writes: nested mappings, scalars in
    JSON syntax (double-quoted strings, numbers). Uses PyYAML when available."""
    try:
        import yaml
        return yaml.safe_load(text)
    except ImportError:
        pass
    root = {}
    stack = [(-1, root)]
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip(" "))
        key, _, value = line.strip().partition(":")
        while stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1]
        if value.strip():
            parent[key] = json.loads(value.strip())
        else:
            parent[key] = {}
            stack.append((indent, parent[key]))
    return root


def keystone_session(provider_path, provider, identity):
    """(compute endpoint, headers) for a clouds.yaml identity: Keystone v3 token + catalog."""
    clouds_path = os.path.join(os.path.dirname(os.path.abspath(provider_path)), provider["clouds_file"])
    with open(clouds_path) as f:
        cloud = parse_clouds_yaml(f.read())["clouds"][provider["identities"][identity]["cloud"]]
    auth = cloud["auth"]
    if cloud.get("auth_type") == "v3applicationcredential":
        identity_body = {"methods": ["application_credential"], "application_credential": {
            "id": auth["application_credential_id"], "secret": auth["application_credential_secret"]}}
        body = {"auth": {"identity": identity_body}}
    else:
        identity_body = {"methods": ["password"], "password": {"user": {
            "name": auth["username"], "password": auth["password"],
            "domain": {"name": auth.get("user_domain_name", "Default")}}}}
        body = {"auth": {"identity": identity_body, "scope": {"project": {
            "name": auth["project_name"], "domain": {"name": auth.get("project_domain_name", "Default")}}}}}
    req = urllib.request.Request(auth["auth_url"].rstrip("/") + "/auth/tokens", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json", "Accept": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        token = resp.headers["X-Subject-Token"]
        catalog = json.load(resp)["token"]["catalog"]
    interface = cloud.get("interface", "public")
    region = cloud.get("region_name")
    urls = [e["url"] for s in catalog if s["type"] == "compute" for e in s["endpoints"]
            if e["interface"] == interface and (not region or e.get("region_id") == region)]
    if not urls:
        raise SystemExit(f"no {interface} compute endpoint in the catalog")
    return urls[0], {"X-Auth-Token": token}


def td_servers(endpoint, headers):
    headers = dict(headers)
    headers["Accept"] = "application/json"
    req = urllib.request.Request(endpoint + "/servers?all_tenants=1", headers=headers)
    with urllib.request.urlopen(req, timeout=30) as resp:
        servers = json.load(resp)["servers"]
    return sorted(s["name"] for s in servers if s["name"].startswith("td-"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("provider")
    parser.add_argument("--timeout", type=float, default=20.0)
    args = parser.parse_args()
    with open(args.provider) as f:
        provider = json.load(f)
    if "clouds_file" in provider:
        endpoint, headers = keystone_session(args.provider, provider, "admin")
    else:
        endpoint, headers = provider["endpoint"], provider["identities"]["admin"]["headers"]
    deadline = time.monotonic() + args.timeout
    while True:
        left = td_servers(endpoint, headers)
        if not left:
            print("no td- servers left on the sandbox")
            return 0
        if time.monotonic() > deadline:
            print(f"{len(left)} td- servers left on the sandbox: {', '.join(left)}", file=sys.stderr)
            return 1
        time.sleep(0.5)


if __name__ == "__main__":
    sys.exit(main())
