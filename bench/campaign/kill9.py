#!/usr/bin/env python3
"""kill -9 of Grace at random moments of a busy run, N times (100; --short: 5).

    kill9.py GRACE [--short] [--kills N] [--seed S]

The configuration: three kernels that crash every 0.5-2.5 s (restart policy `always`), a trigger on every exit
that runs a playbook taking 1.5 s (so that runs are in flight when Grace dies), two steady kernels, one with
`data:` for snapshots, and one whose environment a reloader flips. While Grace runs, writers use the API with the
token (restart a kernel, run a playbook, take a snapshot, reload) and a reloader edits the configuration and
sends SIGHUP or runs `grace reload`. After 1-4 s Grace is SIGKILLed and started again on the same state
directory. Guarantees checked (any breach exits 1):

- the next Grace acquires the state-directory lock (flock: released by the kernel when its holder died) and
  serves, every time;
- acknowledged writes are journaled: every `POST` answered 2xx is in the journal of the Grace that answered it
  (a run's id: `run.started` and its end; a snapshot's id: `snapshot.created`; a restart: a
  `kernel.restart_requested` with origin `api`; a reload, by the API or `grace reload`: a `config.*` entry
  journaled between its request and its answer, since requests that arrive during a reload share the next one);
- `grace journal verify` passes after every kill and at the end;
- no orphaned or duplicated kernel: once the new Grace is up, no process of the killed one's kernels survives
  (found by the `GRACE_STATE_DIR` in their environment), at most one process-group leader runs per kernel, and
  it is the pid the API reports; after the final SIGTERM none is left;
- interrupted runs are retried as journaled: every run left unfinished by a kill is retried by a later Grace
  (`run.interrupted`, then a run `ID-retry`) or abandoned (`run.abandoned`), and no run id starts twice; the last
  Grace is stopped (SIGTERM) only once the journal shows no run open.
"""

import argparse
import os
import random
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from common import note  # noqa: E402

TAG = "kill9"


def configuration(port, tick):
    crash = common.kernel_command("crash", 0.5, 2.5)
    steady = common.kernel_command("steady")
    kernels = []
    for i in (1, 2, 3):
        kernels.append(
            f"kind: kernel\nname: crash-{i}\ncommand: {crash}\n"
            "restart: {policy: always, backoff: {initial: 50ms, max: 500ms}, intensity: {max: 100000, within: 1m}}\n"
            "stop: {grace: 2s}\n")
    for name in ("steady-1", "steady-2"):
        kernels.append(f"kind: kernel\nname: {name}\ncommand: {steady}\nstop: {{grace: 2s}}\n")
    kernels.append(f"kind: kernel\nname: keeper\ncommand: {steady}\ndata: [data/keeper]\nstop: {{grace: 2s}}\n")
    kernels.append(f"kind: kernel\nname: toggle\ncommand: {steady}\nenv: {{TICK: \"{tick}\"}}\nstop: {{grace: 2s}}\n")
    return {
        "config/grace.yaml": (
            "kind: grace\nname: kill9\nstate_dir: state\n"
            f"api: {{listen: \"127.0.0.1:{port}\", rate: {{reads: 100000, writes: 100000}}}}\n"
            "limits: {concurrent_runs: 4, rate: {runs: 1000, per: 1m}}\n"),
        "config/kernels.yaml": "---\n".join(kernels),
        "config/playbooks.yaml": (
            "kind: playbook\nname: slow-heal\nparams: {kernel: {type: kernel}}\nsteps:\n"
            "  - notify: \"healing {{ kernel }}\"\n"
            "  - wait: 1500ms\n"
            "  - exec: [/bin/true]\n"),
        "config/triggers.yaml": (
            "kind: trigger\nname: crashed\nwhen: {exit: \"*\"}\nrun: slow-heal\n"
            "with: {kernel: \"{{ event.kernel }}\"}\n"),
        "data/keeper/file.txt": "keeper's data\n",
    }


