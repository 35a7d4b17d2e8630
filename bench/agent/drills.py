#!/usr/bin/env python3
"""The coding agent's two drills, end to end, timed: the `grace` binary on a copy of the shipped configuration in a
fresh git repository, its agent doing the work, real faults injected through grace-demo (the same drills as
Tests/GraceCLITests/AgentDrillTests.swift, which asserts them; this measures them).

usage: drills.py GRACE_BINARY [--runs N] [--short] [--out FILE] [--repo ROOT] [--keep]

Each run:
  setup    config/ and Playbooks/ copied to a temp dir, every shipped port (7070-7076, 8081-8085) moved to a free
           one, `success_window: 30s` -> `2s` in config/grace.yaml, `.gitignore` with `var/`, `git init` + commit;
           `GRACE_BINARY run --allow-partial` there (PATH starts with the binary's directory, so grace-demo and the
           agent are found), until every kernel of the boot order is `kernel.healthy`.
  missing parameter
           `POST /fault/require?param=API_REGION&example=eu-1` to api, then `GET /call` every 50 ms until 200.
           error->accepted: the first rejected call (its 503 arrived: grace-demo wrote the ERROR line just before
           answering) to the first accepted one; error->watching: the same start to Grace's journal line
           `agent.task ... kernel=api ... state=watching` (the fix committed, reloaded, and being watched).
           Then, once the api task is `state=done`, the same on worker: fixed from the learned pattern (the
           committed line must carry `[pattern]`).
  corrupt playbook
           a damaged Playbooks/kernel.yaml (`    timeout:` -> `    timout:`) committed without touching the work
           tree (temp index, `git commit-tree`), then `git reset --hard` to it; write->watching: from just before
           the reset to `agent.task ... type=fix_invalid ... state=watching`.
  teardown SIGTERM to Grace, wait for it to exit, remove the temp dir.

Times come from this script's monotonic clock: a journal line counts when it arrives on Grace's stderr. The
summary gives median, p90 (nearest rank: with 5 runs it is the max) and max per figure, beside the goals of
issue 15. `--short` is one run (for CI). Exit status: 0 when every run completed every drill, 1 otherwise (goals
are reported, never enforced).
"""
import argparse
import json
import math
import os
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
import urllib.error
import urllib.request

SHIPPED_PORTS = [7070, 7071, 7072, 7073, 7074, 7075, 7076, 8081, 8082, 8083, 8084, 8085]
REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

# (key, label, goal in seconds or None)
FIGURES = [
    ("param_error_to_watching", "missing parameter: error line to fix committed + reloaded (watching)", 10.0),
    ("param_error_to_accepted", "missing parameter: first rejected to first accepted call", 10.0),
    ("pattern_error_to_watching", "from the pattern (worker): error line to watching", 2.0),
    ("pattern_error_to_accepted", "from the pattern (worker): first rejected to first accepted call", 2.0),
    ("corrupt_write_to_watching", "corrupt playbook: damaging write to reloaded fix (watching)", 5.0),
    ("corrupt_write_to_invalid", "corrupt playbook: damaging write to config.invalid", None),
    ("boot_to_healthy", "setup: grace run to every kernel healthy", None),
]


class DrillError(Exception):
    pass


