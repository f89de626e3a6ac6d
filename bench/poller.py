#!/usr/bin/env python3
"""A tight poller for the lifecycle of suites/bench-lifecycle.yaml: it measures the critical
path (Nova's own transition times, as a client can see them) for bench/run.sh (b).

Same requests and identities as tapedeck's run of the suite: the actions as the user, status
polls as the admin (who sees OS-EXT-STS:task_state; "settled" = the status reached and
task_state null, as tapedeck and Tempest judge it), the final "gone" polls as the user (404).
After each action it polls at once, then every DELAY seconds (default 0.05) after each answer,
over one keep-alive connection.

The critical path is the sum, over the six actions, of the time from sending the action to
receiving the first poll that shows the server settled: what a client that polls without
pause would wait at best (± one poll).

    poller.py PROVIDER_FILE [--delay 0.05] [--timeout 60]

Prints one JSON object: wall_s, requests, critical_path_s, and per transition the segment,
the number of polls and the statuses seen with their offsets.
"""

import argparse
import http.client
import json
import sys
import time
import urllib.parse
import uuid


class Client:
    def __init__(self, endpoint, identities):
        url = urllib.parse.urlsplit(endpoint)
        self.host, self.port = url.hostname, url.port or 80
        self.base = url.path.rstrip("/")
        self.identities = identities
        self.conn = None
        self.requests = 0

    def send(self, method, path, identity="user", body=None):
        headers = dict(self.identities[identity].get("headers", {}))
        headers["OpenStack-API-Version"] = "compute 2.1"
        headers["X-OpenStack-Nova-API-Version"] = "2.1"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self.requests += 1
                self.conn.request(method, self.base + path, body=data, headers=headers)
                resp = self.conn.getresponse()
                text = resp.read()
                break
            except (http.client.HTTPException, ConnectionError):
                # The server closed the keep-alive connection: reconnect once.
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        doc = json.loads(text) if text.strip() else None
        return resp.status, dict(resp.getheaders()), doc


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("provider")
    parser.add_argument("--delay", type=float, default=0.05)
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args()
    provider = json.load(open(args.provider))
    v = provider["variables"]
    identities = provider["identities"]
    admin = "admin" if "admin" in identities else "user"
    client = Client(provider["endpoint"], identities)
    run_id = uuid.uuid4().hex[:8]

    started = time.monotonic()
    server_id = None
    transitions = []

    def now():
        return time.monotonic() - started

    def act(name, method, path, body, expect):
        status, _, doc = client.send(method, path, body=body)
        if status != expect:
            raise SystemExit(f"poller: {name}: expected {expect}, got {status}: {doc}")
        return doc

    def wait(name, sent_at, until):
        polls, trace = 0, []
        gone = until == "DELETED"
        while True:
            status, _, doc = client.send("GET", f"/servers/{server_id}", identity="user" if gone else admin)
            polls += 1
            at = now()
            if status == 404:
                seen, task = "DELETED", None
            elif status == 200:
                seen = doc["server"]["status"]
                task = doc["server"].get("OS-EXT-STS:task_state")
            else:
                raise SystemExit(f"poller: {name}: polling answered {status}: {doc}")
            if not trace or trace[-1]["status"] != seen or trace[-1].get("task_state") != task:
                trace.append({"at_s": round(at - sent_at, 3), "status": seen, "task_state": task})
            if seen == "ERROR":
                raise SystemExit(f"poller: {name}: server went to ERROR: {doc['server'].get('fault')}")
            if seen == until and task is None:
                transitions.append(
                    {"name": name, "segment_s": round(at - sent_at, 3), "polls": polls, "trace": trace}
                )
                return
            if at - sent_at > args.timeout:
                raise SystemExit(f"poller: {name}: timed out waiting for {until}: {trace}")
            time.sleep(args.delay)

    action = f"/servers/{{}}/action"
    try:
        t = now()
        doc = act(
            "create",
            "POST",
            "/servers",
            {
                "server": {
                    "name": f"td-{run_id}-poller",
                    "imageRef": v["image_ref"],
                    "flavorRef": v["flavor_ref"],
                    "networks": [{"uuid": v["network"]}],
                }
            },
            202,
        )
        server_id = doc["server"]["id"]
        wait("create → ACTIVE", t, "ACTIVE")
        steps = [
            ("soft reboot → ACTIVE", {"reboot": {"type": "SOFT"}}, 202, "ACTIVE"),
            ("hard reboot → ACTIVE", {"reboot": {"type": "HARD"}}, 202, "ACTIVE"),
            ("resize → VERIFY_RESIZE", {"resize": {"flavorRef": v["flavor_ref_alt"]}}, 202, "VERIFY_RESIZE"),
            ("confirmResize → ACTIVE", {"confirmResize": None}, 204, "ACTIVE"),
        ]
        for name, body, expect, until in steps:
            t = now()
            act(name, "POST", action.format(server_id), body, expect)
            wait(name, t, until)
        t = now()
        act("delete", "DELETE", f"/servers/{server_id}", None, 204)
        wait("delete → gone", t, "DELETED")
        server_id = None
    finally:
        if server_id is not None:
            try:
                client.send("DELETE", f"/servers/{server_id}")
            except Exception as e:  # noqa: BLE001 - best effort cleanup
                print(f"poller: cleanup of {server_id} failed: {e}", file=sys.stderr)
    wall = now()
    json.dump(
        {
            "delay_s": args.delay,
            "wall_s": round(wall, 3),
            "requests": client.requests,
            "critical_path_s": round(sum(t["segment_s"] for t in transitions), 3),
            "transitions": transitions,
        },
        sys.stdout,
        indent=1,
    )
    print()


if __name__ == "__main__":
    main()
