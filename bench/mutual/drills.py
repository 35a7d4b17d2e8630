#!/usr/bin/env python3
"""Mutual repair of Grace's own components, end to end, timed: the `grace` binary on a copy of the shipped
configuration in a fresh git repository with its agent process (the same drills as
Tests/GraceCLITests/{MutualRepairDrillTests,AgentDrillTests}.swift, which assert them; this measures them).

usage: drills.py GRACE_BINARY [--runs N] [--short] [--out FILE] [--repo ROOT] [--keep]

Each run has two parts, each on its own copy (set up as bench/agent/drills.py does: ports moved, watch window 2 s,
git init + commit, `grace run --allow-partial` until every kernel is healthy):

  A, shipped heartbeats (healer 2 s, agent 10 s):
  agent SIGKILL   the missing-parameter fault on api, answered by the agent up to its watch window (`agent.task ...
                  state=watching`); then SIGKILL to the agent's process (pid from `grace kernels --json`).
                  noticed: the kill to `kernel.exited kernel=grace-agent`; restarted: from that line to
                  `kernel.ready kernel=grace-agent`; lost: tasks not `done` once the api task is done.
  agent SIGSTOP   the same on worker, then SIGSTOP. noticed: the stop to `kernel.watchdog_timeout
                  kernel=grace-agent` (its watchdog is one `components.agent` heartbeat); restarted: from that line
                  to `kernel.ready kernel=grace-agent`; lost as above.
  healer hang     `grace components hang healer`. noticed: to `component.silent component=healer` (three 2 s
                  heartbeats); rebuilt: from that line to `component.restarted component=healer`; recovered: to
                  `component.recovered` (the silence watch ticks every half of the shortest heartbeat, 1 s here).

  B, agent heartbeat 500 ms (so the agent is silent before the healer, as in a deadlock):
  deadlock        `grace components hang agent` and `hang healer`. detected: to `component.deadlock`; healthy:
                  from that line to the later of `component.recovered` of healer and of agent; stagger: from the
                  healer's `component.restarted` to the agent's.

Times come from this script's monotonic clock: a journal line counts when it arrives on Grace's stderr. The summary
gives median, p90 (nearest rank) and max per figure beside the goals of issue 16. `--short` is one run (for CI).
Exit status: 0 when every run completed every drill, 1 otherwise (goals are reported, never enforced).
"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "agent"))
from drills import (  # noqa: E402
    REPO, DrillError, Grace, copy_of_shipped_configuration, git, missing_parameter, run_and_report)

# (key, label, goal in seconds or None)
FIGURES = [
    ("kill_noticed", "agent SIGKILL: kill to kernel.exited (noticed)", 10.0),
    ("kill_restarted", "agent SIGKILL: exited to ready again (restarted)", 1.0),
    ("kill_lost", "agent SIGKILL: tasks lost (count)", 0.0),
    ("stop_noticed", "agent SIGSTOP: stop to watchdog timeout (noticed; heartbeat 10 s)", 10.5),
    ("stop_restarted", "agent SIGSTOP: watchdog timeout to ready again (restarted)", 1.0),
    ("stop_lost", "agent SIGSTOP: tasks lost (count)", 0.0),
    ("healer_noticed", "healer hang: to component.silent (3 x 2 s heartbeats)", None),
    ("healer_rebuilt", "healer hang: silent to restarted (rebuilt from the journal)", 1.0),
    ("healer_recovered", "healer hang: silent to recovered (the watch ticks every 1 s here)", None),
    ("deadlock_detected", "deadlock: hang to component.deadlock (healer's 3 x 2 s)", None),
    ("deadlock_healthy", "deadlock: detected to both recovered", 10.0),
    ("deadlock_stagger", "deadlock: healer restarted to agent restarted (stagger)", None),
]


def start(binary, repo, edits=()):
    root = copy_of_shipped_configuration(repo)
    path = os.path.join(root, "config", "grace.yaml")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for old, new in edits:
        if old not in text:
            raise DrillError(f"config/grace.yaml has no `{old}`")
        text = text.replace(old, new)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "the operator's configuration")
    graph = subprocess.run([binary, "graph", "--format", "json"], cwd=root, capture_output=True, text=True)
    kernels = json.loads(graph.stdout)["bootOrder"]
    grace = Grace(binary, root)
    for kernel in kernels:
        grace.wait_for(["kernel.healthy", f"kernel={kernel}"], timeout=120)
    grace.wait_for(["kernel.ready", "kernel=grace-agent"], timeout=120)
    return root, grace


def tool(binary, root, *args):
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(binary) + os.pathsep + env.get("PATH", "/usr/bin:/bin")
    out = subprocess.run([binary, *args], cwd=root, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise DrillError(f"grace {' '.join(args)}: {out.stdout}{out.stderr}")
    return out.stdout


def agent_pid(binary, root):
    kernels = json.loads(tool(binary, root, "kernels", "--json"))["kernels"]
    pid = next((k.get("pid") for k in kernels if k["name"] == "grace-agent"), None)
    if not pid:
        raise DrillError("no pid for grace-agent")
    return pid


def lost_tasks(binary, root):
    tasks = json.loads(tool(binary, root, "agent", "tasks", "--json"))["tasks"]
    return sum(1 for t in tasks if t["state"] not in ("done",))


def agent_fault(grace, binary, root, kernel, sig, noticed_words, figures, prefix):
    fault = missing_parameter(grace, root, kernel)
    pid = agent_pid(binary, root)
    mark = grace.mark()
    sent = time.monotonic()
    os.kill(pid, sig)
    index, noticed, _ = grace.wait_for(noticed_words, after=mark, timeout=60)
    _, ready, _ = grace.wait_for(["kernel.ready", "kernel=grace-agent"], after=index, timeout=60)
    grace.wait_for(["agent.task", f"kernel={kernel}", "state=done"], after=fault["mark"], timeout=120)
    figures[f"{prefix}_noticed"] = noticed - sent
    figures[f"{prefix}_restarted"] = ready - noticed
    figures[f"{prefix}_lost"] = float(lost_tasks(binary, root))


def part_a(binary, repo, figures, notes, keep):
    root, grace = start(binary, repo)
    try:
        agent_fault(grace, binary, root, "api", signal.SIGKILL, ["kernel.exited", "kernel=grace-agent"], figures,
                    "kill")
        agent_fault(grace, binary, root, "worker", signal.SIGSTOP,
                    ["kernel.watchdog_timeout", "kernel=grace-agent"], figures, "stop")
        mark = grace.mark()
        sent = time.monotonic()
        tool(binary, root, "components", "hang", "healer")
        index, silent, _ = grace.wait_for(["component.silent", "component=healer"], after=mark)
        _, restarted, _ = grace.wait_for(["component.restarted", "component=healer"], after=index)
        _, recovered, _ = grace.wait_for(["component.recovered", "component=healer"], after=index)
        figures["healer_noticed"] = silent - sent
        figures["healer_rebuilt"] = restarted - silent
        figures["healer_recovered"] = recovered - silent
    finally:
        finish(grace, root, notes, keep)


def part_b(binary, repo, figures, notes, keep):
    root, grace = start(binary, repo, [("agent: {heartbeat: 10s}", "agent: {heartbeat: 500ms}")])
    try:
        mark = grace.mark()
        sent = time.monotonic()
        tool(binary, root, "components", "hang", "agent")
        tool(binary, root, "components", "hang", "healer")
        index, detected, _ = grace.wait_for(["component.deadlock"], after=mark)
        h, healer_restart, _ = grace.wait_for(["component.restarted", "component=healer"], after=index)
        _, agent_restart, _ = grace.wait_for(["component.restarted", "component=agent"], after=h)
        _, healer_ok, _ = grace.wait_for(["component.recovered", "component=healer"], after=index)
        _, agent_ok, _ = grace.wait_for(["component.recovered", "component=agent"], after=index)
        figures["deadlock_detected"] = detected - sent
        figures["deadlock_healthy"] = max(healer_ok, agent_ok) - detected
        figures["deadlock_stagger"] = agent_restart - healer_restart
    finally:
        finish(grace, root, notes, keep)


def finish(grace, root, notes, keep):
    status = grace.stop()
    if status != 0:
        notes.append(f"grace exited with status {status}")
    if keep:
        notes.append(f"kept {root}")
    else:
        shutil.rmtree(root, ignore_errors=True)


def one_run(binary, repo, keep=False):
    figures, notes = {}, []
    for part in (part_a, part_b):
        try:
            part(binary, repo, figures, notes, keep)
        except DrillError as e:
            notes.append(f"FAILED: {e}")
    return figures, notes


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("grace")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--short", action="store_true", help="one run (for CI)")
    parser.add_argument("--out", help="write every run's figures and the summary as JSON to FILE")
    parser.add_argument("--repo", default=REPO, help="the checkout whose config/ and Playbooks/ are copied")
    parser.add_argument("--keep", action="store_true", help="keep each run's temp directories")
    args = parser.parse_args()
    binary = os.path.abspath(args.grace)
    if not os.access(binary, os.X_OK):
        parser.error(f"{binary} is not executable")
    runs = 1 if args.short else args.runs
    return run_and_report(lambda: one_run(binary, args.repo, args.keep), runs, FIGURES, binary, args.out)


if __name__ == "__main__":
    sys.exit(main())
