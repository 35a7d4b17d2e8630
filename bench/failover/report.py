#!/usr/bin/env python3
"""Table of bench/failover results: RESULTS/SYSTEM/FAULT/N.json (client.py's summaries).

report.py DIR            prints a Markdown table: trials, median and max unavailability, acknowledged writes,
                         lost, split brain, and each system's median as a ratio to grace-local's (same fault).
report.py --check DIR    exits 1 if any trial lost a write, saw a split brain, has no verification, or exceeded
                         --max-unavailability seconds.
"""
import argparse
import json
import pathlib
import statistics
import sys

ORDER = ["grace-local", "grace-etcd", "patroni-default", "patroni-fast"]


def load(root):
    data = {}
    for f in sorted(pathlib.Path(root).glob("*/*/*.json")):
        sys_, fault = f.parent.parent.name, f.parent.name
        data.setdefault((sys_, fault), []).append(json.loads(f.read_text()))
    return data


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("root")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--max-unavailability", type=float, default=10.0)
    a = ap.parse_args()
    data = load(a.root)
    if a.check:
        bad = []
        for (s, f), runs in data.items():
            for r in runs:
                v = r["verify"]
                if v["lost"] is None:
                    bad.append(f"{s}/{f}: no single primary to verify against ({v['primary_ports']})")
                elif v["lost"] > 0:
                    bad.append(f"{s}/{f}: {v['lost']} acknowledged writes lost")
                if r["split_brain_acks"] or (v.get("foreign_rows_after_takeover") or 0):
                    bad.append(f"{s}/{f}: split brain")
                if r["unavailability_s"] > a.max_unavailability:
                    bad.append(f"{s}/{f}: unavailability {r['unavailability_s']} s > {a.max_unavailability} s")
        if not data:
            bad.append("no results")
        for b in bad:
            print("FAIL:", b)
        sys.exit(1 if bad else 0)

    faults = sorted({f for _, f in data}, key=lambda f: ["kill9", "sigstop"].index(f) if f in ("kill9", "sigstop") else 9)
    systems = sorted({s for s, _ in data}, key=lambda s: ORDER.index(s) if s in ORDER else 99)
    print("| system | fault | trials | unavailability median s | max s | new primary's first write median s "
          "| acknowledged writes | lost | split brain | median ÷ grace-local |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    base = {}
    for f in faults:
        if ("grace-local", f) in data:
            base[f] = statistics.median(r["unavailability_s"] for r in data[("grace-local", f)])
    for f in faults:
        for s in systems:
            runs = data.get((s, f))
            if not runs:
                continue
            u = [r["unavailability_s"] for r in runs]
            first = [r["first_ack_from_new_primary_s"] for r in runs if r["first_ack_from_new_primary_s"] is not None]
            lost = [r["verify"]["lost"] for r in runs]
            lost_txt = "?" if any(x is None for x in lost) else str(sum(lost))
            split = sum(r["split_brain_acks"] + (r["verify"].get("foreign_rows_after_takeover") or 0) for r in runs)
            med = statistics.median(u)
            ratio = f"{med / base[f]:.1f}" if f in base and base[f] > 0 else "–"
            print(f"| {s} | {f} | {len(runs)} | {med:.2f} | {max(u):.2f} | "
                  f"{statistics.median(first):.2f} | {sum(r['acknowledged'] for r in runs)} | {lost_txt} | {split} | {ratio} |"
                  if first else
                  f"| {s} | {f} | {len(runs)} | {med:.2f} | {max(u):.2f} | – | "
                  f"{sum(r['acknowledged'] for r in runs)} | {lost_txt} | {split} | {ratio} |")


if __name__ == "__main__":
    main()
