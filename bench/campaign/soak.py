#!/usr/bin/env python3
"""A soak: Grace for an hour (--short: 30 s) with kernels crashing every few seconds.

    soak.py GRACE [--short] [--seconds S] [--interval S] [--rss-slope KIB_PER_H] [--fd-slope FDS_PER_H]

Four kernels crash every 1-4 s (restart policy `always`), a trigger on every exit runs a short playbook (the rate
limit suppresses most: those firings are journaled too), and a client reads /v1/status and /v1/kernels every
second. Grace's RSS (VmRSS) and open descriptors (/proc/PID/fd) are sampled every 10 s (--short: every second).
The figures are the least-squares slopes over the samples after the first 10 % (warm-up: SQLite's page cache,
the allocator's arenas, the first runs), in KiB/h and fds/h.

Guarantees (any breach exits 1): RSS slope under --rss-slope (2048 KiB/h) and descriptor slope under --fd-slope
(2 fds/h) in the full form; in the short form, where 30 s cannot give a slope worth extrapolating, RSS within
16 MiB and descriptors within 8 of their first sample after the warm-up. Grace serves throughout, `grace journal
verify` passes, and no kernel process is left after SIGTERM.
"""

import argparse
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from common import note  # noqa: E402

TAG = "soak"


def configuration(port):
    crash = common.kernel_command("crash", 1.0, 4.0)
    policy = "restart: {policy: always, backoff: {initial: 50ms, max: 1s}, intensity: {max: 100000, within: 1m}}\n"
    kernels = [f"kind: kernel\nname: crash-{i}\ncommand: {crash}\n{policy}" for i in (1, 2, 3, 4)]
    return {
        "config/grace.yaml": (
            "kind: grace\nname: soak\nstate_dir: state\n"
            f"api: {{listen: \"127.0.0.1:{port}\", rate: {{reads: 100000, writes: 1000}}}}\n"
            "limits: {concurrent_runs: 4, rate: {runs: 30, per: 1m}}\n"),
        "config/kernels.yaml": "---\n".join(kernels),
        "config/playbooks.yaml": (
            "kind: playbook\nname: note-crash\nparams: {kernel: {type: kernel}}\nsteps:\n"
            "  - notify: \"{{ kernel }} crashed\"\n  - wait: 500ms\n"),
        "config/triggers.yaml": (
            "kind: trigger\nname: crashed\nwhen: {exit: \"*\"}\nrun: note-crash\n"
            "with: {kernel: \"{{ event.kernel }}\"}\n"),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("grace")
    ap.add_argument("--short", action="store_true", help="30 s instead of an hour")
    ap.add_argument("--seconds", type=float)
    ap.add_argument("--interval", type=float)
    ap.add_argument("--rss-slope", type=float, default=2048.0, help="KiB/h (2048)")
    ap.add_argument("--fd-slope", type=float, default=2.0, help="fds/h (2)")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    binary = os.path.abspath(a.grace)
    seconds = a.seconds or (30.0 if a.short else 3600.0)
    interval = a.interval or (1.0 if a.short else 10.0)
    port = common.free_port()
    root = common.make_root("grace-soak-", configuration(port))
    if a.keep:
        common.keep_root()
    state = os.path.join(root, "state")
    note(TAG, f"root {root}, {seconds:.0f} s, a sample every {interval:.0f} s, port {port}")
    grace = common.Grace(binary, root, log_level="warning")
    failures = []
    if not common.wait_api(port, grace, timeout=60):
        print("\n".join(grace.tail()))
        sys.exit(common.report(TAG, [], ["Grace did not serve"]))

    stop = threading.Event()
    errors = {}

    def reader():
        while not stop.wait(1.0):
            for path in ("/v1/status", "/v1/kernels"):
                status, _, _ = common.request(port, "GET", path, timeout=10)
                if status != 200:
                    errors[status] = errors.get(status, 0) + 1

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    samples = []  # (seconds since start, RSS KiB, fds)
    t0 = time.monotonic()
    next_at = t0
    last_note = t0
    while time.monotonic() - t0 < seconds:
        if not grace.alive():
            failures.append(f"Grace exited ({grace.proc.returncode}) after {time.monotonic() - t0:.0f} s")
            break
        samples.append((time.monotonic() - t0, common.status_kib(grace.pid, "VmRSS"), common.open_fds(grace.pid)))
        if time.monotonic() - last_note >= 600:
            last_note = time.monotonic()
            note(TAG, f"{samples[-1][0]:.0f} s: RSS {samples[-1][1] / 1024:.1f} MiB, {samples[-1][2]} fds")
        next_at += interval
        time.sleep(max(0.0, next_at - time.monotonic()))
    stop.set()
    t.join(15)
    hwm = common.status_kib(grace.pid, "VmHWM")
    rc = grace.stop(120)
    if rc != 0:
        failures.append(f"Grace exited {rc} on SIGTERM")
    time.sleep(0.5)
    left = common.kernel_processes(state)
    if left:
        failures.append(f"kernel processes left after SIGTERM: {left}")
    vrc, vout = common.verify(binary, state)
    if vrc != 0:
        failures.append(f"journal verify: {vout[-300:]}")
    if errors:
        failures.append(f"reads answered {errors}")

    warm = [s for s in samples if s[0] >= 0.1 * seconds] or samples
    hours = [s[0] / 3600.0 for s in warm]
    rss_slope = common.slope(hours, [s[1] for s in warm])
    fd_slope = common.slope(hours, [s[2] for s in warm])
    rss_all = [s[1] for s in samples]
    fds_all = [s[2] for s in samples]
    if a.short:
        growth = max(s[1] for s in warm) - warm[0][1]
        fd_growth = max(s[2] for s in warm) - warm[0][2]
        if growth > 16 * 1024:
            failures.append(f"RSS grew {growth / 1024:.1f} MiB after the warm-up (bound 16 MiB)")
        if fd_growth > 8:
            failures.append(f"descriptors grew by {fd_growth} after the warm-up (bound 8)")
    else:
        if rss_slope > a.rss_slope:
            failures.append(f"RSS slope {rss_slope:.0f} KiB/h over the bound {a.rss_slope:.0f}")
        if fd_slope > a.fd_slope:
            failures.append(f"descriptor slope {fd_slope:.2f}/h over the bound {a.fd_slope:.1f}")

    kinds = {}
    for _, k, _, _ in common.journal(state, kinds=["kernel.exited", "kernel.started", "trigger.fired",
                                                   "trigger.suppressed", "run.succeeded", "run.failed"]):
        kinds[k] = kinds.get(k, 0) + 1
    figures = [
        ("duration", f"{samples[-1][0]:.0f} s, {len(samples)} samples every {interval:.0f} s" if samples else "-"),
        ("kernel crashes (kernel.exited)", f"{kinds.get('kernel.exited', 0)} "
         f"({kinds.get('kernel.exited', 0) / (seconds / 60):.0f}/min), {kinds.get('kernel.started', 0)} starts"),
        ("firings", f"{kinds.get('trigger.fired', 0)} runs, {kinds.get('trigger.suppressed', 0)} suppressed; "
         f"{kinds.get('run.succeeded', 0)} runs succeeded, {kinds.get('run.failed', 0)} failed"),
        ("RSS", f"first {rss_all[0] / 1024:.1f} MiB, after warm-up {warm[0][1] / 1024:.1f}, last "
         f"{rss_all[-1] / 1024:.1f}, max {max(rss_all) / 1024:.1f}, VmHWM {hwm / 1024:.1f} MiB" if samples else "-"),
        ("RSS slope (after warm-up)", f"{rss_slope:.0f} KiB/h (bound {a.rss_slope:.0f} in the full form)"),
        ("open fds", f"first {fds_all[0]}, last {fds_all[-1]}, min {min(fds_all)}, max {max(fds_all)}"
         if samples else "-"),
        ("fd slope (after warm-up)", f"{fd_slope:.2f} fds/h (bound {a.fd_slope:.1f} in the full form)"),
        ("journal verify", "ok" if vrc == 0 else "FAILED"),
    ]
    sys.exit(common.report(TAG, figures, failures))


if __name__ == "__main__":
    main()
