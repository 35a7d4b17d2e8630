#!/usr/bin/env python3
"""Leave-one-system-out evaluation of the miner's settings, from MineBench --grid output.

usage: loso.py GRID_JSONL [REPORT_MD]

GRID_JSONL holds one object per (setting, masks on/off, system) with its grouping accuracy. For each mask choice
and each system S: the settings are ranked by their mean accuracy on the other systems, the best is "chosen on
the others", and S is scored with it. Several settings often tie on the others; S's figure is then the mean of
S's accuracy over all the tied settings (what choosing at random among equally good settings gives), and the
worst of them is shown too. Beside it: the defaults (MinerOptions()), which were chosen looking at every system,
and the best setting for S alone (an upper bound, fitted to S).
"""
import collections
import json
import sys

DEFAULTS = {"threshold": 0.95, "distinct": 5, "shared": True, "multi": True, "optional": True}
KEYS = ("threshold", "distinct", "shared", "multi", "optional")


def setting_key(record):
    return tuple(record.get(k, False) for k in KEYS)


def evaluate(records):
    """{system: {setting: accuracy}} -> rows per system and the means."""
    by_system = collections.defaultdict(dict)
    for r in records:
        by_system[r["system"]][setting_key(r)] = r["accuracy"]
    systems = sorted(by_system)
    settings = sorted(set.intersection(*(set(v) for v in by_system.values())))
    default = setting_key(DEFAULTS)
    rows = []
    for held in systems:
        others = [s for s in systems if s != held]
        score = {k: sum(by_system[s][k] for s in others) / len(others) for k in settings}
        best = max(score.values())
        tied = [k for k in settings if abs(score[k] - best) < 1e-12]
        held_scores = [by_system[held][k] for k in tied]
        rows.append({
            "system": held,
            "default": by_system[held].get(default),
            "loso": sum(held_scores) / len(held_scores),
            "loso_min": min(held_scores),
            "tied": len(tied),
            "chosen": tied,
            "oracle": max(by_system[held][k] for k in settings),
        })
    return rows, settings


def table(title, rows):
    def mean(key):
        values = [r[key] for r in rows if r[key] is not None]
        return sum(values) / len(values) if values else float("nan")

    lines = [
        f"**{title}**",
        "",
        "| System | defaults (tuned on all 8) | leave-one-out (chosen on the other 7) | worst tied setting "
        "| settings tied on the 7 | best for this system alone |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        lines.append(
            f"| {r['system']} | {r['default']:.4f} | {r['loso']:.4f} | {r['loso_min']:.4f} | {r['tied']} "
            f"| {r['oracle']:.4f} |")
    lines.append(
        f"| **mean** | **{mean('default'):.4f}** (min {min(r['default'] for r in rows):.4f}) "
        f"| **{mean('loso'):.4f}** (min {min(r['loso'] for r in rows):.4f}) "
        f"| {mean('loso_min'):.4f} (min {min(r['loso_min'] for r in rows):.4f}) | | {mean('oracle'):.4f} |")
    return lines


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    records = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    out = []
    summary = {}
    for masks, title in ((True, "With the settings' masks"), (False, "With no masks at all")):
        rows, settings = evaluate([r for r in records if r["masks"] == masks])
        out += table(f"{title} ({len(settings)} settings in the grid)", rows)
        chosen = collections.Counter(k for r in rows for k in r["chosen"])
        always = [k for k, n in chosen.items() if n == len(rows)]
        out.append("")
        if always:
            out.append(f"Settings among the best on the other seven for every held-out system: {len(always)}, "
                       f"{'including' if setting_key(DEFAULTS) in always else 'not including'} the defaults.")
        else:
            out.append("No setting is among the best on the other seven for every held-out system.")
        out.append("")
        summary[masks] = rows
    text = "\n".join(out) + "\n"
    if len(sys.argv) > 2:
        with open(sys.argv[2], "w") as f:
            f.write(text)
    print(text, end="")
    # Exit status: the targets (leave-one-out mean >= 0.95, no system under 0.85) with the settings' masks.
    rows = summary[True]
    ok = sum(r["loso"] for r in rows) / len(rows) >= 0.95 and min(r["loso"] for r in rows) >= 0.85
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
