#!/usr/bin/env python3
"""Hostile clients against a live Grace's HTTP API.

    hostile.py GRACE [--short] [--examples N] [--streams N] [--slow N] [--rss-bound MIB]

1. schemathesis (v4, the project's .venv: scripts/venv) generates requests from docs/openapi.yaml, with the
   bearer token, and checks every answer against the contract (`--checks all`, which includes
   not_a_server_error, status_code_conformance, response_schema_conformance, ignored_auth and
   missing_required_header). Goal: 0 failures.
2. Unauthenticated writes: every POST of the contract, without the token, must be 401 with `WWW-Authenticate`,
   and change nothing (the journal gains no entry).
3. Slow clients: N connections (20; --short 5) that send their request a byte every 0.5 s, and N that ask for a
   1,000-entry page of events and read it a byte every 0.5 s. Meanwhile `GET /v1/status` must keep answering
   (its p99 is reported) and RSS stay bounded.
4. Event streams: N concurrent `GET /v1/events/stream` (1,000; --short 100). The server keeps at most 256 open
   (`EventBroadcaster.maxClients`, docs/api.md); beyond that it must refuse cleanly: `503` with a JSON error and
   `Retry-After`, never a reset or a hang. RSS with every stream open is reported and bounded, and once they
   close a new stream is accepted again.
Exits 1 when any of these is broken.
"""

import argparse
import json
import os
import re
import resource
import selectors
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from common import note  # noqa: E402

TAG = "hostile"
REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
STREAM_LIMIT = 256


def configuration(port):
    steady = common.kernel_command("steady")
    return {
        "config/grace.yaml": (
            "kind: grace\nname: hostile\nstate_dir: state\n"
            f"api: {{listen: \"127.0.0.1:{port}\", rate: {{reads: 100000, writes: 100000}}}}\n"),
        "config/kernels.yaml": (
            f"kind: kernel\nname: one\ncommand: {steady}\ndata: [data/one]\nstop: {{grace: 2s}}\n---\n"
            f"kind: kernel\nname: two\ncommand: {steady}\nstop: {{grace: 2s}}\n"),
        "config/playbooks.yaml": (
            "kind: playbook\nname: heal\nparams: {kernel: {type: kernel}}\nsteps:\n"
            "  - notify: \"healing {{ kernel }}\"\n"),
        "data/one/file.txt": "one's data\n",
    }


def raw_request(port, text, timeout=10.0):
    """Sends `text` as is; returns (status, headers dict, body bytes)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(text.encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            head, sep, body = data.partition(b"\r\n\r\n")
            if sep:
                m = re.search(rb"content-length:\s*(\d+)", head, re.I)
                if m and len(body) >= int(m.group(1)):
                    break
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1]) if lines and len(lines[0].split()) > 1 else 0
        headers = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:])}
        return status, headers, body
    finally:
        s.close()


def schemathesis(port, token, examples, out_dir):
    python = subprocess.run([os.path.join(REPO, "scripts", "venv")], capture_output=True, text=True).stdout.strip()
    if not python:
        return None, "scripts/venv failed"
    cmd = [python, "-m", "schemathesis.cli", "--config-file", os.path.join(REPO, "bench", "campaign", "schemathesis.toml"),
           "run", os.path.join(REPO, "docs", "openapi.yaml"),
           "--url", f"http://127.0.0.1:{port}", "-H", f"Authorization: Bearer {token}",
           "--checks", "all", "--max-examples", str(examples), "--request-timeout", "5",
           "--workers", "1", "--report", "junit", "--report-dir", out_dir, "--no-color",
           "--suppress-health-check", "all", "--seed", "14"]
    note(TAG, "schemathesis: " + " ".join(c if "Bearer" not in c else "Authorization: Bearer …" for c in cmd[1:]))
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, cwd=out_dir)
    return p, p.stdout + p.stderr


def post_paths():
    """The contract's POST paths with example parameters filled in (read with a plain regex: no YAML needed)."""
    text = open(os.path.join(REPO, "docs", "openapi.yaml")).read()
    paths = []
    current = None
    for line in text.splitlines():
        m = re.match(r"^  (/\S+):\s*$", line)
        if m:
            current = m.group(1)
            continue
        if current and re.match(r"^    post:\s*$", line):
            paths.append(current)
    out = []
    for p in paths:
        p = p.replace("{name}/{action}", "one/restart").replace("{name}", "heal" if "playbooks" in p else "one")
        p = p.replace("{id}", "nope")
        out.append(p)
    return out


def check_unauthenticated(port, state):
    failures = []
    before = len(common.journal(state))
    results = []
    for path in post_paths():
        for auth in (None, "Bearer wrong", "Basic Zm9vOmJhcg=="):
            hdr = f"Authorization: {auth}\r\n" if auth else ""
            status, headers, body = raw_request(
                port, f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{hdr}Content-Type: application/json\r\n"
                      f"Content-Length: 2\r\nConnection: close\r\n\r\n{{}}")
            results.append((path, auth, status))
            if status != 401 or "www-authenticate" not in headers:
                failures.append(f"POST {path} with {auth or 'no Authorization'}: {status}")
    time.sleep(0.5)
    after = len(common.journal(state))
    if after != before:
        failures.append(f"unauthenticated writes journaled {after - before} entries")
    return failures, len(results)