class Grace:
    """`grace run --allow-partial` in `root`; its stderr lines, each with the monotonic time it arrived."""

    def __init__(self, binary, root):
        env = dict(os.environ)
        env["NO_COLOR"] = "1"
        env["PATH"] = os.path.dirname(binary) + os.pathsep + env.get("PATH", "/usr/bin:/bin")
        self.lines = []  # (time, line)
        self.cond = threading.Condition()
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [binary, "run", "--allow-partial"], cwd=root, env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in self.proc.stderr:
            now = time.monotonic()
            with self.cond:
                self.lines.append((now, raw.decode("utf-8", "replace").rstrip("\n")))
                self.cond.notify_all()
        with self.cond:
            self.lines.append((time.monotonic(), "<eof>"))
            self.cond.notify_all()

    def mark(self):
        with self.cond:
            return len(self.lines)

    def wait_for(self, words, after=0, timeout=60.0):
        """The first line from index `after` on that contains every word: (index, time, line)."""
        deadline = time.monotonic() + timeout
        i = after
        with self.cond:
            while True:
                while i < len(self.lines):
                    t, line = self.lines[i]
                    if all(w in line for w in words):
                        return i, t, line
                    if line == "<eof>":
                        raise DrillError(f"grace exited while waiting for {words}:\n" + self.tail())
                    i += 1
                left = deadline - time.monotonic()
                if left <= 0:
                    raise DrillError(f"no line with {words} within {timeout:.0f} s:\n" + self.tail())
                self.cond.wait(left)

    def tail(self, n=25):
        with self.cond:
            return "\n".join(line for _, line in self.lines[-n:])

    def stop(self, timeout=60.0):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()


def free_ports(n):
    ports, held = [], []
    try:
        while len(ports) < n:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            held.append(s)
            port = s.getsockname()[1]
            if port not in SHIPPED_PORTS and port not in ports:
                ports.append(port)
    finally:
        for s in held:
            s.close()
    return ports


def copy_of_shipped_configuration(repo):
    root = tempfile.mkdtemp(prefix="grace-agent-drill-")
    moved = dict(zip((str(p) for p in SHIPPED_PORTS), (str(p) for p in free_ports(len(SHIPPED_PORTS)))))
    pattern = re.compile(r"(?<![0-9])(" + "|".join(str(p) for p in SHIPPED_PORTS) + r")(?![0-9])")
    for directory in ("config", "Playbooks"):
        os.makedirs(os.path.join(root, directory))
        for name in sorted(os.listdir(os.path.join(repo, directory))):
            with open(os.path.join(repo, directory, name), encoding="utf-8") as f:
                text = f.read()
            text = pattern.sub(lambda m: moved[m.group(1)], text)
            with open(os.path.join(root, directory, name), "w", encoding="utf-8") as f:
                f.write(text)
    # The helpers the playbooks' `exec` steps name, relative to the root (grace validate checks they exist).
    shutil.copytree(os.path.join(repo, "libexec"), os.path.join(root, "libexec"))
    path = os.path.join(root, "config", "grace.yaml")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if "success_window: 30s" not in text:
        raise DrillError("config/grace.yaml has no `success_window: 30s` to shorten")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace("success_window: 30s", "success_window: 2s"))
    with open(os.path.join(root, ".gitignore"), "w") as f:
        f.write("var/\n")
    return root


def git(root, *args, env=None):
    full = dict(os.environ)
    full.update(env or {})
    out = subprocess.run(
        ["git", "-c", "user.name=Operator", "-c", "user.email=operator@example.com", *args], cwd=root,
        env=full, capture_output=True, text=True)
    if out.returncode != 0:
        raise DrillError(f"git {' '.join(args)}: {out.stderr}")
    return out.stdout.strip()


def port_of(root, kernel):
    with open(os.path.join(root, "config", "kernels.yaml"), encoding="utf-8") as f:
        m = re.search(rf'--name, {kernel}, --port, "([0-9]+)"', f.read())
    if not m:
        raise DrillError(f"no port for {kernel} in config/kernels.yaml")
    return int(m.group(1))


