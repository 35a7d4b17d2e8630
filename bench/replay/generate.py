#!/usr/bin/env python3
"""bench/replay/generate.py OUT [--kernels 20] [--hours 24] [--seed 20]

A configuration root of KERNELS kernels and, in OUT/var/grace/grace.sqlite (already created and migrated by
`grace`), HOURS of the history such a system records: for each kernel a metric sample every 5 s (cpu, memory_rss,
memory, open_fds, fd_usage, threads, zombies, log_rate), a probe latency every 5 s, a heartbeat every 5 s, a log line
every 10 s; the host's sample every 5 s; and incidents (memory climbs, CPU spikes, crashes with their journal entries,
bursts of timeout errors, a kernel that falls silent). Journal entries are hash-chained exactly as Grace chains
them (JournalChain.swift), so `grace journal verify` passes.

Also writes OUT/prometheus/{rules.yml,test.yml}: the same memory, CPU and host CPU series and the same threshold
conditions as Prometheus alerting rules, for `promtool test rules` (the peer: re-evaluating alert conditions over
recorded series).
"""
import argparse, hashlib, json, math, os, random, sqlite3, struct

p = argparse.ArgumentParser()
p.add_argument("out")
p.add_argument("--kernels", type=int, default=20)
p.add_argument("--hours", type=float, default=24)
p.add_argument("--seed", type=int, default=20)
a = p.parse_args()
rng = random.Random(a.seed)
names = [f"k{i:02d}" for i in range(1, a.kernels + 1)]
MIB = 1 << 20
STEP = 5  # seconds

os.makedirs(f"{a.out}/config", exist_ok=True)
with open(f"{a.out}/config/grace.yaml", "w") as f:
    f.write("kind: grace\nname: replay-bench\nstate_dir: var/grace\ninclude: [config]\n")
with open(f"{a.out}/config/kernels.yaml", "w") as f:
    for n in names:
        f.write(f"---\nkind: kernel\nname: {n}\ncommand: [/bin/sleep, infinity]\nwatchdog: 10s\n")
with open(f"{a.out}/config/triggers.yaml", "w") as f:
    f.write("kind: playbook\nname: restart-kernel\nparams: {kernel: {type: kernel}}\n"
            "steps: [{restart: \"{{ kernel }}\"}]\n")
    for n in names:
        f.write(f"""---
kind: trigger
name: {n}-memory
when: {{metric: memory_rss, kernel: {n}, above: 200MiB, for: 30s}}
run: restart-kernel
with: {{kernel: {n}}}
cooldown: 5m
---
kind: trigger
name: {n}-cpu
when: {{metric: cpu, kernel: {n}, above: 80%, for: 1m}}
run: restart-kernel
with: {{kernel: {n}}}
cooldown: 5m
---
kind: trigger
name: {n}-leak
when: {{predict: memory_rss, kernel: {n}, above: 400MiB, within: 15m, window: 10m}}
run: restart-kernel
with: {{kernel: {n}}}
cooldown: 30m
---
kind: trigger
name: {n}-crashed
when: {{exit: {n}}}
run: restart-kernel
with: {{kernel: {n}}}
cooldown: 1m
---
kind: trigger
name: {n}-timeouts
when: {{log: "ERROR .* timed out", kernel: {n}, count: 5, within: 1m}}
run: restart-kernel
with: {{kernel: {n}}}
cooldown: 5m
---
kind: trigger
name: {n}-silent
when: {{silence: {n}}}
run: restart-kernel
with: {{kernel: {n}}}
cooldown: 5m
""")
    f.write("""---
kind: trigger
name: host-cpu
when: {metric: host_cpu, above: 85%, for: 1m}
run: restart-kernel
with: {kernel: k01}
cooldown: 5m
""")

db = sqlite3.connect(f"{a.out}/var/grace/grace.sqlite")
db.execute("PRAGMA journal_mode=WAL")
start_ms = 1_796_000_000_000  # 2026-11-30
end_s = int(a.hours * 3600)

# --- journal, chained like JournalChain.hash ---
head = db.execute("SELECT id, hash FROM journal ORDER BY id DESC LIMIT 1").fetchone() or (0, "0" * 64)
last_id, last_hash = head
journal = []


def part(b):
    return struct.pack(">Q", len(b)) + b


def chain(ms, kind, kernel, fields):
    global last_id, last_hash
    last_id += 1
    data = part(b"grace.journal.v1") + part(last_hash.encode()) + part(struct.pack(">q", last_id))
    data += part(struct.pack(">q", ms)) + part(kind.encode())
    data += part(b"\x01") + part(kernel.encode()) if kernel is not None else part(b"\x00")
    data += part(struct.pack(">q", len(fields)))
    for k in sorted(fields, key=lambda s: s.encode()):
        data += part(k.encode()) + part(fields[k].encode())
    h = hashlib.sha256(data).hexdigest()
    text = json.dumps(dict(sorted(fields.items(), key=lambda kv: kv[0].encode())), separators=(",", ":"),
                      ensure_ascii=False)
    journal.append((last_id, ms, kind, kernel, text, last_hash, h))
    last_hash = h


chain(start_ms - 60_000, "grace.started", None, {"graph": "bench", "pid": "1"})
pids = {}
for n in names:
    pids[n] = rng.randint(1000, 60000)
    chain(start_ms - 59_000, "kernel.started", n, {"pid": str(pids[n])})

# --- incidents, per kernel: (start second, kind) ---
incidents = {n: [] for n in names}
for n in names:
    for _ in range(int(a.hours / 3) + 1):
        incidents[n].append((rng.randrange(0, end_s), rng.choice(["memory", "cpu", "crash", "timeouts", "leak",
                                                                   "silent"])))

