#!/usr/bin/env python3
"""A storm of 10,000 events/s for 60 s (--short: 5 s) into one Grace.

    storm.py GRACE [--short] [--seconds S] [--rate LINES_PER_S] [--rss-bound MIB] [--p99-bound MS]

One kernel floods its stdout with `FLOOD error seq=N` lines (RATE a second) and exits every 5 s (restarted at once
by its policy); two more crash every 0.2-1 s. A `log:` trigger matches every flood line and an `exit: "*"`
trigger every exit, each running a short playbook; the global rate limit (`limits.rate`, 20 runs per 10 s) cuts
the storm off, so nearly every firing is journaled as `trigger.suppressed`. Halfway through, a reload (SIGHUP
with an edited configuration) swaps the triggers, which must not reset the rate limit. While it lasts, a client
asks `GET /v1/status` every 20 ms.

Guarantees (any breach exits 1):
- 0 committed events missed by the healer: once the storm is over and Grace is quiet, the healer's newest
  evaluated journal id (`grace_healer_journal_last_id`, /metrics) is the journal's head, it saw every id from
  this Grace's `grace.started` on (`grace_healer_journal_entries_total`), and `grace_healer_journal_missed_total`
  is 0;
- the playbook rate limit holds: in no window of 10 s do more than 20 `trigger.fired` entries start runs;
- peak RSS (VmHWM) stays under --rss-bound (256 MiB) and `GET /v1/status` p99 under --p99-bound (1000 ms),
  every answer 200;
- `grace journal verify` passes.
Reported besides: lines captured and evaluated, observations the healer dropped by design (log lines are not
journaled: a flood of them is bounded by dropping the oldest, docs/runtime.md), journal entries per second.
"""

import argparse
import glob
import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from common import note  # noqa: E402

TAG = "storm"
RATE_RUNS, RATE_PER = 20, 10.0


def configuration(port, rate, window, generation):
    flood = common.kernel_command("flood", rate, 5, window)
    crash = common.kernel_command("crash", 0.2, 1.0, window)
    policy = "restart: {policy: always, backoff: {initial: 20ms, max: 200ms}, intensity: {max: 100000, within: 1m}}\n"
    kernels = [f"kind: kernel\nname: flood\ncommand: {flood}\n{policy}"]
    for i in (1, 2):
        kernels.append(f"kind: kernel\nname: crash-{i}\ncommand: {crash}\n{policy}")
    return {
        "config/grace.yaml": (
            "kind: grace\nname: storm\nstate_dir: state\n"
            f"api: {{listen: \"127.0.0.1:{port}\", rate: {{reads: 100000, writes: 1000}}}}\n"
            f"limits: {{concurrent_runs: 4, rate: {{runs: {RATE_RUNS}, per: {int(RATE_PER)}s}}}}\n"),
        "config/kernels.yaml": "---\n".join(kernels),
        "config/playbooks.yaml": (
            "kind: playbook\nname: note-storm\nparams: {kernel: {type: kernel}}\nsteps:\n"
            "  - notify: \"storm on {{ kernel }}\"\n  - wait: 200ms\n"),
        "config/triggers.yaml": (
            f"kind: trigger\nname: flood-errors\ndescription: generation {generation}\n"
            "when: {log: \"FLOOD error\", kernel: flood}\nrun: note-storm\nwith: {kernel: flood}\n"
            "---\n"
            "kind: trigger\nname: crashed\nwhen: {exit: \"*\"}\nrun: note-storm\n"
            "with: {kernel: \"{{ event.kernel }}\"}\n"),
    }


