#!/usr/bin/env python3
"""Supervision benchmark: Grace against runit, supervisord, Monit and a C floor, in one run.

Measures, for each supervisor, run under bench/supervise/subreaper (a child subreaper that reaps orphans at once):

  (a) crash-to-restart latency: SIGKILL of the supervised marker's pid -> the CLOCK_MONOTONIC time the new marker
      read as the first instruction of its main(); KILLS kills, each life between LIFE_MIN and LIFE_MAX seconds
      (over runit's 1 s and Grace's stable_after, so every kill is a "first" failure, restarted at once);
  (b) time to boot 20 kernels: supervisor started -> the last of the 20 markers started (median of BOOT_RUNS);
  (c) the supervisor's RSS (VmRSS) with 20 kernels and its idle CPU over IDLE seconds (utime + stime from
      /proc/PID/stat), after SETTLE seconds.

Writes a markdown report and the raw samples (JSON) into --out, and prints the report.
Called by bench/supervise/run.sh, which builds and installs everything first.
"""

import argparse
import datetime
import json
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def now_ns():
    return time.monotonic_ns()  # CLOCK_MONOTONIC, the clock the marker reads


# --------------------------------------------------------------------------------------------------------------
# /proc


def proc_stat(pid):
    """(state, ppid, utime + stime in ticks, start time in ticks) or None."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], int(fields[1]), int(fields[11]) + int(fields[12]), int(fields[19])


def status_kib(pid, field="VmRSS"):
    """A size from /proc/PID/status (VmRSS, RssAnon, RssFile) in KiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def thread_ns(pid):
    """{tid: CPU time in ns} of the process's live threads (/proc/PID/task/*/schedstat: exact, where stat counts
    ticks of 10 ms)."""
    found = {}
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            found[int(task)] = int(Path(f"/proc/{pid}/task/{task}/schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return found


def rollup_kib(pid, field):
    """A sum over all the process's mappings from /proc/PID/smaps_rollup in KiB: `Pss` (shared pages divided
    among the processes that map them), `Referenced` (pages touched since clear_referenced)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def clear_referenced(pid):
    """Clear the pages' referenced bits (clear_refs 1), to learn afterwards which pages the process touched."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("1")
        return True
    except OSError:
        return False


def children(pid):
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = proc_stat(int(entry))
            if stat and stat[1] == pid:
                found.append(int(entry))
    return found


def exe(pid):
    try:
        return os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return ""


# --------------------------------------------------------------------------------------------------------------
# Marker start records


class StartLog:
    """PREFIX.start: one `NANOSECONDS PID` line per life of one marker."""

    def __init__(self, path):
        self.path = Path(path)

    def records(self):
        try:
            text = self.path.read_text()
        except OSError:
            return []
        out = []
        for line in text.splitlines():
            parts = line.split()
            if len(parts) == 2:
                out.append((int(parts[0]), int(parts[1])))
        return out

    def wait_count(self, count, timeout):
        """Waits until there are more than `count` records; returns the newest, or None after `timeout`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            records = self.records()
            if len(records) > count:
                return records[-1]
            time.sleep(0.001)
        return None


# --------------------------------------------------------------------------------------------------------------
# Supervisors


class Supervisor:
    name = "?"
    latency_note = ""

    def __init__(self, args):
        self.args = args

    def available(self):
        return True

    def prepare(self, directory, names):
        """Writes the configuration for `names` under `directory`; returns the command that runs the supervisor."""
        raise NotImplementedError

    def start_log(self, directory, name):
        return StartLog(directory / "markers" / f"{name}.start")

    def tree(self, main_pid):
        """The pids whose RSS and CPU count as the supervisor's."""
        return [main_pid]


class Floor(Supervisor):
    name = "C floor"
    latency_note = "posix_spawn + waitpid loop (floor.c), nothing else"

    def prepare(self, directory, names):
        (directory / "markers").mkdir(parents=True, exist_ok=True)
        assert len(names) == 1
        return [self.args.floor, "1000000", self.args.marker, str(directory / "markers" / names[0])]


class Grace(Supervisor):
    name = "Grace"
    latency_note = "`grace run`, restart: always, stable_after: 100ms"

    def prepare(self, directory, names):
        (directory / "markers").mkdir(parents=True, exist_ok=True)
        config = directory / "config"
        config.mkdir(parents=True, exist_ok=True)
        (config / "grace.yaml").write_text(
            f"kind: grace\nname: bench\nstate_dir: {directory / 'state'}\n")
        documents = []
        for name in names:
            documents.append(
                f"kind: kernel\nname: {name}\n"
                f"command: [{self.args.marker}, {directory / 'markers' / name}]\n"
                "restart: {policy: always, stable_after: 100ms, intensity: {max: 100000, within: 1m}}\n"
                "stop: {signal: SIGKILL, grace: 1s}\n")
        (config / "kernels.yaml").write_text("---\n".join(documents))
        return [self.args.grace, "run", *self.args.grace_flags, str(config)]


class GraceBaseline(Grace):
    """Another build of Grace (`--grace-baseline`), measured beside the one under test: before/after in one run."""
    name = "Grace (baseline)"

    def prepare(self, directory, names):
        command = super().prepare(directory, names)
        return [self.args.grace_baseline, *command[1:]]


class Runit(Supervisor):
    name = "runit"
    latency_note = "runsv; `run` is the marker itself (no shell); runsv waits 1 s after a life under 1 s"

    def available(self):
        return shutil.which("runsv") and shutil.which("runsvdir")

    def prepare(self, directory, names):
        services = directory / "service"
        for name in names:
            service = services / name
            service.mkdir(parents=True, exist_ok=True)
            (service / "run").symlink_to(self.args.marker)  # started with no argument: writes ./marker.start
        if len(names) == 1:
            return ["runsv", str(services / names[0])]
        return ["runsvdir", str(services)]

    def start_log(self, directory, name):
        return StartLog(directory / "service" / name / "marker.start")

    def tree(self, main_pid):
        # runsvdir supervises one runsv per service: the tree is what runit costs.
        return [main_pid] + [pid for pid in children(main_pid) if exe(pid) != self.args.marker]


class Supervisord(Supervisor):
    name = "supervisord"
    latency_note = "startsecs=0, autorestart=true"

    def available(self):
        return bool(self.args.supervisord)

    def prepare(self, directory, names):
        (directory / "markers").mkdir(parents=True, exist_ok=True)
        lines = [
            "[supervisord]", "nodaemon=true", "user=root", f"logfile={directory / 'supervisord.log'}",
            f"pidfile={directory / 'supervisord.pid'}", f"childlogdir={directory}", "",
        ]
        for name in names:
            lines += [
                f"[program:{name}]", f"command={self.args.marker} {directory / 'markers' / name}", "startsecs=0",
                "autorestart=true", "startretries=1000", "stopsignal=KILL", "stdout_logfile=NONE",
                "stderr_logfile=NONE", "",
            ]
        conf = directory / "supervisord.conf"
        conf.write_text("\n".join(lines))
        return [self.args.supervisord, "-c", str(conf)]


class Monit(Supervisor):
    name = "Monit"
    latency_note = "`set daemon 1`, pidfile check; the marker daemonises (`-d`)"

    def available(self):
        return bool(shutil.which("monit"))

    def prepare(self, directory, names):
        (directory / "markers").mkdir(parents=True, exist_ok=True)
        lines = [
            "set daemon 1", f"set logfile {directory / 'monit.log'}", f"set pidfile {directory / 'monit.pid'}",
            f"set idfile {directory / 'monit.id'}", f"set statefile {directory / 'monit.state'}", "",
        ]
        for name in names:
            prefix = directory / "markers" / name
            lines += [
                f"check process {name} with pidfile {prefix}.pid",
                f'  start program = "{self.args.marker} -d {prefix}"',
                "", ]
        rc = directory / "monitrc"
        rc.write_text("\n".join(lines))
        rc.chmod(0o600)
        return ["monit", "-I", "-c", str(rc)]


# --------------------------------------------------------------------------------------------------------------
# Running one supervisor


class Running:
    """A supervisor started under the subreaper; always stopped, whatever happens."""

    def __init__(self, args, command, log_path, bound):
        self.args = args
        self.log = open(log_path, "wb")
        self.process = subprocess.Popen(
            [args.subreaper, str(bound), *command], stdout=self.log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)
        self.main_pid = None

    def supervisor_pid(self, timeout=10):
        """The supervisor: the subreaper's child that is not a marker (the subreaper exec'd it in that pid)."""
        deadline = time.monotonic() + timeout
        while self.main_pid is None and time.monotonic() < deadline:
            candidates = [pid for pid in children(self.process.pid) if exe(pid) != self.args.marker]
            if candidates:
                self.main_pid = min(candidates, key=lambda pid: proc_stat(pid)[3] if proc_stat(pid) else 1 << 62)
            else:
                time.sleep(0.01)
        return self.main_pid

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # the subreaper passes it on, then kills what is left
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log.close()


def percentile(sorted_values, fraction):
    """Nearest-rank percentile."""
    if not sorted_values:
        return None
    rank = max(1, int(-(-fraction * len(sorted_values) // 1)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def measure_latency(args, supervisors, out):
    """All supervisors run at once, each with one marker; kills go round-robin (in a random order each round), one
    kill in flight at a time, so that a change in the machine's load is shared by all instead of skewing one."""
    states = []
    bound = 120 + args.kills * (args.life_max + 5) * len(supervisors)
    try:
        for key, supervisor in supervisors:
            directory = out / key / "latency"
            directory.mkdir(parents=True, exist_ok=True)
            command = supervisor.prepare(directory, ["k01"])
            states.append({
                "supervisor": supervisor, "log": supervisor.start_log(directory, "k01"), "samples": [],
                "failures": 0, "running": Running(args, command, directory / "supervisor.log", bound),
            })
        for state in states:
            state["latest"] = state["log"].wait_count(0, timeout=30)
            if state["latest"] is None:
                state["error"] = "the marker never started"
        rng = random.Random(args.seed)
        for round_number in range(args.kills):
            order = list(states)
            rng.shuffle(order)
            for state in order:
                if "error" in state:
                    continue
                log = state["log"]
                count = len(log.records())
                started_ns, pid = state["latest"]
                wait = started_ns / 1e9 + rng.uniform(args.life_min, args.life_max) - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                before = now_ns()
                os.kill(pid, signal.SIGKILL)
                new = log.wait_count(count, timeout=10)
                if new is None:
                    state["failures"] += 1
                    new = log.wait_count(count, timeout=20)  # a last chance before giving up on this one
                    if new is None:
                        state["error"] = f"no restart within 30 s after kill {round_number + 1}"
                        continue
                else:
                    state["samples"].append((new[0] - before) / 1e6)
                state["latest"] = new
            if (round_number + 1) % 10 == 0:
                print(f"measure: {round_number + 1} kills each", file=sys.stderr, flush=True)
    finally:
        for state in states:
            state["running"].stop()
    results = {}
    for state in states:
        samples = state["samples"]
        result = {"samples": samples, "failures": state["failures"], "note": state["supervisor"].latency_note}
        if "error" in state:
            result["error"] = state["error"]
        if samples:
            ordered = sorted(samples)
            result.update(
                min=ordered[0], median=statistics.median(ordered), p95=percentile(ordered, 0.95), max=ordered[-1])
        results[state["supervisor"].name] = result
    return results


def measure_boot(args, supervisor, directory, run, last):
    """One boot of `args.kernels` kernels; on the last run, the supervisor's RSS and idle CPU too."""
    names = [f"k{i:02d}" for i in range(1, args.kernels + 1)]
    run_dir = directory / f"run{run}"
    run_dir.mkdir(parents=True, exist_ok=True)
    command = supervisor.prepare(run_dir, names)
    logs = [supervisor.start_log(run_dir, name) for name in names]
    before = now_ns()
    running = Running(args, command, run_dir / "supervisor.log", 120 + args.settle + args.idle)
    try:
        deadline = time.monotonic() + 60
        firsts = {}
        while len(firsts) < len(names) and time.monotonic() < deadline:
            for name, log in zip(names, logs):
                if name not in firsts:
                    records = log.records()
                    if records:
                        firsts[name] = records[0][0]
            time.sleep(0.002)
        if len(firsts) < len(names):
            return None, {}
        boot = (max(firsts.values()) - before) / 1e6
        return boot, (measure_idle(args, supervisor, running) if last else {})
    finally:
        running.stop()


def measure_idle(args, supervisor, running):
    main = running.supervisor_pid()
    if main is None:
        return {}
    time.sleep(args.settle)
    tree = supervisor.tree(main)

    def ticks():
        return sum((proc_stat(pid) or (0, 0, 0, 0))[2] for pid in tree)

    # Threads come and go (a thread that exits takes its schedstat with it), so every thread's time is followed
    # every 100 ms and its growth summed: threads born in the window count from 0, one that dies counts up to its
    # last sample (a lower bound by at most 100 ms of its life).
    first, last = {}, {}
    for pid in tree:
        for tid, value in thread_ns(pid).items():
            first[tid] = last[tid] = value
    cleared = all([clear_referenced(pid) for pid in tree])
    start_ticks, start = ticks(), time.monotonic()
    while time.monotonic() - start < args.idle:
        time.sleep(0.1)
        for pid in tree:
            for tid, value in thread_ns(pid).items():
                first.setdefault(tid, 0)
                last[tid] = value
    used, elapsed = ticks() - start_ticks, time.monotonic() - start
    used_ns = sum(last[tid] - first[tid] for tid in last)
    return {
        "rss_mib": sum(status_kib(pid) or 0 for pid in tree) / 1024,
        "rss_anon_mib": sum(status_kib(pid, "RssAnon") or 0 for pid in tree) / 1024,
        "rss_file_mib": sum(status_kib(pid, "RssFile") or 0 for pid in tree) / 1024,
        "pss_mib": sum(rollup_kib(pid, "Pss") or 0 for pid in tree) / 1024,
        # Pages touched during the idle window: what the supervisor needs while it watches. The rest of its RSS is
        # clean pages mapped at start (configuration compile, API setup) that the kernel reclaims under pressure.
        "working_set_mib": (sum(rollup_kib(pid, "Referenced") or 0 for pid in tree) / 1024) if cleared else None,
        "cpu_percent": 100.0 * used / CLOCK_TICKS / elapsed,
        "cpu_percent_schedstat": 100.0 * used_ns / 1e9 / elapsed,
        "processes": len(tree), "idle_seconds": elapsed,
        "threads": sum(threads(pid) or 0 for pid in tree),
    }


def threads(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/task"))
    except OSError:
        return None


def fmt(value, digits=2):
    if value is None:
        return "–"
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def versus(grace, other):
    """`Grace ÷ other` and in words."""
    if grace is None or other is None or other == 0 or grace == 0:
        return "–", "–"
    ratio = grace / other
    words = f"{ratio:.1f}× slower" if ratio >= 1 else f"{1 / ratio:.0f}× faster" if 1 / ratio >= 10 else f"{1 / ratio:.1f}× faster"
    return (f"{ratio:.3g}", words)


def report(args, latency, boot, meta):
    lines = [f"# grace run: supervision benchmark — {meta['date']}", ""]
    lines.append(
        f"Machine: {meta['cpus']} cores ({meta['cpu_model']}), Linux {meta['kernel']}; load average "
        f"{meta['load_before']} before, {meta['load_after']} after. Grace {meta['grace_version']}"
        f" ({meta['grace_binary']}). Peers: {meta['peers']}.")
    lines.append("")
    lines.append(
        f"## Crash-to-restart latency (ms): SIGKILL → the new process's first instruction, {args.kills} kills each")
    lines.append("")
    lines.append("| supervisor | how | kills | min | median | p95 | max | Grace median ÷ this | |")
    lines.append("|---|---|---:|---:|---:|---:|---:|---:|---|")
    grace_median = latency.get("Grace", {}).get("median")
    for name, result in latency.items():
        if "error" in result:
            lines.append(f"| {name} | {result.get('note', '')} | 0 | – | – | – | – | – | {result['error']} |")
            continue
        ratio, words = versus(grace_median, result.get("median")) if name != "Grace" else ("1", "")
        failures = f" ({result['failures']} lost)" if result.get("failures") else ""
        lines.append(
            f"| {name} | {result.get('note', '')} | {len(result['samples'])}{failures} | {fmt(result.get('min'))} | "
            f"{fmt(result.get('median'))} | {fmt(result.get('p95'))} | {fmt(result.get('max'))} | {ratio} | {words} |")
    lines.append("")
    lines.append(
        f"## {args.kernels} kernels: boot, RSS, idle working set and idle CPU ({args.idle:.0f} s, "
        f"after {args.settle:.0f} s settling)")
    lines.append("")
    lines.append(
        "| supervisor | boot (ms, median of runs) | RSS (MiB) | of which anon / file | PSS (MiB) "
        "| idle working set (MiB) | idle CPU % (stat) | idle CPU % (schedstat) | threads "
        "| Grace ÷ this: boot | RSS | CPU (schedstat) |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    g = boot.get("Grace", {})
    keys = ("boot", "rss_mib", "cpu_percent_schedstat")
    for name, result in boot.items():
        cells = [
            fmt(result.get("boot"), 1), fmt(result.get("rss_mib"), 1),
            f"{fmt(result.get('rss_anon_mib'), 1)} / {fmt(result.get('rss_file_mib'), 1)}",
            fmt(result.get("pss_mib"), 1), fmt(result.get("working_set_mib"), 1), fmt(result.get("cpu_percent"), 3),
            fmt(result.get("cpu_percent_schedstat"), 3),
            str(result["threads"]) if result.get("threads") is not None else "–",
        ]
        ratios = ["1"] * 3 if name == "Grace" else [versus(g.get(k), result.get(k))[0] for k in keys]
        extra = f" ({result['processes']} processes)" if result.get("processes", 1) > 1 else ""
        lines.append(f"| {name}{extra} | " + " | ".join(cells + ratios) + " |")
    lines.append("")
    lines.append("## Targets (issue 3)")
    lines.append("")
    checks = [
        ("median crash-to-restart < 2 ms", grace_median, 2.0, "ms"),
        (f"RSS < 20 MB with {args.kernels} kernels", g.get("rss_mib"), 20 * 1e6 / 2**20, "MiB"),
        ("idle CPU < 0.5 % (utime+stime)", g.get("cpu_percent"), 0.5, "%"),
        ("idle CPU < 0.5 % (schedstat)", g.get("cpu_percent_schedstat"), 0.5, "%"),
    ]
    for label, value, limit, unit in checks:
        verdict = "–" if value is None else ("met" if value < limit else "MISSED")
        lines.append(f"- {label}: {fmt(value, 3)} {unit} — **{verdict}**")
    lines.append("")
    lines.append(
        "Each supervisor runs under a child subreaper that reaps orphans at once (bench/supervise/subreaper.c). "
        "The marker (marker.c, static) reads CLOCK_MONOTONIC as the first instruction of main(); the driver reads "
        "the same clock just before kill(2). Lives last "
        f"{args.life_min}-{args.life_max} s (random), longer than runit's 1 s minimum and Grace's stable_after.")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--grace", required=True)
    parser.add_argument("--grace-flag", dest="grace_flags", action="append", default=[])
    parser.add_argument("--grace-baseline", default=None, help="another grace binary to measure beside --grace")
    parser.add_argument("--marker", required=True)
    parser.add_argument("--floor", required=True)
    parser.add_argument("--subreaper", required=True)
    parser.add_argument("--supervisord", default=None)
    parser.add_argument("--out", required=True, help="directory for the run's files")
    parser.add_argument("--report", required=True, help="markdown report to write")
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--life-min", type=float, default=1.1)
    parser.add_argument("--life-max", type=float, default=2.1)
    parser.add_argument("--kernels", type=int, default=20)
    parser.add_argument("--boot-runs", type=int, default=3)
    parser.add_argument("--settle", type=float, default=5)
    parser.add_argument("--idle", type=float, default=30)
    parser.add_argument("--only", default="", help="comma-separated subset: floor,grace,runit,supervisord,monit")
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    for key in ("grace", "grace_baseline", "marker", "floor", "subreaper", "supervisord"):
        if getattr(args, key):
            setattr(args, key, os.path.realpath(getattr(args, key)))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    every = {"floor": Floor, "grace": Grace, "runit": Runit, "supervisord": Supervisord, "monit": Monit}
    if args.grace_baseline:
        every = {"floor": Floor, "grace": Grace, "baseline": GraceBaseline, "runit": Runit,
                 "supervisord": Supervisord, "monit": Monit}
    chosen = [key for key in every if not args.only or key in args.only.split(",") or key == "baseline"]
    supervisors = []
    for key in chosen:
        supervisor = every[key](args)
        if supervisor.available():
            supervisors.append((key, supervisor))
        else:
            print(f"measure: {supervisor.name} is not installed; skipped", file=sys.stderr)

    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": os.cpu_count(), "kernel": platform.release(),
        "cpu_model": next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                           if l.startswith("model name")), "?"),
        "load_before": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
        "grace_binary": args.grace,
        "grace_version": subprocess.run([args.grace, "--version"], capture_output=True, text=True).stdout.strip(),
        "peers": ", ".join(peer_versions(args)),
    }

    print(f"measure: crash-to-restart, {args.kills} kills each of {', '.join(s.name for _, s in supervisors)} ...",
          file=sys.stderr, flush=True)
    latency = measure_latency(args, supervisors, out)
    for name, result in latency.items():
        print(f"measure: {name}: median {fmt(result.get('median'))} ms {result.get('error', '')}", file=sys.stderr)
    booting = [(key, supervisor) for key, supervisor in supervisors if key != "floor"]
    boots = {supervisor.name: [] for _, supervisor in booting}
    boot = {supervisor.name: {} for _, supervisor in booting}
    for run in range(1, args.boot_runs + 1):
        for key, supervisor in booting:
            last = run == args.boot_runs
            print(f"measure: {supervisor.name}: boot {args.kernels} kernels, run {run}"
                  + (f", then {args.idle:.0f} s idle" if last else ""), file=sys.stderr, flush=True)
            took, resources = measure_boot(args, supervisor, out / key / "boot", run, last)
            boots[supervisor.name].append(took)
            boot[supervisor.name].update(resources)
    for name, values in boots.items():
        good = [b for b in values if b is not None]
        boot[name].update(boots=values, boot=statistics.median(good) if good else None)
    meta["load_after"] = " ".join(Path("/proc/loadavg").read_text().split()[:3])

    text = report(args, latency, boot, meta)
    Path(args.report).write_text(text)
    (out / "results.json").write_text(json.dumps({"meta": meta, "latency": latency, "boot": boot}, indent=1))
    print(text)


def peer_versions(args):
    def run(command):
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=10)
            return ((result.stdout or result.stderr).strip().splitlines() or [""])[0]
        except (OSError, subprocess.TimeoutExpired):
            return ""
    versions = []
    if shutil.which("runsv"):
        versions.append(f"runit {run(['dpkg-query', '-W', '-f', '${Version}', 'runit']) or '?'} (Debian)")
    if args.supervisord:
        versions.append(f"supervisord {run([args.supervisord, '--version']) or '?'} (PyPI)")
    if shutil.which("monit"):
        versions.append(f"Monit {run(['monit', '-V']).replace('This is Monit version ', '') or '?'} (Debian)")
    return versions


if __name__ == "__main__":
    main()
