#!/usr/bin/env python3
"""Summarises a `grace chaos --journal` file: drills that healed without a human within their declared time, the
heal times, and each failure with its reason. Usage: report.py JOURNAL.json"""
import json
import statistics
import sys

journal = json.load(open(sys.argv[1]))
drills = journal["drills"]
ok = [d for d in drills if d["status"] == "completed"]
healed = sorted(d["healed_ms"] for d in drills if d.get("healed_ms") is not None)
print(f"{sys.argv[1]}: {len(ok)} of {len(drills)} drills completed "
      f"({100.0 * len(ok) / max(1, len(drills)):.1f}%), seed {journal.get('seed')}")
if healed:
    print(f"  heal time: median {statistics.median(healed) / 1000:.1f} s, "
          f"max {healed[-1] / 1000:.1f} s over {len(healed)} healed drills")
by = {}
for d in drills:
    by.setdefault(d["scenario"], []).append(d)
for name, runs in sorted(by.items()):
    done = sum(1 for d in runs if d["status"] == "completed")
    times = [d["healed_ms"] / 1000 for d in runs if d.get("healed_ms") is not None]
    print(f"  {name:28} {done}/{len(runs)}  heal " + (f"{min(times):.1f}-{max(times):.1f} s" if times else "-"))
for d in drills:
    if d["status"] != "completed":
        print(f"  FAILED {d['drill']}: {d['status']}: {d.get('detail')}")
