#!/usr/bin/env python3
"""Turns the JSON figures of one bench/heal/run.sh run (bench/out/heal-STAMP.d/) into a markdown report."""

import argparse
import json
import os
import subprocess
import time

# Peer figures measured earlier on this kind of machine (2 cores) by another session: /work/shared/NOTES.md.
NOTES_SUPERVISORD_UPDATE = (0.53, 0.77)  # s, supervisorctl update, 1,000 programs, one changed
NOTES_PROMETHEUS_RELOAD = 0.38  # s, /-/reload with 1,000 rules
NOTES_SUPERVISORD_BOOT = (7.7, 13.0)  # s, start 1,000 programs


def load(work, name):
    path = os.path.join(work, name + ".json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def ms(x, digits=0):
    return "—" if x is None else f"{x * 1000:,.{digits}f} ms"


def s(x, digits=2):
    return "—" if x is None else f"{x:,.{digits}f} s"


def med(d, key):
    v = (d or {}).get(key) or {}
    return v.get("median") if isinstance(v, dict) else None


def p95(d, key):
    v = (d or {}).get(key) or {}
    return v.get("p95") if isinstance(v, dict) else None


def ratio(a, b):
    """Grace's time `a` against a peer's `b`: the ratio and what it means."""
    if a is None or b is None or a == 0 or b == 0:
        return "—"
    return f"{a / b:.2f} ({b / a:.1f}× faster)" if a < b else f"{a / b:.2f} ({a / b:.1f}× slower)"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("work")
    a = p.parse_args()
    bench, reload, sup, crash, hb, cor = (
        load(a.work, n) for n in ("bench", "reload", "supervisord", "crash", "heartbeat", "corruption"))

    out = []
    w = out.append
    load_avg = " ".join(f"{x:.2f}" for x in os.getloadavg())
    cpus = os.cpu_count()
    def source(name):
        path = os.path.join(a.work, name)
        if not os.path.exists(path):
            return None
        commit, dirty = (open(path).read().split() + ["?", "0"])[:2]
        return commit + (f" (working tree: {dirty} files changed under Sources/)" if dirty != "0" else "")
    w(f"## Healing (issue 4) — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    w("")
    built = []
    if source("bench-source.txt"):
        built.append(f"HealBench (Interpreter and GraceDSL) from commit {source('bench-source.txt')}")
    if source("grace-source.txt"):
        demo = os.path.join(a.work, "demo-build.txt")
        how = open(demo).read().strip() if os.path.exists(demo) else "release"
        built.append(f"grace and grace-demo ({how}) from commit {source('grace-source.txt')}")
    w(f"Release builds: {'; '.join(built) or '?'}. {cpus} cores (shared); load average at the end {load_avg}.")
    w("")
    loads = [f"{n} {' '.join(f'{x:.1f}' for x in d['load_avg'])}" for n, d in
             (("HealBench", bench), ("reload", reload), ("supervisord", sup), ("crash", crash), ("heartbeat", hb),
              ("corruption", cor)) if d and d.get("load_avg")]
    if loads:
        w(f"Load average (1, 5, 15 min) at the end of each part: {'; '.join(loads)}.")
        w("")
    w("| # | measure | Grace | target or peer | verdict |")
    w("| --- | --- | --- | --- | --- |")

    if bench:
        t = bench["throughput"]
        obs = t["modes"]["observe"]
        loop = t["modes"]["healer_loop"]
        target = 100_000
        cpu_rate = obs["events_per_cpu_s_median"]
        w(f"| a | trigger evaluation: {t['triggers']:,} triggers over {t['kernels']} kernels, {t['events']:,} mixed events, "
          f"`TriggerEngine.observe`, median of {obs['runs']} runs | **{cpu_rate:,.0f} events per CPU-second** "
          f"({obs['cpu_ns_per_event_median']:,.0f} ns of CPU per event); wall: {obs['events_per_s_median']:,.0f} events/s | "
          f"100,000 events/s | {'meets' if cpu_rate >= target else 'misses'} ({cpu_rate / target:.2f}× the target) |")
        lrate = loop["events_per_cpu_s_median"]
        w(f"| a′ | the same plus the healer's timer upkeep (move the timer when `touchedDeadline` is sooner; when it is due, "
          f"`tick` and a full `nextDeadline()` scan: {loop.get('ticks', 0):,} ticks), {loop['events']:,} events, median of "
          f"{loop['runs']} | {lrate:,.0f} events per CPU-second "
          f"({loop['cpu_ns_per_event_median']:,.0f} ns/event) | 100,000 events/s | "
          f"{'meets' if lrate >= target else 'misses'} ({lrate / target:.2f}×) |")
        kinds = ", ".join(f"{k} {v['cpu_ns_per_event_median']:,.0f} ns ({v['events']:,} events)"
                          for k, v in sorted(t["by_kind"].items()))
        w(f"| a″ | CPU per event by kind, `observe` fed one kind only, median of 3 | {kinds} | | |")
        r = bench["reload"]
        w(f"| b | reload in-process: compile {r['kernels']:,} kernels with one changed + `GraphDiff` (median of {r['runs']}) | "
          f"**{r['compile_diff_ms_median']:,.1f} ms** (compile {r['compile_ms_median']:,.1f}, diff {r['diff_ms_median']:,.2f}) | "
          f"100 ms | {'meets' if r['compile_diff_ms_median'] <= 100 else 'misses'} |")
    if reload and "reps" in reload and reload["reps"]:
        j = med(reload, "journal_ms")
        started = med(reload, "to_kernel_started_s")
        proc = med(reload, "to_new_process_s")
        cmd = med(reload, "reload_command_s")
        w(f"| c | reload end to end, {reload['kernels']:,} kernels, one changed: `config.reloaded` `ms=` (median of "
          f"{len(reload['reps'])}) | **{j:,.1f} ms** | 100 ms | {'meets' if j is not None and j <= 100 else 'misses'} |")
        sup_new = med(sup, "to_new_process_s") if sup else None
        peers = (f"supervisord {NOTES_SUPERVISORD_UPDATE[0]}–{NOTES_SUPERVISORD_UPDATE[1]} s (NOTES), "
                 f"Prometheus {NOTES_PROMETHEUS_RELOAD} s (NOTES)")
        if sup_new is not None:
            peers = f"supervisord {s(sup_new)} (this run); " + peers
        versus = [f"vs supervisord (NOTES, 0.65 s mid-range) {ratio(started, sum(NOTES_SUPERVISORD_UPDATE) / 2)}",
                  f"vs Prometheus (NOTES) {ratio(started, NOTES_PROMETHEUS_RELOAD)}"]
        if sup_new is not None and proc is not None:
            versus.insert(0, f"vs supervisord (this run, to the new process) {ratio(proc, sup_new)}")
        w(f"| c′ | `grace reload` typed → changed kernel's `kernel.started` line (wall) | **{ms(started)}** "
          f"(new process in /proc: {ms(proc)}; the `grace reload` command itself: {ms(cmd)}) | {peers} | "
          f"{'; '.join(versus)} |")
        w(f"| c″ | other kernels stopped or started by those reloads | {reload.get('other_kernels_touched_max')} | 0 | "
          f"{'ok' if reload.get('other_kernels_touched_max') == 0 else 'NOT ok'} |")
        boot_peer = f"supervisord {NOTES_SUPERVISORD_BOOT[0]}–{NOTES_SUPERVISORD_BOOT[1]} s (NOTES)"
        if sup and sup.get("boot_all_started_s") is not None:
            boot_peer = f"supervisord {s(sup['boot_all_started_s'], 1)} (this run); " + boot_peer
        w(f"| c‴ | start {reload['kernels']:,} kernels (`grace run` → last `kernel.started`) | {s(reload.get('boot_all_started_s'), 1)} "
          f"(grace RSS {reload.get('grace_rss_mib') or 0:,.0f} MiB, {reload.get('grace_threads')} threads) | {boot_peer} | |")
    elif reload:
        w(f"| c | reload end to end | not measured: {reload.get('error', 'no repetitions')} | | |")
    if crash:
        f2h = med(crash, "fault_to_healthy_s")
        own = med(crash, "started_to_ready_s")
        started = med(crash, "to_kernel.started")
        ready = med(crash, "to_kernel.ready")
        budget = (own + 0.100) if own is not None else None
        over = (f2h - budget) if f2h is not None and budget is not None else None
        verdict = "—" if over is None else ("meets" if over <= 0 else f"misses by {over * 1000:.1f} ms")
        w(f"| d | kernel crash (SIGKILL) → first `kernel.healthy`, healed by a playbook (`restart` + `wait_healthy`), "
          f"{crash['healed']}/{len(crash['runs'])} healed | **{ms(f2h)}** median, {ms(p95(crash, 'fault_to_healthy_s'))} p95 | "
          f"100 ms + the kernel's own start ({ms(own, 1)}) = {ms(budget)} | {verdict}; `kernel.ready` → `kernel.healthy` "
          f"{ms(f2h - ready if f2h is not None and ready is not None else None, 1)} (the probe that runs when READY=1 "
          f"arrives; probes that failed while the kernel was starting do not count) |")
        rover = (ready - own - 0.100) if ready is not None and own is not None else None
        w(f"| d′ | the same, kill → `kernel.ready` (sd_notify READY=1) | **{ms(ready, 1)}** median, "
          f"{ms(p95(crash, 'to_kernel.ready'), 1)} p95 | 100 ms + {ms(own, 1)} | "
          f"{'meets' if rover is not None and rover <= 0 else 'misses'} |")
        w(f"| d″ | its phases (medians from the kill): exit noticed {ms(med(crash, 'to_kernel.exited'), 1)}, trigger fired "
          f"{ms(med(crash, 'to_trigger.fired'), 1)}, `kernel.started` {ms(started, 1)}, `kernel.ready` {ms(ready, 1)}; "
          f"grace-demo's own start (`kernel.started` → `kernel.ready`) {ms(own, 1)} | Grace's part, kill → `kernel.started`: "
          f"**{ms(started, 1)}** | | |")
    if hb:
        f2h = med(hb, "fault_to_healthy_s")
        det = med(hb, "fault_to_detected_s")
        w(f"| e | heartbeat silence (`POST /fault/silence`, `watchdog: 500ms`) → first `kernel.healthy`, healed by a "
          f"playbook (`restart`), {hb['healed']}/{len(hb['runs'])} healed | **{ms(f2h)}** median, "
          f"{ms(p95(hb, 'fault_to_healthy_s'))} p95 | the watchdog (500 ms, less the time since the last WATCHDOG=1) + "
          f"restart + start | |")
        w(f"| e′ | its phases (medians from the fault): silence detected {ms(det)}, `kernel.started` "
          f"{ms(med(hb, 'to_kernel.started'))}, `kernel.ready` {ms(med(hb, 'to_kernel.ready'))} | | | |")
    if cor and cor.get("runs"):
        f2h = med(cor, "fault_to_healthy_s")
        w(f"| f | data corruption (`POST /fault/corrupt?how=flip`: grace-demo answers 503) → first `kernel.healthy`, healed "
          f"by a playbook (`stop`, `restore` last good snapshot, `verify`, `start`, `wait_healthy`), "
          f"{cor['healed']}/{len(cor['runs'])} healed | **{ms(f2h)}** median, {ms(p95(cor, 'fault_to_healthy_s'))} p95 | "
          f"| |")
        w(f"| f′ | its phases (medians from the fault): `kernel.unhealthy` {ms(med(cor, 'to_kernel.unhealthy'))}, "
          f"`snapshot.restored` {ms(med(cor, 'to_snapshot.restored'))}, `kernel.started` {ms(med(cor, 'to_kernel.started'))}, "
          f"`kernel.ready` {ms(med(cor, 'to_kernel.ready'))} | | | |")
    elif cor:
        w(f"| f | data corruption | not measured: {cor.get('error', 'no runs')} | | |")
    w("")
    print("\n".join(out))


if __name__ == "__main__":
    main()
