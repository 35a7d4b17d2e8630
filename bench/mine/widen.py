#!/usr/bin/env python3
"""Makes a Loghub-style folder whose values vary in width: the same events, the same ground truth.

usage: widen.py DATA_DIR OUT_DIR [--seed N] [--list P] [--drop P]

For each system in DATA_DIR/settings.json, each line's message is matched against its ground-truth template (each
`<*>` a lazy group). Every value that fills a whole token is then, independently, with probability --list (0.2)
followed by another value seen in the same slot of the same event (a list of two: `db1 db2`, `10.0.0.7 10.0.0.9`),
or with probability --drop (0.1) left out (a value the statement prints only sometimes). The raw line gets the new
message, the ground truth keeps the line's event: a miner that splits a statement by the width of its values loses
those lines. Lines whose template does not match their message (Loghub's templates are not always exact) are left
as they are. settings.json is copied; its masks still apply to the values, which keep their shapes.

This tests the claim of issue 19 on real messages and real values; it is not a sample of real logs: real lists
and optional values are not spread uniformly over every slot, and values that are plain words (user names) make
lists of words, which a miner that tells values by their shape keeps apart, as it should for a constant word.
"""
import csv
import json
import os
import random
import re
import shutil
import sys


def template_regex(template):
    parts = template.split("<*>")
    return re.compile("^" + "(.*?)".join(re.escape(p) for p in parts) + "$", re.S)


def main():
    args = [a for a in sys.argv[1:]]
    options = {"--seed": "19", "--list": "0.2", "--drop": "0.1"}
    positional = []
    while args:
        a = args.pop(0)
        if a in options:
            options[a] = args.pop(0)
        else:
            positional.append(a)
    if len(positional) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    data, out = positional
    rng = random.Random(int(options["--seed"]))
    p_list, p_drop = float(options["--list"]), float(options["--drop"])
    settings = json.load(open(os.path.join(data, "settings.json")))
    os.makedirs(out, exist_ok=True)
    shutil.copy(os.path.join(data, "settings.json"), os.path.join(out, "settings.json"))
    for system in sorted(settings):
        src = os.path.join(data, system)
        dst = os.path.join(out, system)
        os.makedirs(dst, exist_ok=True)
        with open(os.path.join(src, f"{system}_2k.log_structured.csv"), newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            fields = reader.fieldnames
            rows = list(reader)
        with open(os.path.join(src, f"{system}_2k.log"), encoding="utf-8", newline="") as f:
            text = f.read()
        raw = text.split("\n")
        final_newline = text.endswith("\n")
        if final_newline:
            raw.pop()
        assert len(raw) == len(rows), (system, len(raw), len(rows))
        # Loghub's files end their lines with CRLF: keep each line's ending as it was.
        endings = ["\r" if line.endswith("\r") else "" for line in raw]
        raw = [line[:-1] if ending else line for line, ending in zip(raw, endings)]
        # Values seen per (event, slot), to draw list partners from.
        matches = []
        pool = {}
        for row in rows:
            m = template_regex(row["EventTemplate"]).match(row["Content"])
            matches.append(m)
            if m:
                for slot, value in enumerate(m.groups()):
                    if value and not any(c.isspace() for c in value):
                        pool.setdefault((row["EventId"], slot), []).append(value)
        changed = listed = dropped = 0
        for index, (row, m) in enumerate(zip(rows, matches)):
            content = row["Content"]
            if not m or not raw[index].endswith(content):
                continue
            pieces = []
            last = 0
            line_changed = False
            for slot in range(len(m.groups())):
                start, end = m.span(slot + 1)
                value = m.group(slot + 1)
                whole = (value and not any(c.isspace() for c in value)
                         and (start == 0 or content[start - 1].isspace())
                         and (end == len(content) or content[end].isspace()))
                if not whole:
                    continue
                draw = rng.random()
                if draw < p_list:
                    pieces.append(content[last:end] + " " + rng.choice(pool[(row["EventId"], slot)]))
                    last = end
                    listed += 1
                    line_changed = True
                elif draw < p_list + p_drop:
                    # Leave the value out, with the space before it (or after it, at the start).
                    if start > 0:
                        pieces.append(content[last:start - 1])
                        last = end
                    else:
                        last = end + 1 if end < len(content) else end
                    dropped += 1
                    line_changed = True
            if not line_changed:
                continue
            pieces.append(content[last:])
            new = "".join(pieces)
            raw[index] = raw[index][: len(raw[index]) - len(content)] + new
            row["Content"] = new
            changed += 1
        with open(os.path.join(dst, f"{system}_2k.log"), "w", encoding="utf-8", newline="") as f:
            f.write("\n".join(line + ending for line, ending in zip(raw, endings)) + ("\n" if final_newline else ""))
        with open(os.path.join(dst, f"{system}_2k.log_structured.csv"), "w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=fields)
            writer.writeheader()
            writer.writerows(rows)
        print(f"{system}: {changed} of {len(rows)} lines changed ({listed} values made lists, {dropped} left out)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