class Busy:
    """The writers and the reloader of one Grace; what the API acknowledged is in `acks`."""

    def __init__(self, grace, root, port, token, binary, rng, tick):
        self.grace, self.root, self.port, self.token, self.binary = grace, root, port, token, binary
        self.rng = rng
        self.tick = tick
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        # Reloads: the wall-clock window (ms) of each acknowledged request. Requests that arrive while a reload
        # runs share the next one (ConfigurationReloader), whose entry may name another requester's reason, so a
        # reload counts as journaled when a config.* entry falls inside its request's window.
        self.acks = {"restart": 0, "run": [], "snapshot": [], "reload_api": [], "reload_cli": []}
        self.sent = {"restart": 0, "run": 0, "snapshot": 0, "reload_api": 0, "reload_cli": 0, "sighup": 0}
        self.threads = [threading.Thread(target=self.writer, daemon=True, args=(rng.random(),)) for _ in range(2)]
        self.threads.append(threading.Thread(target=self.reloader, daemon=True, args=(rng.random(),)))

    def start(self):
        for t in self.threads:
            t.start()

    def finish(self):
        self.stop_event.set()
        for t in self.threads:
            t.join(30)

    def post(self, path, body=None):
        return common.request(self.port, "POST", path, token=self.token, body=body, timeout=15)

    def writer(self, seed):
        rng = random.Random(seed)
        while not self.stop_event.is_set():
            action = rng.choice(["restart", "restart", "run", "run", "snapshot", "reload_api"])
            with self.lock:
                self.sent[action] += 1
            if action == "restart":
                status, body, _ = self.post("/v1/kernels/steady-1/restart")
                if 200 <= status < 300:
                    with self.lock:
                        self.acks["restart"] += 1
            elif action == "run":
                status, body, _ = self.post("/v1/playbooks/slow-heal/run", {"params": {"kernel": "steady-2"}})
                if 200 <= status < 300 and isinstance(body, dict) and body.get("run"):
                    with self.lock:
                        self.acks["run"].append(body["run"])
            elif action == "snapshot":
                status, body, _ = self.post("/v1/snapshots", {"kernel": "keeper"})
                if 200 <= status < 300 and isinstance(body, dict) and body.get("id"):
                    with self.lock:
                        self.acks["snapshot"].append(body["id"])
            else:
                sent = time.time() * 1000
                status, body, _ = self.post("/v1/reload")
                if 200 <= status < 300:
                    with self.lock:
                        self.acks["reload_api"].append((sent, time.time() * 1000))
            self.stop_event.wait(rng.uniform(0.02, 0.2))

    def reloader(self, seed):
        rng = random.Random(seed)
        while not self.stop_event.wait(rng.uniform(0.3, 0.9)):
            self.tick[0] += 1
            common.write_files(self.root, {"config/kernels.yaml": configuration(self.port, self.tick[0])[
                "config/kernels.yaml"]})
            if rng.random() < 0.5:
                try:
                    os.kill(self.grace.pid, signal.SIGHUP)
                    with self.lock:
                        self.sent["sighup"] += 1
                except ProcessLookupError:
                    return
            else:
                with self.lock:
                    self.sent["reload_cli"] += 1
                try:
                    sent = time.time() * 1000
                    p = subprocess.run([self.binary, "reload"], cwd=self.root, capture_output=True, timeout=20,
                                       env=dict(os.environ, NO_COLOR="1"))
                    if p.returncode == 0:
                        with self.lock:
                            self.acks["reload_cli"].append((sent, time.time() * 1000))
                except subprocess.TimeoutExpired:
                    pass


def check_processes(port, state, old, deadline_s=15.0):
    """Waits (up to deadline_s) until the new Grace has no leftover of `old` (pid -> kernel), at most one leader
    per kernel, and the API's pids are the live ones. Returns (problems, seconds it took)."""
    t0 = time.monotonic()
    problems = []
    while True:
        procs = common.kernel_processes(state)
        problems = []
        alive_old = [f"{k}:{p}" for k, pids in procs.items() for p in pids if p in old]
        if alive_old:
            problems.append("leftover of the killed Grace still running: " + ",".join(alive_old))
        dup = {k: v for k, v in procs.items() if len(v) > 1}
        if dup:
            problems.append(f"duplicated kernels: {dup}")
        status, body, _ = common.request(port, "GET", "/v1/kernels", timeout=5)
        if status == 200 and isinstance(body, dict):
            reported = {k["name"]: k.get("pid") for k in body.get("kernels", [])}
            procs = common.kernel_processes(state)  # again, after the API answered
            for k, pids in procs.items():
                if k not in reported:
                    problems.append(f"unknown kernel process {k}:{pids}")
                elif reported[k] not in pids:
                    problems.append(f"{k}: running {pids} but the API says pid {reported[k]}")
        else:
            problems.append(f"GET /v1/kernels answered {status}")
        if not problems or time.monotonic() - t0 > deadline_s:
            return problems, time.monotonic() - t0
        time.sleep(0.1)


def incarnations(entries):
    """Journal entry id -> the pid of the Grace that wrote it (by the latest `grace.started` before it)."""
    owner = {}
    current = None
    for id_, kind, _, fields in entries:
        if kind == "grace.started":
            current = str(fields.get("pid"))
        owner[id_] = current
    return owner