rows = []
state = {n: {"rss": 80 * MIB + rng.random() * 40 * MIB, "cpu": 5.0, "silent_until": -1} for n in names}
events = sorted((t, n, k) for n in names for (t, k) in incidents[n])
ei = 0
active = {n: [] for n in names}  # (until, kind)
for s in range(0, end_s, STEP):
    ms = start_ms + s * 1000
    while ei < len(events) and events[ei][0] <= s:
        t, n, kind = events[ei]
        ei += 1
        if kind == "crash":
            pids[n] += 1
            chain(ms, "kernel.exited", n, {"pid": str(pids[n] - 1), "code": "2", "ran_ms": "3600000", "core": "false"})
            chain(ms, "kernel.restarting", n, {"attempt": "1", "delay_ms": "200"})
            chain(ms + 300, "kernel.started", n, {"pid": str(pids[n])})
            state[n]["rss"] = 80 * MIB
        elif kind == "silent":
            state[n]["silent_until"] = s + 40
        else:
            active[n].append((s + {"memory": 120, "cpu": 150, "timeouts": 60, "leak": 900}[kind], kind))
    host_cpu = 20 + 10 * math.sin(s / 3600)
    for n in names:
        st = state[n]
        kinds = [k for (until, k) in active[n] if until > s]
        active[n] = [(u, k) for (u, k) in active[n] if u > s]
        target = 90 * MIB
        if "memory" in kinds:
            target = 230 * MIB
        if "leak" in kinds:
            st["rss"] += 0.35 * MIB * STEP
        else:
            st["rss"] += (target - st["rss"]) * 0.2 + rng.gauss(0, 0.5 * MIB)
        st["cpu"] = 95 if "cpu" in kinds else max(0.0, 5 + rng.gauss(0, 2))
        host_cpu += st["cpu"] / len(names)
        rss = max(1.0, st["rss"])
        text = (f"cpu={st['cpu']!r} memory_rss={float(round(rss))!r} memory={rss / (256 * MIB) * 100!r} "
                f"open_fds={float(rng.randint(20, 40))!r} threads=8.0 zombies=0.0 "
                f"fd_usage={rng.uniform(1, 3)!r} log_rate={rng.uniform(0, 1)!r}")
        rows.append((ms, "metrics", n, None, text))
        rows.append((ms + 7, "metrics", n, None, f"latency={rng.uniform(0.001, 0.01)!r}"))
        if s >= st["silent_until"]:
            rows.append((ms + 11, "heartbeat", n, None, ""))
        if s % 10 == 0:
            rows.append((ms + 13, "log", n, "stdout", f"2026-11-30 00:00:00 INFO http: GET /items/{rng.randint(1, 9999)} 200 {rng.randint(1, 40)}ms"))
        if "timeouts" in kinds and s % 10 == 5:
            for j in range(3):
                rows.append((ms + 17 + j, "log", n, "stderr", f"2026-11-30 00:00:00 ERROR upstream: request {rng.randint(1, 99999)} timed out after 5000ms"))
    rows.append((ms + 3, "metrics", None, None,
                 f"host_memory={rng.uniform(30, 40)!r} host_load1={rng.uniform(0.5, 2)!r} disk_free={50e9!r} host_cpu={min(100.0, host_cpu)!r}"))

db.executemany("INSERT INTO journal (id, time, kind, kernel, fields, previous_hash, hash) VALUES (?,?,?,?,?,?,?)",
               journal)
db.executemany("INSERT INTO history (time, kind, kernel, name, text) VALUES (?,?,?,?,?)", rows)
db.commit()
# The head anchor (journal.head) is Grace's own record of its last commit; a generated journal has none.
print(json.dumps({"from_ms": start_ms, "to_ms": start_ms + end_s * 1000, "records": len(rows),
                  "journal": len(journal), "kernels": len(names)}))

# --- the Prometheus peer: the same memory, CPU and host CPU series, the same conditions ---
os.makedirs(f"{a.out}/prometheus", exist_ok=True)
series = {}
for (ms, kind, kernel, name, text) in rows:
    if kind != "metrics":
        continue
    for pair in text.split(" "):
        k, v = pair.split("=")
        if k in ("memory_rss", "cpu") and kernel:
            series.setdefault(f'{k}{{kernel="{kernel}"}}', []).append(v)
        elif k == "host_cpu":
            series.setdefault("host_cpu", []).append(v)
with open(f"{a.out}/prometheus/rules.yml", "w") as f:
    f.write("groups:\n- name: bench\n  interval: 5s\n  rules:\n")
    f.write("  - alert: Memory\n    expr: memory_rss > 209715200\n    for: 30s\n")
    f.write("  - alert: CPU\n    expr: cpu > 80\n    for: 1m\n")
    f.write("  - alert: Leak\n    expr: predict_linear(memory_rss[10m], 900) > 419430400\n")
    f.write("  - alert: HostCPU\n    expr: host_cpu > 85\n    for: 1m\n")
with open(f"{a.out}/prometheus/test.yml", "w") as f:
    f.write("rule_files: [rules.yml]\nevaluation_interval: 5s\ntests:\n- interval: 5s\n  input_series:\n")
    for name, values in series.items():
        f.write(f"  - series: '{name}'\n    values: '{' '.join(values)}'\n")
    # One check at the end makes promtool evaluate every step up to it; its expectation is not the point.
    f.write(f"  alert_rule_test:\n  - eval_time: {end_s - STEP}s\n    alertname: HostCPU\n    exp_alerts: []\n")
