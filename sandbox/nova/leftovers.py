#!/usr/bin/env python3
"""Fail if servers named td-* remain on the provider (tapedeck's own leftovers).

Usage: leftovers.py PROVIDER_FILE [--timeout SECONDS]
Reads the provider file the sandbox wrote (JSON), lists all servers as the admin identity,
and waits up to --timeout for td-* servers still being deleted to disappear. Stdlib only.
"""
import argparse
import json
import sys
import time
import urllib.request


def td_servers(provider):
    headers = dict(provider["identities"]["admin"]["headers"])
    headers["Accept"] = "application/json"
    req = urllib.request.Request(provider["endpoint"] + "/servers?all_tenants=1", headers=headers)
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
    deadline = time.monotonic() + args.timeout
    while True:
        left = td_servers(provider)
        if not left:
            print("no td- servers left on the sandbox")
            return 0
        if time.monotonic() > deadline:
            print(f"{len(left)} td- servers left on the sandbox: {', '.join(left)}", file=sys.stderr)
            return 1
        time.sleep(0.5)


if __name__ == "__main__":
    sys.exit(main())
