#!/usr/bin/env python3
"""End-to-end healing and reload benchmarks with the real `grace` binary (bench/heal/run.sh runs them).

    e2e.py reload      --grace BIN --out JSON [--kernels 1000] [--reps 5]
    e2e.py crash       --grace BIN --out JSON [--runs 20] [--port 18181]
    e2e.py heartbeat   --grace BIN --out JSON [--runs 20] [--port 18182]
    e2e.py corruption  --grace BIN --out JSON [--runs 20] [--port 18183]
    e2e.py supervisord --out JSON [--programs 1000] [--reps 3]

Every time is taken on this process's monotonic clock: a kill or a request is stamped when it is made, a line of
`grace run`'s log (stderr) when it is read from the pipe. Every process started here is recorded in --pids (one
pid a line) so that run.sh's EXIT trap can kill what a crash of this script would leave; this script also stops
everything itself on exit, signal or timeout.
"""

import argparse
import atexit
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

PIDS_FILE = None
DEMO_DIR = None  # a directory holding grace-demo, when it is not next to grace
JITTER = random.Random(42)  # pauses between faults vary, so a fault falls anywhere in the heartbeat cycle


def pause(a):
    time.sleep(a.pause + JITTER.uniform(0, 0.5))
STARTED = []  # (pid, kind) of every process started here, grace and supervisord first
TEMP_DIRS = []


def note(msg):
    print(f"[e2e {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def record_pid(pid, kind):
    STARTED.append((pid, kind))
    if PIDS_FILE:
        with open(PIDS_FILE, "a") as f:
            f.write(f"{pid}\n")


def median(xs):
    return statistics.median(xs) if xs else None


def p95(xs):
    if not xs:
        return None
    s = sorted(xs)
    # nearest rank
    k = max(0, min(len(s) - 1, int(round(0.95 * len(s) + 0.5)) - 1))
    return s[k]


def summary(xs):
    return {"median": median(xs), "p95": p95(xs), "min": min(xs) if xs else None,
            "max": max(xs) if xs else None, "n": len(xs), "values": xs}


def free_port(preferred):
    for port in [preferred] + list(range(preferred + 10, preferred + 200)):
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            s.close()
    raise SystemExit("no free port")


class Grace:
    """`grace run` in the background; its stderr lines, each stamped with the monotonic time it was read."""

    def __init__(self, binary, root, args):
        self.lines = []  # (t, kind, line)
        self.cond = threading.Condition()
        env = dict(os.environ, NO_COLOR="1")
        if DEMO_DIR:
            # grace finds `grace-demo` next to itself, else on PATH.
            env["PATH"] = DEMO_DIR + ":" + env.get("PATH", "")
        self.proc = subprocess.Popen(
            [binary, "run"] + args, cwd=root, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, env=env)
        record_pid(self.proc.pid, "grace")
        self.kernel_pids = set()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for raw in self.proc.stderr:
            t = time.monotonic()
            line = raw.decode("utf-8", "replace").rstrip("\n")
            kind = line.rsplit(" ", 1)[-1] if " " in line else line
            if kind == "kernel.started":
                pid = field("pid", line)
                if pid and pid.isdigit():
                    self.kernel_pids.add(int(pid))
                    if PIDS_FILE:
                        with open(PIDS_FILE, "a") as f:
                            f.write(f"{pid}\n")
            with self.cond:
                self.lines.append((t, kind, line))
                self.cond.notify_all()
        with self.cond:
            self.lines.append((time.monotonic(), "<eof>", "<eof>"))
            self.cond.notify_all()

    def mark(self):
        with self.cond:
            return len(self.lines)

    def wait(self, kind, after=0, kernel=None, timeout=30.0, extra=None):
        """The first line at index >= after of this kind (and kernel); returns (index, t, line) or None."""
        deadline = time.monotonic() + timeout
        with self.cond:
            i = after
            while True:
                while i < len(self.lines):
                    t, k, line = self.lines[i]
                    if k == "<eof>":
                        return None
                    if k == kind and (kernel is None or field("kernel", line) == kernel) and (extra is None or extra(line)):
                        return i, t, line
                    i += 1
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)

    def count(self, kind, after=0, kernel=None):
        with self.cond:
            return sum(1 for _, k, line in self.lines[after:]
                       if k == kind and (kernel is None or field("kernel", line) == kernel))

    def wait_count(self, kind, n, timeout):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                c = sum(1 for _, k, _ in self.lines if k == kind)
                if c >= n or (self.lines and self.lines[-1][1] == "<eof>"):
                    return c
                left = deadline - time.monotonic()
                if left <= 0:
                    return c
                self.cond.wait(min(left, 1.0))

    def tail(self, n=30):
        with self.cond:
            return [line for _, _, line in self.lines[-n:]]

    def stop(self, timeout=120):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                note(f"grace did not stop within {timeout}s: SIGKILL")
                self.proc.kill()
                self.proc.wait()
        # Kernels a killed grace would leave behind (grace stops them itself on SIGTERM).
        for pid in self.kernel_pids:
            kill_if_alive(pid)