def check_acks(entries, acked, times):
    """acked: [(grace pid, acks)]; times: entry id -> journal time (ms). Returns (problems, totals, lost)."""
    owner = incarnations(entries)
    times_by_pid = {}
    for id_, kind, _, _ in entries:
        times_by_pid.setdefault(owner[id_], []).append((times[id_], kind))
    by_pid = {}
    for e in entries:
        by_pid.setdefault(owner[e[0]], []).append(e)
    problems = []
    totals = {"restart": 0, "run": 0, "snapshot": 0, "reload_api": 0, "reload_cli": 0}
    lost = 0
    for pid, acks in acked:
        mine = by_pid.get(str(pid), [])
        restarts = sum(1 for _, k, kern, f in mine
                       if k == "kernel.restart_requested" and kern == "steady-1" and f.get("origin") == "api")
        started = {f.get("run") for _, k, _, f in mine if k == "run.started"}
        ended = {f.get("run") for _, k, _, f in mine if k in ("run.succeeded", "run.failed")}
        snaps = {f.get("id") for _, k, _, f in mine if k == "snapshot.created"}
        reload_times = [t for t, k in times_by_pid.get(str(pid), []) if k.startswith("config.")]
        totals["restart"] += acks["restart"]
        totals["run"] += len(acks["run"])
        totals["snapshot"] += len(acks["snapshot"])
        totals["reload_api"] += len(acks["reload_api"])
        totals["reload_cli"] += len(acks["reload_cli"])
        if restarts < acks["restart"]:
            lost += acks["restart"] - restarts
            problems.append(f"grace {pid}: {acks['restart']} restarts acknowledged, {restarts} journaled")
        for run in acks["run"]:
            if run not in started or run not in ended:
                lost += 1
                problems.append(f"grace {pid}: run {run} acknowledged but not journaled (started and ended)")
        for snap in acks["snapshot"]:
            if snap not in snaps:
                lost += 1
                problems.append(f"grace {pid}: snapshot {snap} acknowledged but not journaled")
        for what in ("reload_api", "reload_cli"):
            for sent, answered in acks[what]:
                # Journal times are whole milliseconds of the same wall clock.
                if not any(sent - 1 <= t <= answered + 1 for t in reload_times):
                    lost += 1
                    problems.append(f"grace {pid}: a {what} acknowledged at {answered:.0f} has no config.* entry "
                                    f"between {sent:.0f} and {answered:.0f}")
    return problems, totals, lost


