#!/usr/bin/env python3
"""Scores bench/mine's CSVs and runs Drain (logpai's logparser3) on the same files.

usage: evaluate.py DATA_DIR OUT_DIR MINEBENCH_JSONL REPORT_MD [--no-drain]

- Grouping accuracy of each OUT_DIR/csv/SYS_2k.log_structured.csv against the ground truth, twice: with
  `get_accuracy` below (a line-by-line port of logpai's, no pandas needed) and, when logparser3 is importable,
  with logpai's own `logparser.utils.evaluator.evaluate`. The two must agree with MineBench's Swift evaluator.
- Drain: `logparser.Drain.LogParser` with the published per-system settings (log_format, regex, st, depth from
  settings.json), keep_para=False (Grace's CSV has no parameter column either), timed in process CPU time around
  parse() (reading, splitting, masking, clustering, writing its CSV: the same span as Grace's end-to-end time),
  and scored with logpai's evaluator.
- Writes REPORT_MD: the table per system and the means.
"""
import collections
import contextlib
import csv
import io
import json
import os
import sys
import time


def get_accuracy(truth, predicted):
    """logpai's get_accuracy, grouping accuracy only: a line counts when its predicted group holds exactly the
    lines of one ground-truth event."""
    truth_size = collections.Counter(truth)
    groups = collections.defaultdict(list)
    for index, event in enumerate(predicted):
        groups[event].append(index)
    accurate = 0
    for indices in groups.values():
        events = collections.Counter(truth[i] for i in indices)
        if len(events) == 1:
            (event,) = events
            if truth_size[event] == len(indices):
                accurate += len(indices)
    return accurate / len(truth)


def read_ids(path):
    with open(path, newline="", encoding="utf-8") as f:
        return [row["EventId"] for row in csv.DictReader(f)]


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    run_drain = "--no-drain" not in sys.argv
    data_dir, out_dir, jsonl, report = args
    settings = json.load(open(os.path.join(data_dir, "settings.json")))
    grace = {}
    summary = {}
    for line in open(jsonl):
        record = json.loads(line)
        if record.get("summary"):
            summary = record
        else:
            grace[record["system"]] = record

    try:
        from logparser.Drain import LogParser
        from logparser.utils import evaluator
        have_logparser = True
    except Exception as error:  # not installed: say so, use the published figures
        have_logparser = False
        print(f"logparser3 not importable ({error}); Drain is shown with its published figures only")

    rows = []
    for system in sorted(grace):
        truth_path = os.path.join(data_dir, system, f"{system}_2k.log_structured.csv")
        ours = os.path.join(out_dir, "csv", f"{system}_2k.log_structured.csv")
        truth = [e for e in read_ids(truth_path)]
        predicted = read_ids(ours)
        keep = [i for i, e in enumerate(truth) if e != ""]
        python_accuracy = get_accuracy([truth[i] for i in keep], [predicted[i] for i in keep])
        logpai_accuracy = None
        drain_accuracy = drain_rate = None
        if have_logparser:
            with contextlib.redirect_stdout(io.StringIO()):
                _, logpai_accuracy = evaluator.evaluate(truth_path, ours)
            if run_drain:
                setting = settings[system]
                drain_out = os.path.join(out_dir, "drain")
                parser = LogParser(
                    setting["log_format"], indir=os.path.join(data_dir, system), outdir=drain_out,
                    depth=setting.get("drain_depth", 4), st=setting.get("drain_st", 0.5),
                    rex=setting["masks"], keep_para=False)
                with contextlib.redirect_stdout(io.StringIO()):
                    start = time.process_time()
                    parser.parse(f"{system}_2k.log")
                    seconds = time.process_time() - start
                    _, drain_accuracy = evaluator.evaluate(
                        truth_path, os.path.join(drain_out, f"{system}_2k.log_structured.csv"))
                drain_rate = len(truth) / seconds
        record = grace[system]
        rows.append({
            "system": system,
            "lines": record["lines"],
            "grace": record["accuracy"],
            "python": python_accuracy,
            "logpai": logpai_accuracy,
            "published": settings[system].get("drain_published_accuracy"),
            "drain": drain_accuracy,
            "mine_rate": record["linesPerSecond"],
            "e2e_rate": record["endToEndLinesPerSecond"],
            "drain_rate": drain_rate,
        })
        agree = abs(python_accuracy - record["accuracy"]) < 1e-9 and (
            logpai_accuracy is None or abs(logpai_accuracy - record["accuracy"]) < 1e-9)
        print(f"{system}: grace {record['accuracy']:.4f} (python {python_accuracy:.4f}, logpai "
              f"{'n/a' if logpai_accuracy is None else f'{logpai_accuracy:.4f}'}{'' if agree else ', DISAGREE'}), "
              f"drain {'n/a' if drain_accuracy is None else f'{drain_accuracy:.4f}'} published "
              f"{settings[system].get('drain_published_accuracy')}; {record['linesPerSecond']} lines/s mining, "
              f"{record['endToEndLinesPerSecond']} end-to-end"
              + ("" if drain_rate is None else f", drain {drain_rate:.0f} lines/s"))

    def fmt(value, digits=4):
        return "n/a" if value is None else f"{value:.{digits}f}"

    def mean(key):
        values = [r[key] for r in rows if r[key] is not None]
        return sum(values) / len(values) if len(values) == len(rows) and rows else None

    lines = [
        "| System | Grace accuracy | Drain published | Drain measured | Grace lines/s (mining) "
        "| Grace lines/s (end to end) | Drain lines/s | end-to-end ratio |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        drain_rate = "n/a" if r["drain_rate"] is None else f"{r['drain_rate']:,.0f}"
        ratio = "n/a" if r["drain_rate"] is None else f"{r['e2e_rate'] / r['drain_rate']:.0f}x"
        lines.append(
            f"| {r['system']} | {fmt(r['grace'])} | {fmt(r['published'])} | {fmt(r['drain'])} | "
            f"{r['mine_rate']:,} | {r['e2e_rate']:,} | {drain_rate} | {ratio} |")
    total_lines = sum(r["lines"] for r in rows)
    drain_total = "n/a"
    total_ratio = "n/a"
    if rows and all(r["drain_rate"] for r in rows):
        rate = total_lines / sum(r["lines"] / r["drain_rate"] for r in rows)
        drain_total = f"{rate:,.0f}"
        total_ratio = f"{summary.get('endToEndLinesPerSecond', 0) / rate:.0f}x"
    lines.append(
        f"| **mean / all** | **{fmt(mean('grace'))}** (min {fmt(min(r['grace'] for r in rows))}) | "
        f"{fmt(mean('published'))} | {fmt(mean('drain'))} | {summary.get('linesPerSecond', 0):,} | "
        f"{summary.get('endToEndLinesPerSecond', 0):,} | {drain_total} | {total_ratio} |")
    agreement = all(
        abs(r["python"] - r["grace"]) < 1e-9 and (r["logpai"] is None or abs(r["logpai"] - r["grace"]) < 1e-9)
        for r in rows)
    notes = [
        "",
        f"Evaluators agree (Swift, Python port of get_accuracy"
        f"{', logpai evaluator' if have_logparser else ''}): {'yes' if agreement else 'NO'}.",
    ]
    if not have_logparser:
        notes.append("logparser3 could not be installed: Drain measured columns are n/a; published figures shown.")
    with open(report, "w") as f:
        f.write("\n".join(lines + notes) + "\n")
    print("\n".join(lines + notes))
    return 0 if agreement else 1


if __name__ == "__main__":
    sys.exit(main())