def kill_if_alive(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    except PermissionError:
        pass


def field(key, line):
    m = re.search(r"(?:^| )" + re.escape(key) + r"=(\S+)", line)
    return m.group(1) if m else None


def cleanup():
    for pid, kind in reversed(STARTED):
        try:
            os.kill(pid, signal.SIGTERM if kind in ("grace", "supervisord") else signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    for d in TEMP_DIRS:
        shutil.rmtree(d, ignore_errors=True)


def on_signal(signum, _frame):
    note(f"signal {signum}: stopping")
    sys.exit(128 + signum)


def make_root(prefix, files):
    root = tempfile.mkdtemp(prefix=prefix)
    TEMP_DIRS.append(root)
    for path, text in files.items():
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)
    return root


def write_atomically(path, text):
    tmp = path + ".tmp"  # not *.yaml: Grace's inotify watcher ignores it
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


# ---------------------------------------------------------------------------------------------------------------
# (c) reload with 1,000 kernels, one changed

def kernels_yaml(n, changed=None, argument=100000):
    out = []
    for k in range(n):
        arg = argument if k == changed else 100000
        out.append(f"kind: kernel\nname: k{k:04d}\ncommand: [/bin/sleep, \"{arg}\"]\nrestart: {{policy: always}}\n")
    return "---\n".join(out)


class ProcWatcher:
    """Finds the moment a process with a given argv appears, by scanning only new pids in /proc (cheap enough to
    run every 2 ms next to 1,000 sleeping processes). A child between fork and exec still shows its parent's
    argv: such a pid is looked at again until it has exec'd."""

    def __init__(self, parent):
        self.parent = read_cmdline(parent)
        self.seen = set(int(p) for p in os.listdir("/proc") if p.isdigit())

    def wait_for(self, argv, timeout):
        want = ("\0".join(argv) + "\0").encode()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            now = time.monotonic()
            for p in os.listdir("/proc"):
                if not p.isdigit():
                    continue
                pid = int(p)
                if pid in self.seen:
                    continue
                cmd = read_cmdline(pid)
                if cmd is None:
                    self.seen.add(pid)
                    continue
                if not cmd or cmd == self.parent:
                    continue  # not exec'd yet: look again
                self.seen.add(pid)
                if cmd == want:
                    return now, pid
            time.sleep(0.002)
        return None, None


def read_cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read()
    except OSError:
        return None


def scenario_reload(a):
    n = a.kernels
    grace_doc = "kind: grace\nname: heal-bench-reload\nstate_dir: var/grace\ninclude: [config]\n"
    # The kernels live outside the directories Grace watches (include: [config]) so that only `grace reload`
    # reloads: an edit under config/ would also reload by itself (inotify, 150 ms debounce) and race with it.
    root = make_root("healbench-reload-", {"config/grace.yaml": grace_doc, "kernels/kernels.yaml": kernels_yaml(n)})
    note(f"reload: starting grace with {n} kernels in {root}")
    t0 = time.monotonic()
    g = Grace(a.grace, root, ["config", "kernels", "--metrics-interval", str(a.metrics_interval)])
    got = g.wait_count("kernel.started", n, timeout=a.boot_timeout)
    boot_s = time.monotonic() - t0
    result = {"kernels": n, "boot_all_started_s": boot_s, "boot_started": got, "reps": []}
    if got < n:
        result["error"] = f"only {got} of {n} kernels started within {a.boot_timeout}s; last lines: {g.tail(10)}"
        note(result["error"])
        g.stop()
        return result
    note(f"reload: {n} kernels started in {boot_s:.1f}s; settling")
    time.sleep(a.settle)
    rss = rss_kib(g.proc.pid)
    result["grace_rss_mib"] = rss / 1024 if rss else None
    result["grace_threads"] = threads(g.proc.pid)
    state = os.path.join(root, "var/grace")
    changed = n // 2
    name = f"k{changed:04d}"
    for rep in range(1, a.reps + 1):
        argument = 100000 + rep
        write_atomically(os.path.join(root, "kernels/kernels.yaml"), kernels_yaml(n, changed, argument))
        watcher = ProcWatcher(g.proc.pid)
        mark = g.mark()
        found = {}
        th = threading.Thread(target=lambda: found.update(
            zip(("t", "pid"), watcher.wait_for(["/bin/sleep", str(argument)], a.timeout))), daemon=True)
        th.start()
        t_cmd = time.monotonic()
        cmd = subprocess.run([a.grace, "reload", "--state-dir", state], cwd=root, capture_output=True, text=True,
                             timeout=a.timeout)
        t_cmd_done = time.monotonic()
        reloaded = g.wait("config.reloaded", mark, timeout=a.timeout)
        started = g.wait("kernel.started", mark, kernel=name, timeout=a.timeout)
        th.join(a.timeout)
        time.sleep(1.0)  # let any unexpected restart of another kernel show
        others = [line for _, k, line in g.lines[mark:] if k in ("kernel.stopping", "kernel.started", "kernel.stopped")
                  and field("kernel", line) != name]
        rep_result = {
            "rep": rep, "changed": name, "reload_stdout": cmd.stdout.strip().splitlines()[:2],
            "reload_status": cmd.returncode,
            "reload_command_s": t_cmd_done - t_cmd,
            "journal_ms": float(field("ms", reloaded[2])) if reloaded and field("ms", reloaded[2]) else None,
            "to_reloaded_line_s": reloaded[1] - t_cmd if reloaded else None,
            "to_kernel_started_s": started[1] - t_cmd if started else None,
            "to_new_process_s": found["t"] - t_cmd if found.get("t") else None,
            "other_kernels_touched": len(others),
        }
        m = re.search(r"reloaded in ([0-9.]+) ms", cmd.stdout)
        rep_result["reply_ms"] = float(m.group(1)) if m else None
        note(f"reload rep {rep}: {rep_result}")
        result["reps"].append(rep_result)
        time.sleep(a.pause)
    t_stop = time.monotonic()
    g.stop()
    result["stop_all_s"] = time.monotonic() - t_stop
    for key in ("journal_ms", "reload_command_s", "to_reloaded_line_s", "to_kernel_started_s", "to_new_process_s"):
        result[key] = summary([r[key] for r in result["reps"] if r[key] is not None])
    result["other_kernels_touched_max"] = max((r["other_kernels_touched"] for r in result["reps"]), default=None)
    return result


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None


def threads(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/task"))
    except OSError:
        return None


# ---------------------------------------------------------------------------------------------------------------
# (d) kernel crash healed by a playbook, (e) heartbeat silence healed by a playbook

def demo_kernel(port, extra, start_period=None):
    sp = f", start_period: {start_period}" if start_period else ""
    return (
        "kind: kernel\nname: api\n"
        f"command: [grace-demo, --name, api, --port, \"{port}\", --data, var/demo/api]\n"
        "ready: notify\n"
        f"health: {{http: \"http://127.0.0.1:{port}/healthz\", every: 100ms, timeout: 100ms, failures: 1{sp}}}\n"
        "restart: {policy: never}\n" + extra)


GRACE_DOC = "kind: grace\nname: heal-bench\nstate_dir: var/grace\nlimits: {concurrent_runs: 4, rate: {runs: 1000, per: 1m}}\n"


def start_demo_grace(a, prefix, config):
    root = make_root(prefix, {"config/grace.yaml": GRACE_DOC, "config/api.yaml": config})
    g = Grace(a.grace, root, ["--metrics-interval", "5"])
    first = g.wait("kernel.healthy", 0, kernel="api", timeout=30)
    if not first:
        raise SystemExit(f"api never became healthy; last lines:\n" + "\n".join(g.tail(30)))
    return root, g


def last_pid(g, kernel):
    with g.cond:
        for _, k, line in reversed(g.lines):
            if k == "kernel.started" and field("kernel", line) == kernel:
                return int(field("pid", line))
    return None


PHASES = ("kernel.watchdog_timeout", "kernel.exited", "trigger.fired", "run.started", "kernel.started",
          "kernel.unhealthy", "kernel.ready", "kernel.healthy", "run.succeeded")


def phases(g, mark, t0, timeout, kinds=PHASES):
    """Times after t0 of the lines that follow a fault, each the first after `mark`."""
    out = {}
    for kind in kinds:
        hit = g.wait(kind, mark, kernel=None if kind.startswith(("trigger", "run", "snapshot")) else "api",
                     timeout=timeout if kind in ("kernel.healthy", "run.succeeded") else 0.0)
        out[kind] = (hit[1] - t0) if hit else None
    return out


def scenario_crash(a):
    port = free_port(a.port)
    config = demo_kernel(port, "") + (
        "---\nkind: playbook\nname: heal-api\nparams: {kernel: {type: kernel}}\n"
        "steps:\n  - restart: \"{{ kernel }}\"\n  - wait_healthy: \"{{ kernel }}\"\n    timeout: 10s\n"
        "---\nkind: trigger\nname: api-crashed\nwhen: {exit: api}\nrun: heal-api\nwith: {kernel: api}\n")
    root, g = start_demo_grace(a, "healbench-crash-", config)
    note(f"crash: grace-demo healthy on port {port}; {a.runs} kills")
    runs = []
    for i in range(1, a.runs + 1):
        pause(a)
        pid = last_pid(g, "api")
        mark = g.mark()
        t_kill = time.monotonic()
        os.kill(pid, signal.SIGKILL)
        healthy = g.wait("kernel.healthy", mark, kernel="api", timeout=a.timeout)
        done = g.wait("run.succeeded", mark, timeout=a.timeout) or g.wait("run.failed", mark, timeout=0)
        ph = phases(g, mark, t_kill, 0.5)
        r = {"run": i, "pid": pid, **{k: v for k, v in ph.items()}}
        r["fault_to_healthy_s"] = healthy[1] - t_kill if healthy else None
        r["started_to_ready_s"] = (ph["kernel.ready"] - ph["kernel.started"]) if ph["kernel.ready"] and ph["kernel.started"] else None
        r["run_outcome"] = done[2].rsplit(" ", 1)[-1] if done else None
        runs.append(r)
        note(f"crash {i}: kill->healthy {fmt(r['fault_to_healthy_s'])}, kill->started {fmt(ph['kernel.started'])}, "
             f"started->ready {fmt(r['started_to_ready_s'])}, run {r['run_outcome']}")
        if not healthy:
            note("crash: not healed; last lines:\n" + "\n".join(g.tail(20)))
            break
    g.stop(timeout=30)
    return demo_summary(runs, port)


def scenario_heartbeat(a):
    port = free_port(a.port)
    config = demo_kernel(port, "watchdog: 500ms\n") + (
        "---\nkind: playbook\nname: restart-api\nparams: {kernel: {type: kernel}}\n"
        "steps:\n  - restart: \"{{ kernel }}\"\n"
        "---\nkind: trigger\nname: api-silent\nwhen: {silence: api}\nrun: restart-api\nwith: {kernel: api}\n")
    root, g = start_demo_grace(a, "healbench-heartbeat-", config)
    note(f"heartbeat: grace-demo healthy on port {port}; {a.runs} silences")
    runs = []
    for i in range(1, a.runs + 1):
        pause(a)
        mark = g.mark()
        t_req = time.monotonic()
        status = post(port, "/fault/silence")
        t_fault = time.monotonic()
        healthy = g.wait("kernel.healthy", mark, kernel="api", timeout=a.timeout)
        g.wait("run.succeeded", mark, timeout=a.timeout)
        ph = phases(g, mark, t_fault, 0.5)
        r = {"run": i, "http_status": status, "request_s": t_fault - t_req, **ph}
        r["fault_to_healthy_s"] = healthy[1] - t_fault if healthy else None
        r["started_to_ready_s"] = (ph["kernel.ready"] - ph["kernel.started"]) if ph["kernel.ready"] and ph["kernel.started"] else None
        detected = [x for x in (ph["kernel.watchdog_timeout"], ph["trigger.fired"]) if x is not None]
        r["fault_to_detected_s"] = min(detected) if detected else None
        runs.append(r)
        note(f"heartbeat {i}: HTTP {status}, fault->healthy {fmt(r['fault_to_healthy_s'])}, "
             f"fault->detected {fmt(r['fault_to_detected_s'])}, fault->started {fmt(ph['kernel.started'])}")
        if not healthy:
            note("heartbeat: not healed; last lines:\n" + "\n".join(g.tail(30)))
            break
    g.stop(timeout=30)
    return demo_summary(runs, port)


def scenario_corruption(a):
    port = free_port(a.port)
    # start_period: without it the first probe runs at spawn, before grace-demo listens, and its "connection
    # refused" is a kernel.unhealthy that fires {health: api} on every start (see the report). 100 ms is the
    # probe interval, so healthy is seen no later than without it.
    config = demo_kernel(port, "data: [var/demo/api]\n", start_period="100ms") + (
        "---\nkind: playbook\nname: take-snapshot\nparams: {kernel: {type: kernel}}\n"
        "steps: [{snapshot: \"{{ kernel }}\", tag: baseline}]\nmanual: true\n"
        "---\nkind: playbook\nname: restore-data\nparams: {kernel: {type: kernel}}\nsteps:\n"
        "  - stop: \"{{ kernel }}\"\n  - restore: \"{{ kernel }}\"\n    from: last_good\n"
        "  - verify: \"{{ kernel }}\"\n  - start: \"{{ kernel }}\"\n"
        "  - wait_healthy: \"{{ kernel }}\"\n    timeout: 10s\n"
        "---\nkind: trigger\nname: api-unhealthy\nwhen: {health: api}\nrun: restore-data\nwith: {kernel: api}\n")
    root, g = start_demo_grace(a, "healbench-corruption-", config)
    state = os.path.join(root, "var/grace")
    env = dict(os.environ, PATH=(DEMO_DIR + ":" if DEMO_DIR else "") + os.environ.get("PATH", ""))
    snap = subprocess.run([a.grace, "playbook", "run", "take-snapshot", "--param", "kernel=api", "--state-dir", state],
                          cwd=root, capture_output=True, text=True, timeout=a.timeout, env=env)
    if snap.returncode != 0:
        g.stop(timeout=30)
        return {"error": f"baseline snapshot failed: {snap.stdout} {snap.stderr}", "runs": [], "healed": 0}
    note(f"corruption: grace-demo healthy on port {port}, baseline snapshot taken; {a.runs} corruptions")
    runs = []
    for i in range(1, a.runs + 1):
        pause(a)
        mark = g.mark()
        t_req = time.monotonic()
        status = post(port, "/fault/corrupt?how=flip")
        t_fault = time.monotonic()
        healthy = g.wait("kernel.healthy", mark, kernel="api", timeout=a.timeout)
        g.wait("run.succeeded", mark, timeout=a.timeout)
        ph = phases(g, mark, t_fault, 0.5, kinds=("kernel.unhealthy", "trigger.fired", "kernel.stopped",
                                                  "snapshot.restored", "kernel.started", "kernel.ready"))
        r = {"run": i, "http_status": status, "request_s": t_fault - t_req, **ph}
        r["fault_to_healthy_s"] = healthy[1] - t_fault if healthy else None
        r["started_to_ready_s"] = (ph["kernel.ready"] - ph["kernel.started"]) if ph["kernel.ready"] and ph["kernel.started"] else None
        r["fault_to_detected_s"] = ph["kernel.unhealthy"]
        runs.append(r)
        note(f"corruption {i}: HTTP {status}, fault->healthy {fmt(r['fault_to_healthy_s'])}, "
             f"fault->unhealthy {fmt(ph['kernel.unhealthy'])}, fault->restored {fmt(ph['snapshot.restored'])}, "
             f"fault->started {fmt(ph['kernel.started'])}")
        if not healthy:
            note("corruption: not healed; last lines:\n" + "\n".join(g.tail(30)))
            break
    g.stop(timeout=30)
    out = demo_summary(runs, port)
    out["to_snapshot.restored"] = summary([r["snapshot.restored"] for r in runs if r.get("snapshot.restored") is not None])
    out["to_kernel.unhealthy"] = summary([r["kernel.unhealthy"] for r in runs if r.get("kernel.unhealthy") is not None])
    return out


def post(port, path):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        c.request("POST", path)
        s = c.getresponse().status
        c.close()
        return s
    except OSError as e:
        return str(e)


def fmt(x):
    return "-" if x is None else f"{x * 1000:.0f} ms"


def demo_summary(runs, port):
    out = {"port": port, "runs": runs, "healed": sum(1 for r in runs if r["fault_to_healthy_s"] is not None)}
    for key in ("fault_to_healthy_s", "started_to_ready_s", "fault_to_detected_s"):
        out[key] = summary([r[key] for r in runs if r.get(key) is not None])
    for kind in ("kernel.exited", "kernel.watchdog_timeout", "trigger.fired", "kernel.started", "kernel.unhealthy",
                 "kernel.ready"):
        out["to_" + kind] = summary([r[kind] for r in runs if r.get(kind) is not None])
    return out


# ---------------------------------------------------------------------------------------------------------------
# supervisord 4.3, `supervisorctl update` with 1,000 programs and one changed (the peer of (c))

def supervisord_conf(root, n, changed=None, argument=100000):
    out = [
        "[unix_http_server]", f"file={root}/supervisor.sock", "",
        "[supervisord]", f"logfile={root}/supervisord.log", f"pidfile={root}/supervisord.pid", "nodaemon=true",
        "minfds=8192", "minprocs=4096", f"childlogdir={root}/logs", "",
        "[rpcinterface:supervisor]", "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface", "",
        "[supervisorctl]", f"serverurl=unix://{root}/supervisor.sock", "",
    ]
    for k in range(n):
        arg = argument if k == changed else 100000
        out += [f"[program:p{k:04d}]", f"command=/bin/sleep {arg}", "autorestart=true", "startsecs=0",
                "stdout_logfile=NONE", "stderr_logfile=NONE", ""]
    return "\n".join(out)


def scenario_supervisord(a):
    if not shutil.which("supervisord"):
        return {"skipped": "supervisord not installed (pip install supervisor)"}
    version = subprocess.run(["supervisord", "--version"], capture_output=True, text=True).stdout.strip()
    n = a.programs
    root = make_root("healbench-supervisord-", {})
    os.makedirs(f"{root}/logs")
    conf = f"{root}/supervisord.conf"
    write_atomically(conf, supervisord_conf(root, n))
    t0 = time.monotonic()
    proc = subprocess.Popen(["supervisord", "-c", conf], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    record_pid(proc.pid, "supervisord")
    result = {"version": version, "programs": n, "reps": []}
    try:
        # All started: count children of supervisord running /bin/sleep.
        deadline = time.monotonic() + a.boot_timeout
        count = 0
        while time.monotonic() < deadline:
            count = sum(1 for c in children(proc.pid) if c[1] == "/bin/sleep")
            if count >= n:
                break
            time.sleep(0.2)
        result["boot_all_started_s"] = time.monotonic() - t0
        result["boot_started"] = count
        if count < n:
            result["error"] = f"only {count} of {n} programs started within {a.boot_timeout}s"
            return result
        note(f"supervisord: {n} programs started in {result['boot_all_started_s']:.1f}s; settling")
        time.sleep(a.settle)
        changed = n // 2
        for rep in range(1, a.reps + 1):
            argument = 100000 + rep
            write_atomically(conf, supervisord_conf(root, n, changed, argument))
            watcher = ProcWatcher(proc.pid)
            found = {}
            th = threading.Thread(target=lambda: found.update(
                zip(("t", "pid"), watcher.wait_for(["/bin/sleep", str(argument)], a.timeout))), daemon=True)
            th.start()
            before = set(c[0] for c in children(proc.pid))
            t_cmd = time.monotonic()
            cmd = subprocess.run(["supervisorctl", "-c", conf, "update"], capture_output=True, text=True, timeout=a.timeout)
            t_done = time.monotonic()
            th.join(a.timeout)
            time.sleep(1.0)
            after = set(c[0] for c in children(proc.pid))
            r = {"rep": rep, "update_command_s": t_done - t_cmd,
                 "to_new_process_s": found["t"] - t_cmd if found.get("t") else None,
                 "other_programs_touched": len(before - after) - 1, "stdout": cmd.stdout.strip().splitlines()[:3]}
            note(f"supervisord rep {rep}: {r}")
            result["reps"].append(r)
            time.sleep(a.pause)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(120)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    for key in ("update_command_s", "to_new_process_s"):
        result[key] = summary([r[key] for r in result["reps"] if r[key] is not None])
    return result


def children(ppid):
    out = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open(f"/proc/{p}/stat") as f:
                stat = f.read()
            if int(stat.rsplit(")", 1)[1].split()[1]) != ppid:
                continue
            with open(f"/proc/{p}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
            out.append((int(p), argv[0].decode()))
        except (OSError, ValueError, IndexError):
            continue
    return out


# ---------------------------------------------------------------------------------------------------------------

def main():
    global PIDS_FILE, DEMO_DIR
    p = argparse.ArgumentParser()
    p.add_argument("scenario", choices=["reload", "crash", "heartbeat", "corruption", "supervisord"])
    p.add_argument("--grace")
    p.add_argument("--out", required=True)
    p.add_argument("--pids")
    p.add_argument("--demo-dir", help="directory of the grace-demo to run, when it is not next to grace")
    p.add_argument("--kernels", type=int, default=1000)
    p.add_argument("--programs", type=int, default=1000)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--runs", type=int, default=20)
    p.add_argument("--port", type=int, default=18181)
    p.add_argument("--pause", type=float, default=1.0, help="seconds between repetitions (faults: plus 0-0.5 s at random)")
    p.add_argument("--settle", type=float, default=3.0, help="seconds after boot before measuring")
    p.add_argument("--timeout", type=float, default=30.0, help="bound of every wait")
    p.add_argument("--boot-timeout", type=float, default=300.0)
    p.add_argument("--metrics-interval", type=float, default=5.0)
    a = p.parse_args()
    PIDS_FILE = a.pids
    DEMO_DIR = os.path.abspath(a.demo_dir) if a.demo_dir else None
    atexit.register(cleanup)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if a.scenario != "supervisord" and not a.grace:
        p.error("--grace is required")
    fn = {"reload": scenario_reload, "crash": scenario_crash, "heartbeat": scenario_heartbeat,
          "corruption": scenario_corruption,
          "supervisord": scenario_supervisord}[a.scenario]
    result = fn(a)
    result["load_avg"] = os.getloadavg()
    with open(a.out, "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