def metrics(port):
    status, body, _ = common.request(port, "GET", "/metrics", timeout=10)
    out = {}
    if status == 200 and isinstance(body, str):
        for line in body.splitlines():
            if line.startswith("#") or "{" in line:
                continue
            parts = line.split()
            if len(parts) == 2:
                try:
                    out[parts[0]] = float(parts[1])
                except ValueError:
                    pass
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("grace")
    ap.add_argument("--short", action="store_true", help="5 s instead of 60")
    ap.add_argument("--seconds", type=float)
    ap.add_argument("--rate", type=int, default=10000, help="flood lines a second (10000)")
    ap.add_argument("--rss-bound", type=float, default=256.0, help="MiB (256)")
    ap.add_argument("--p99-bound", type=float, default=1000.0, help="ms (1000)")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    binary = os.path.abspath(a.grace)
    seconds = a.seconds or (5.0 if a.short else 60.0)
    port = common.free_port()
    lead = 3.0
    start_at = time.time() + lead
    window = f"window={start_at:.3f}:{start_at + seconds:.3f}"
    root = common.make_root("grace-storm-", configuration(port, a.rate, window, 1))
    if a.keep:
        common.keep_root()
    state = os.path.join(root, "state")
    note(TAG, f"root {root}, {seconds:.0f} s at {a.rate} lines/s, port {port}")
    grace = common.Grace(binary, root, log_level="warning")
    failures = []
    if not common.wait_api(port, grace, timeout=60):
        print("\n".join(grace.tail()))
        sys.exit(common.report(TAG, [], ["Grace did not serve"]))
    first = common.journal(state, kinds=["grace.started"])
    first_id = first[-1][0] if first else 1

    # During the storm: RSS every 0.5 s, GET /v1/status every 20 ms.
    latencies = []
    statuses = {}
    rss = []
    stop = threading.Event()

    def probe():
        while not stop.is_set():
            status, _, elapsed = common.request(port, "GET", "/v1/status", timeout=10)
            if time.time() >= start_at:
                latencies.append(elapsed * 1000.0)
                statuses[status] = statuses.get(status, 0) + 1
            stop.wait(0.02)

    def sample():
        while not stop.is_set():
            rss.append(common.status_kib(grace.pid, "VmRSS"))
            stop.wait(0.5)

    threads = [threading.Thread(target=probe, daemon=True), threading.Thread(target=sample, daemon=True)]
    for t in threads:
        t.start()
    rss_before = common.status_kib(grace.pid, "VmRSS")
    time.sleep(max(0.0, start_at - time.time()))
    # Halfway: a reload that changes the triggers (their description), which must keep the rate limit's window.
    time.sleep(seconds / 2)
    common.write_files(root, configuration(port, a.rate, window, 2))
    os.kill(grace.pid, signal.SIGHUP)
    time.sleep(max(0.0, start_at + seconds - time.time()))
    stop.set()
    for t in threads:
        t.join(15)
    storm_end = time.time()

    # Quiet again: wait until the healer has evaluated the journal's head, and the head stays put.
    deadline = time.monotonic() + 120
    m = {}
    head = 0
    drained = None
    while time.monotonic() < deadline:
        m = metrics(port)
        entries = common.journal(state, after=max(0, head - 1))
        head = entries[-1][0] if entries else head
        if m.get("grace_healer_journal_last_id") == head:
            time.sleep(1.0)
            again = common.journal(state, after=head)
            m = metrics(port)
            if not again and m.get("grace_healer_journal_last_id") == head:
                drained = time.time() - storm_end
                break
        time.sleep(0.2)
    hwm = common.status_kib(grace.pid, "VmHWM")
    rss_after = common.status_kib(grace.pid, "VmRSS")
    rc = grace.stop(120)
    if rc != 0:
        failures.append(f"Grace exited {rc} on SIGTERM")
    vrc, vout = common.verify(binary, state)
    if vrc != 0:
        failures.append(f"journal verify: {vout[-300:]}")

    entries = common.journal(state)
    mine = [e for e in entries if e[0] >= first_id]
    evaluated = int(m.get("grace_healer_journal_entries_total", -1))
    missed = int(m.get("grace_healer_journal_missed_total", -1))
    last_id = int(m.get("grace_healer_journal_last_id", -1))
    expected = head - first_id + 1
    if drained is None:
        failures.append(f"the healer did not reach the journal's head within 120 s (last {last_id}, head {head})")
    if missed != 0:
        failures.append(f"the healer missed {missed} journal entries")
    if evaluated != expected:
        failures.append(f"the healer evaluated {evaluated} entries of the {expected} from grace.started to the head")

    # The rate limit: trigger.fired times (ms), any window of RATE_PER seconds.
    fired = []
    import sqlite3
    conn = sqlite3.connect(f"file:{os.path.join(state, 'grace.sqlite')}?mode=ro", uri=True)
    fired = [t for (t,) in conn.execute("SELECT time FROM journal WHERE kind = 'trigger.fired' ORDER BY id")]
    times = {k: v for k, v in conn.execute(
        "SELECT kind, COUNT(*) FROM journal WHERE time >= ? AND time < ? GROUP BY kind",
        (int(start_at * 1000), int((start_at + seconds) * 1000)))}
    conn.close()
    worst = 0
    j = 0
    for i in range(len(fired)):
        while fired[i] - fired[j] >= RATE_PER * 1000 - 20:  # 20 ms for the clock the journal stamps with
            j += 1
        worst = max(worst, i - j + 1)
    if worst > RATE_RUNS:
        failures.append(f"rate limit broken: {worst} runs in {RATE_PER:.0f} s (limit {RATE_RUNS})")

    lines = 0
    for path in glob.glob(os.path.join(state, "logs", "flood.log*")):
        with open(path, "rb") as f:
            lines += sum(1 for line in f if line.startswith(b"FLOOD") or b"FLOOD error" in line)
    in_storm = sum(times.values())
    p50 = common.percentile(latencies, 50)
    p99 = common.percentile(latencies, 99)
    hwm_mib = hwm / 1024.0
    if hwm_mib > a.rss_bound:
        failures.append(f"peak RSS {hwm_mib:.1f} MiB over the bound {a.rss_bound:.0f}")
    if p99 is None or p99 > a.p99_bound:
        failures.append(f"GET /v1/status p99 {p99} ms over {a.p99_bound:.0f} ms")
    if set(statuses) - {200}:
        failures.append(f"GET /v1/status answered {statuses}")
    suppressed = times.get("trigger.suppressed", 0)
    figures = [
        ("storm", f"{seconds:.0f} s, flood {a.rate} lines/s + 2 kernels crashing every 0.2-1 s, a reload halfway"),
        ("flood lines captured (all lives)", f"{lines} ({lines / seconds:.0f}/s over the storm)"),
        ("journal entries in the storm", f"{in_storm} ({in_storm / seconds:.0f}/s): {suppressed} trigger.suppressed, "
         f"{times.get('trigger.fired', 0)} trigger.fired, {times.get('kernel.exited', 0)} kernel.exited"),
        ("events per second (lines + entries)", f"{(lines + in_storm) / seconds:.0f}"),
        ("healer: journal entries evaluated", f"{evaluated} of {expected} (ids {first_id}..{head}), missed {missed}"),
        ("healer: log lines evaluated", int(m.get("grace_healer_log_lines_total", -1))),
        ("healer: dropped by design (log lines, samples)", int(m.get("grace_healer_observations_dropped_total", -1))),
        ("healer: catch-ups from the journal", int(m.get("grace_healer_catch_ups_total", -1))),
        ("healer caught up", f"{drained:.1f} s after the storm" if drained is not None else "no"),
        ("rate limit", f"at most {worst} runs in any {RATE_PER:.0f} s (limit {RATE_RUNS}); {len(fired)} runs in all"),
        ("RSS", f"{rss_before / 1024:.1f} MiB before, {max(rss or [0]) / 1024:.1f} MiB max sampled, "
         f"VmHWM {hwm_mib:.1f} MiB (bound {a.rss_bound:.0f}), {rss_after / 1024:.1f} MiB after"),
        ("GET /v1/status in the storm", f"{len(latencies)} requests, p50 {p50:.1f} ms, p99 {p99:.1f} ms, max "
         f"{max(latencies):.1f} ms, statuses {statuses}" if latencies else "none"),
        ("journal verify", "ok" if vrc == 0 else "FAILED"),
    ]
    sys.exit(common.report(TAG, figures, failures))


if __name__ == "__main__":
    main()