def http(method, port, path, timeout=1.0):
    """The status of `METHOD path` on 127.0.0.1:port; None when nothing answered."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method, data=b"" if method == "POST" else None)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            reply.read()
            return reply.status
    except urllib.error.HTTPError as e:
        return e.code
    except (OSError, urllib.error.URLError):
        return None


def missing_parameter(grace, root, kernel, timeout=60.0):
    """Injects the fault into `kernel` and polls /call: (first rejected, first accepted, watching line) times."""
    mark = grace.mark()
    port = port_of(root, kernel)
    status = http("POST", port, "/fault/require?param=API_REGION&example=eu-1")
    if status not in (200, 202):
        raise DrillError(f"POST /fault/require to {kernel}: {status}")
    rejected = accepted = None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = http("GET", port, "/call")
        now = time.monotonic()
        if status == 200:
            if rejected is not None:
                accepted = now
                break
        elif rejected is None and status == 503:
            rejected = now
        time.sleep(0.05)
    if rejected is None:
        raise DrillError(f"{kernel}: /call was never rejected after the fault")
    if accepted is None:
        raise DrillError(f"{kernel}: /call still rejected after {timeout:.0f} s:\n" + grace.tail())
    committed = grace.wait_for(["agent.task", f"kernel={kernel}", "state=committed"], after=mark)
    watching = grace.wait_for(["agent.task", f"kernel={kernel}", "state=watching"], after=mark)
    return {"rejected": rejected, "accepted": accepted, "watching": watching[1], "committed_line": committed[2],
            "mark": mark}


def corrupt_playbook(grace, root):
    mark = grace.mark()
    path = os.path.join(root, "Playbooks", "kernel.yaml")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    damaged = text.replace("    timeout:", "    timout:")
    if damaged == text:
        raise DrillError("Playbooks/kernel.yaml has no `    timeout:` to damage")
    scratch = tempfile.mkdtemp(prefix="grace-agent-drill-index-")
    try:
        blob_file = os.path.join(scratch, "kernel.yaml")
        with open(blob_file, "w", encoding="utf-8") as f:
            f.write(damaged)
        index = {"GIT_INDEX_FILE": os.path.join(scratch, "index")}
        blob = git(root, "hash-object", "-w", blob_file)
        git(root, "read-tree", "HEAD", env=index)
        git(root, "update-index", "--cacheinfo", f"100644,{blob},Playbooks/kernel.yaml", env=index)
        tree = git(root, "write-tree", env=index)
        bad = git(root, "commit-tree", tree, "-p", "HEAD", "-m", "a bad edit")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    start = time.monotonic()
    git(root, "reset", "-q", "--hard", bad)
    invalid = grace.wait_for(["config.invalid", "file=Playbooks/kernel.yaml"], after=mark)
    watching = grace.wait_for(["agent.task", "type=fix_invalid", "state=watching"], after=invalid[0])
    reloads = [line for _, line in grace.lines[invalid[0]:watching[0]] if "config.reloaded" in line]
    with open(path, encoding="utf-8") as f:
        restored = f.read() == text
    return {"start": start, "invalid": invalid[1], "watching": watching[1], "restored": restored,
            "bad_graph_ran": bool(reloads)}


def one_run(binary, repo, keep=False):
    root = copy_of_shipped_configuration(repo)
    grace = None
    figures, notes = {}, []
    try:
        git(root, "init", "-q")
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "the operator's configuration")
        graph = subprocess.run([binary, "graph", "--format", "json"], cwd=root, capture_output=True, text=True)
        kernels = json.loads(graph.stdout)["bootOrder"]
        grace = Grace(binary, root)
        last = 0
        for kernel in kernels:
            _, t, _ = grace.wait_for(["kernel.healthy", f"kernel={kernel}"], timeout=120)
            last = max(last, t)
        figures["boot_to_healthy"] = last - grace.started

        api = missing_parameter(grace, root, "api")
        figures["param_error_to_accepted"] = api["accepted"] - api["rejected"]
        figures["param_error_to_watching"] = api["watching"] - api["rejected"]
        grace.wait_for(["agent.task", "kernel=api", "state=done"], after=api["mark"])

        worker = missing_parameter(grace, root, "worker")
        figures["pattern_error_to_accepted"] = worker["accepted"] - worker["rejected"]
        figures["pattern_error_to_watching"] = worker["watching"] - worker["rejected"]
        if "[pattern]" not in worker["committed_line"]:
            notes.append("worker's fix did not come from the pattern: " + worker["committed_line"])
        grace.wait_for(["agent.task", "kernel=worker", "state=done"], after=worker["mark"])

        corrupt = corrupt_playbook(grace, root)
        figures["corrupt_write_to_invalid"] = corrupt["invalid"] - corrupt["start"]
        figures["corrupt_write_to_watching"] = corrupt["watching"] - corrupt["start"]
        if not corrupt["restored"]:
            notes.append("Playbooks/kernel.yaml is not the original text after the fix")
        if corrupt["bad_graph_ran"]:
            notes.append("a reload was applied between the damage and the fix")
    except DrillError as e:
        notes.append(f"FAILED: {e}")
    finally:
        if grace is not None:
            status = grace.stop()
            if status != 0:
                notes.append(f"grace exited with status {status}")
        if keep:
            notes.append(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    return figures, notes


def p90(values):
    s = sorted(values)
    return s[max(0, math.ceil(0.9 * len(s)) - 1)]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("grace")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--short", action="store_true", help="one run (for CI)")
    parser.add_argument("--out", help="write every run's figures and the summary as JSON to FILE")
    parser.add_argument("--repo", default=REPO, help="the checkout whose config/ and Playbooks/ are copied")
    parser.add_argument("--keep", action="store_true", help="keep each run's temp directory")
    args = parser.parse_args()
    binary = os.path.abspath(args.grace)
    if not os.access(binary, os.X_OK):
        parser.error(f"{binary} is not executable")
    if not os.access(os.path.join(os.path.dirname(binary), "grace-demo"), os.X_OK):
        print(f"warning: no grace-demo next to {binary}; the kernels need it on the PATH", file=sys.stderr)
    runs = 1 if args.short else args.runs
    return run_and_report(lambda: one_run(binary, args.repo, args.keep), runs, FIGURES, binary, args.out)


def run_and_report(one_run, runs, figures, binary, out=None):
    """Runs `one_run()` (-> figures, notes) `runs` times, printing each run, then the median, p90 and max of each
    of `figures` ((key, label, goal)) beside its goal; writes everything as JSON to `out`. Exit status: 1 when a
    run failed or missed a figure."""
    results = []
    for n in range(1, runs + 1):
        started = time.monotonic()
        measured, notes = one_run()
        results.append({"run": n, "figures": measured, "notes": notes, "wall": time.monotonic() - started})
        shown = "  ".join(f"{k}={v:.2f}s" for k, v in measured.items())
        print(f"run {n}: {shown}  ({time.monotonic() - started:.0f} s)", flush=True)
        for note in notes:
            print(f"  {note}", flush=True)

    summary = {}
    print()
    print(f"{'figure':<70}{'runs':>5}{'median s':>10}{'p90 s':>8}{'max s':>8}{'goal s':>8}  met")
    for key, label, goal in figures:
        values = [r["figures"][key] for r in results if key in r["figures"]]
        if not values:
            print(f"{label:<70}{0:>5}")
            continue
        row = {"runs": len(values), "median": statistics.median(values), "p90": p90(values), "max": max(values),
               "values": values, "goal": goal}
        row["met"] = None if goal is None else row["max"] <= goal
        summary[key] = row
        met = "-" if goal is None else ("yes" if row["met"] else "NO (max above goal)")
        goal_text = "-" if goal is None else f"{goal:g}"
        print(f"{label:<70}{len(values):>5}{row['median']:>10.2f}{row['p90']:>8.2f}{row['max']:>8.2f}"
              f"{goal_text:>8}  {met}")
    failed = [r for r in results if any(n.startswith("FAILED") for n in r["notes"]) or len(r["figures"]) < len(figures)]
    if out:
        with open(out, "w") as f:
            json.dump({"grace": binary, "runs": results, "summary": summary}, f, indent=2)
            f.write("\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