def check_runs(entries):
    """Every run left open is retried (a run `ID-retry` started) or abandoned; no run id starts twice."""
    started = {}
    finished = set()
    abandoned = set()
    interrupted = {}
    for id_, kind, _, f in entries:
        run = f.get("run")
        if kind == "run.started" and not f.get("parent"):
            started.setdefault(run, []).append(id_)
        elif kind in ("run.succeeded", "run.failed"):
            finished.add(run)
        elif kind == "run.abandoned":
            abandoned.add(run)
        elif kind == "run.interrupted":
            interrupted[run] = interrupted.get(run, 0) + 1
    problems = []
    dups = {r: len(ids) for r, ids in started.items() if len(ids) > 1}
    if dups:
        sample = ", ".join(f"{r} x{n}" for r, n in sorted(dups.items())[:5])
        problems.append(f"{len(dups)} run ids started more than once ({sample})")
    opened = [r for r in started if r not in finished]
    unresolved = [r for r in opened if (r + "-retry") not in started and r not in abandoned]
    if unresolved:
        problems.append(f"{len(unresolved)} interrupted runs neither retried nor abandoned: {unresolved[:5]}")
    still_open = [r for r in started if r not in finished and r not in abandoned and (r + "-retry") not in started]
    figures = {
        "runs still open": len(still_open),
        "runs started": sum(len(v) for v in started.values()),
        "runs left open by a kill": len(opened),
        "retried (ID-retry started)": sum(1 for r in opened if (r + "-retry") in started),
        "abandoned": len(abandoned),
        "run.interrupted entries": sum(interrupted.values()),
        "most run.interrupted for one run": max(interrupted.values()) if interrupted else 0,
    }
    return problems, figures


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("grace")
    ap.add_argument("--short", action="store_true", help="5 kills instead of 100")
    ap.add_argument("--kills", type=int)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--keep", action="store_true", help="keep the temporary root")
    a = ap.parse_args()
    binary = os.path.abspath(a.grace)
    kills = a.kills or (5 if a.short else 100)
    rng = random.Random(a.seed)
    port = common.free_port()
    tick = [0]
    root = common.make_root("grace-kill9-", configuration(port, 0))
    if a.keep:
        common.keep_root()
    state = os.path.join(root, "state")
    note(TAG, f"root {root}, {kills} kills, port {port}")

    failures = []
    quiet_head = None
    acked = []
    boot_times = []
    settle_times = []
    busy_times = []
    verify_failures = 0
    lock_failures = 0
    old = {}
    t_start = time.monotonic()
    for i in range(kills + 1):
        final = i == kills
        t0 = time.monotonic()
        grace = common.Grace(binary, root)
        if not common.wait_api(port, grace, timeout=60):
            lock_failures += 1
            failures.append(f"incarnation {i + 1}: Grace did not serve (lock?): " + " | ".join(grace.tail(5)))
            grace.kill9()
            break
        boot_times.append(time.monotonic() - t0)
        token = common.read_token(state)
        problems, settled = check_processes(port, state, old)
        settle_times.append(settled)
        if problems:
            failures.append(f"incarnation {i + 1}: " + "; ".join(problems))
            note(TAG, failures[-1])
        if final:
            break
        busy = Busy(grace, root, port, token, binary, rng, tick)
        busy.start()
        d = rng.uniform(1.0, 4.0)
        busy_times.append(d)
        time.sleep(d)
        old = {p: k for k, pids in common.kernel_processes(state).items() for p in pids}
        grace.kill9()
        busy.finish()
        acked.append((grace.pid, busy.acks))
        rc, out = common.verify(binary, state)
        if rc != 0:
            verify_failures += 1
            failures.append(f"journal verify after kill {i + 1}: {out[-300:]}")
        if (i + 1) % 10 == 0 or a.short:
            note(TAG, f"kill {i + 1}/{kills} done ({time.monotonic() - t_start:.0f} s)")

    # The last Grace: let the retried runs finish, then stop it; nothing of it may be left.
    if grace.alive():
        # Retries queue for the run slots (limits.concurrent_runs) before their run.started: wait until the journal
        # shows every run finished, retried or abandoned, not only until none is running.
        # Its kernels go on crashing, so new runs start all the time: the runs judged are those started until that
        # quiet moment (`quiet_head`); one the SIGTERM interrupts after it is the next Grace's to retry.
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            now = common.journal(state)
            if check_runs(now)[1]["runs still open"] == 0:
                quiet_head = now[-1][0]
                break
            time.sleep(0.5)
        else:
            failures.append("runs still open 180 s after the last start")
        rc = grace.stop(120)
        if rc != 0:
            failures.append(f"the last Grace exited {rc} on SIGTERM")
    left = common.kernel_processes(state)
    time.sleep(0.5)
    left = common.kernel_processes(state)
    if left:
        failures.append(f"kernel processes left after the last Grace stopped: {left}")
    rc, out = common.verify(binary, state)
    if rc != 0:
        verify_failures += 1
        failures.append(f"final journal verify: {out[-300:]}")

    entries = common.journal(state)
    ack_problems, totals, lost = check_acks(entries, acked, common.journal_times(state))
    failures += ack_problems
    run_problems, run_figures = check_runs([e for e in entries if quiet_head is None or e[0] <= quiet_head])
    failures += run_problems
    kinds = {}
    for _, k, _, _ in entries:
        kinds[k] = kinds.get(k, 0) + 1

    figures = [
        ("kills", f"{len(acked)} (planned {kills}), busy {min(busy_times or [0]):.1f}-{max(busy_times or [0]):.1f} s each"),
        ("wall time", f"{time.monotonic() - t_start:.0f} s"),
        ("lock acquired by the next Grace", f"{len(boot_times)}/{len(acked) + 1} starts"),
        ("start to API answering", f"median {common.percentile(boot_times, 50):.3f} s, max {max(boot_times):.3f} s"
         if boot_times else "-"),
        ("until no leftover/duplicate", f"median {common.percentile(settle_times, 50):.2f} s, max "
         f"{max(settle_times):.2f} s" if settle_times else "-"),
        ("acknowledged writes", ", ".join(f"{k} {v}" for k, v in totals.items())),
        ("acknowledged writes lost", lost),
        ("journal entries", f"{len(entries)} ({kinds.get('kernel.exited', 0)} kernel.exited, "
         f"{kinds.get('kernel.leftover_found', 0)} leftover_found, {kinds.get('kernel.leftover_stopped', 0)} "
         f"leftover_stopped, {kinds.get('config.reloaded', 0)} config.reloaded)"),
        ("journal verify failures", verify_failures),
    ] + list(run_figures.items())
    sys.exit(common.report(TAG, figures, failures))


if __name__ == "__main__":
    main()