def slow_clients(port, pid, n, seconds):
    """n slow writers and n slow readers for `seconds`; returns figures and failures."""
    stop = threading.Event()
    outcome = {"writers_closed_by_server": 0, "readers_closed_by_server": 0, "reader_bytes": 0}
    lock = threading.Lock()

    def writer():
        req = f"GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
        except OSError:
            return
        try:
            for b in req:
                if stop.is_set():
                    break
                s.sendall(bytes([b]))
                stop.wait(0.5)
        except OSError:
            with lock:
                outcome["writers_closed_by_server"] += 1
        finally:
            s.close()

    def reader():
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.sendall(f"GET /v1/events?limit=1000 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        except OSError:
            return
        try:
            while not stop.is_set():
                b = s.recv(1)
                if not b:
                    with lock:
                        outcome["readers_closed_by_server"] += 1
                    break
                with lock:
                    outcome["reader_bytes"] += 1
                stop.wait(0.5)
        except OSError:
            with lock:
                outcome["readers_closed_by_server"] += 1
        finally:
            s.close()

    threads = [threading.Thread(target=writer, daemon=True) for _ in range(n)]
    threads += [threading.Thread(target=reader, daemon=True) for _ in range(n)]
    for t in threads:
        t.start()
    latencies = []
    statuses = {}
    rss = []
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        status, _, elapsed = common.request(port, "GET", "/v1/status", timeout=10)
        statuses[status] = statuses.get(status, 0) + 1
        latencies.append(elapsed * 1000)
        rss.append(common.status_kib(pid, "VmRSS"))
        time.sleep(0.05)
    stop.set()
    for t in threads:
        t.join(10)
    return latencies, statuses, max(rss), outcome


def event_streams(port, pid, n):
    """Opens n streams at once; returns (accepted, refused 503 cleanly, other outcomes, RSS KiB with them open)."""
    sel = selectors.DefaultSelector()
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        socks.append(s)
        sel.register(s, selectors.EVENT_WRITE, {"buf": b"", "sent": False})
    accepted, refused, other = 0, 0, {}
    refused_bodies_ok = 0
    done = set()
    deadline = time.monotonic() + 60
    req = f"GET /v1/events/stream HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: text/event-stream\r\n\r\n".encode()
    while len(done) < n and time.monotonic() < deadline:
        for key, mask in sel.select(timeout=1):
            s, st = key.fileobj, key.data
            if mask & selectors.EVENT_WRITE and not st["sent"]:
                try:
                    s.send(req)
                except OSError as e:
                    other[f"send {e.errno}"] = other.get(f"send {e.errno}", 0) + 1
                    done.add(s)
                    sel.unregister(s)
                    continue
                st["sent"] = True
                sel.modify(s, selectors.EVENT_READ, st)
                continue
            try:
                chunk = s.recv(65536)
            except OSError as e:
                other[f"reset {e.errno}"] = other.get(f"reset {e.errno}", 0) + 1
                done.add(s)
                sel.unregister(s)
                continue
            st["buf"] += chunk
            head, sep, body = st["buf"].partition(b"\r\n\r\n")
            if not chunk and not sep:
                other["closed without an answer"] = other.get("closed without an answer", 0) + 1
                done.add(s)
                sel.unregister(s)
                continue
            if not sep:
                continue
            status = int(head.split()[1])
            if status == 200 and b": connected" in body:
                accepted += 1
                done.add(s)
                sel.unregister(s)
            elif status == 503:
                m = re.search(rb"content-length:\s*(\d+)", head, re.I)
                if m and len(body) < int(m.group(1)) and chunk:
                    continue
                refused += 1
                try:
                    err = json.loads(body)
                    if err["error"]["code"] and re.search(rb"retry-after:", head, re.I):
                        refused_bodies_ok += 1
                except (ValueError, KeyError, TypeError):
                    pass
                done.add(s)
                sel.unregister(s)
            elif status == 200:
                continue
            else:
                other[str(status)] = other.get(str(status), 0) + 1
                done.add(s)
                sel.unregister(s)
    hung = n - len(done)
    time.sleep(1.0)
    rss_open = common.status_kib(pid, "VmRSS")
    for s in socks:
        s.close()
    return accepted, refused, refused_bodies_ok, other, hung, rss_open


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("grace")
    ap.add_argument("--short", action="store_true", help="few examples, 100 streams, 5 slow clients")
    ap.add_argument("--examples", type=int)
    ap.add_argument("--streams", type=int)
    ap.add_argument("--slow", type=int)
    ap.add_argument("--rss-bound", type=float, default=256.0, help="MiB (256)")
    ap.add_argument("--skip-schemathesis", action="store_true")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    binary = os.path.abspath(a.grace)
    examples = a.examples or (3 if a.short else 100)
    streams = a.streams or (100 if a.short else 1000)
    slow = a.slow or (5 if a.short else 20)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, max(soft, streams + 2 * slow + 256))
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    port = common.free_port()
    root = common.make_root("grace-hostile-", configuration(port))
    if a.keep:
        common.keep_root()
    state = os.path.join(root, "state")
    note(TAG, f"root {root}, port {port}, fd limit {want}")
    grace = common.Grace(binary, root, log_level="warning")
    failures = []
    figures = []
    if not common.wait_api(port, grace, timeout=60):
        print("\n".join(grace.tail()))
        sys.exit(common.report(TAG, [], ["Grace did not serve"]))
    token = common.read_token(state)
    rss0 = common.status_kib(grace.pid, "VmRSS")

    # 1. schemathesis
    if not a.skip_schemathesis:
        out_dir = os.path.join(root, "schemathesis")
        os.makedirs(out_dir, exist_ok=True)
        t0 = time.monotonic()
        p, text = schemathesis(port, token, examples, out_dir)
        summary = [l for l in text.splitlines() if re.search(r"\b(passed|failed|errored|skipped)\b", l)][-3:]
        problems = re.findall(r"^\s*_+\s*(\w.*?)\s*_+\s*$", text, re.M)
        if p is None or p.returncode != 0:
            failures.append("schemathesis found problems (output below)")
            print(text[-12000:])
        figures.append(("schemathesis", f"{examples} examples per operation, {time.monotonic() - t0:.0f} s; "
                        + " | ".join(s.strip() for s in summary)))
        if not grace.alive():
            failures.append("Grace died under schemathesis")
            sys.exit(common.report(TAG, figures, failures))

    # 2. unauthenticated writes
    problems, tried = check_unauthenticated(port, state)
    failures += problems
    figures.append(("unauthenticated writes", f"{tried} POSTs without or with a wrong token: "
                    + ("all 401, nothing journaled" if not problems else f"{len(problems)} not refused")))

    # 3. slow clients
    latencies, statuses, rss_slow, outcome = slow_clients(port, grace.pid, slow, 6.0 if a.short else 20.0)
    p99 = common.percentile(latencies, 99)
    figures.append(("slow clients", f"{slow} slow writers + {slow} slow readers; GET /v1/status meanwhile: "
                    f"{len(latencies)} requests, p50 {common.percentile(latencies, 50):.1f} ms, p99 {p99:.1f} ms, "
                    f"statuses {statuses}; RSS max {rss_slow / 1024:.1f} MiB; closed by the server: "
                    f"{outcome['writers_closed_by_server']} writers, {outcome['readers_closed_by_server']} readers"))
    if set(statuses) - {200}:
        failures.append(f"GET /v1/status beside slow clients answered {statuses}")
    if p99 > 1000:
        failures.append(f"GET /v1/status beside slow clients: p99 {p99:.0f} ms")

    # 4. event streams
    rss_before = common.status_kib(grace.pid, "VmRSS")
    accepted, refused, refused_ok, other, hung, rss_open = event_streams(port, grace.pid, streams)
    expect_accepted = min(streams, STREAM_LIMIT)
    if accepted != expect_accepted or refused != streams - expect_accepted or other or hung:
        failures.append(f"{streams} streams: {accepted} accepted (expected {expect_accepted}), {refused} refused, "
                        f"other {other}, {hung} without an answer")
    if refused_ok != refused:
        failures.append(f"{refused - refused_ok} refusals without a JSON error and Retry-After")
    time.sleep(1.0)
    status, headers, body = raw_request(
        port, f"GET /v1/events?limit=1 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n")
    again = None
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(f"GET /v1/events/stream HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    try:
        again = s.recv(200).split(b" ")[1].decode()
    except (OSError, IndexError):
        pass
    s.close()
    if again != "200":
        failures.append(f"a stream after the others closed answered {again}")
    rss_open_mib = rss_open / 1024
    figures.append(("event streams", f"{streams} at once: {accepted} accepted (limit {STREAM_LIMIT}), {refused} "
                    f"refused with 503 + JSON + Retry-After ({refused_ok}), other {other or 'none'}, {hung} hung; "
                    f"a new stream afterwards: {again}"))
    hwm = common.status_kib(grace.pid, "VmHWM")
    figures.append(("RSS", f"{rss0 / 1024:.1f} MiB at start, {rss_before / 1024:.1f} before the streams, "
                    f"{rss_open_mib:.1f} with them open, VmHWM {hwm / 1024:.1f} MiB (bound {a.rss_bound:.0f})"))
    if hwm / 1024 > a.rss_bound:
        failures.append(f"peak RSS {hwm / 1024:.1f} MiB over {a.rss_bound:.0f}")
    if not grace.alive():
        failures.append("Grace died")
    rc = grace.stop(60)
    if rc != 0:
        failures.append(f"Grace exited {rc} on SIGTERM")
    sys.exit(common.report(TAG, figures, failures))


if __name__ == "__main__":
    main()
