#!/usr/bin/env python3
"""Builds a repair corpus from the shipped configuration: one broken copy of config/ + Playbooks/ per case, each
with exactly one defect of one class injected, chosen by a seeded random generator (the same seed gives the same
corpus). Writes CORPUS/original/ (the untouched tree) and CORPUS/NNN-class/ with case.json describing the defect.

usage: make-corpus.py [--seed N] [--per-class K] [--repo ROOT] CORPUS_DIR
"""
import argparse
import json
import os
import random
import re
import shutil
import sys

KEY_LINE = re.compile(r"^(\s*)([a-z_][a-z0-9_]*):( .*)?$")
KINDS = {"kernel", "trigger", "playbook", "signature", "refactor", "fleet", "chaos", "gate", "grace"}


def typo(word, rng, avoid):
    """A one-edit misspelling of `word` (swap, drop or double a letter) that is not in `avoid`."""
    for _ in range(50):
        i = rng.randrange(1, len(word) - 1)
        op = rng.choice(["swap", "drop", "double"])
        if op == "swap":
            w = word[:i] + word[i + 1] + word[i] + word[i + 2:]
        elif op == "drop":
            w = word[:i] + word[i + 1:]
        else:
            w = word[:i] + word[i] + word[i:]
        if w != word and w not in avoid and re.fullmatch(r"[a-z][a-z0-9_-]*", w):
            return w
    return None


def uncommented(line):
    return not line.lstrip().startswith("#")


def names_of(files, kind):
    names = set()
    for text in files.values():
        for doc in re.split(r"^---\s*$", text, flags=re.M):
            if re.search(rf"^kind: {kind}\s*$", doc, re.M):
                m = re.search(r"^name: (\S+)\s*$", doc, re.M)
                if m:
                    names.add(m.group(1))
    return names


# Each injector gets (files: {path: text}, rng) and returns (path, line number, new text, description) or None.
def candidates(files, pattern, filt=lambda path, lines, i, m: True):
    out = []
    for path in sorted(files):
        lines = files[path].split("\n")
        for i, line in enumerate(lines):
            if not uncommented(line):
                continue
            m = re.search(pattern, line)
            if m and filt(path, lines, i, m):
                out.append((path, lines, i, m))
    return out


def edit(c, new_line, description, insert=False):
    path, lines, i, _ = c
    lines = list(lines)
    if insert:
        lines.insert(i, new_line)
    else:
        lines[i] = new_line
    return path, i + 1, "\n".join(lines), description


def inject_tab(files, rng):
    def ok(path, lines, i, m):
        prev = lines[i - 1] if i > 0 else ""
        return len(m.group(1)) == 2 and prev.rstrip().endswith(":") and len(prev) - len(prev.lstrip()) == 0
    cs = candidates(files, r"^( +)[a-z_]+:", ok)
    c = rng.choice(cs)
    return edit(c, "\t" + c[1][c[2]].lstrip(" "), "indentation written with a tab")


def inject_unclosed_bracket(files, rng):
    cs = candidates(files, r": \[[^\[\]#]*\]\s*$")
    c = rng.choice(cs)
    line = c[1][c[2]].rstrip()
    return edit(c, line[:-1], "closing `]` of a flow sequence removed")


def inject_unclosed_quote(files, rng):
    cs = candidates(files, r': "[^"\\]*"\s*$')
    c = rng.choice(cs)
    line = c[1][c[2]].rstrip()
    return edit(c, line[:-1], "closing quote removed")


def inject_missing_comma(files, rng):
    # Only after a quoted item: without the comma `[a b]` or `[a "b"]` is one valid plain scalar, no error.
    cs = candidates(files, r"\[[^\[\]{}#]*\", [^\[\]{}#]*\]\s*$")
    c = rng.choice(cs)
    line = c[1][c[2]]
    start = line.index("[")
    commas = [j + 1 for j in range(start, len(line) - 2) if line[j:j + 3] == '", ']
    j = rng.choice(commas)
    return edit(c, line[:j] + line[j + 1:], "a comma of a flow sequence removed")


def inject_missing_colon(files, rng):
    cs = candidates(files, r"^([a-z_]+): (\[|\{|[a-z0-9])", lambda p, l, i, m: m.group(1) not in ("kind", "name"))
    c = rng.choice(cs)
    line = c[1][c[2]]
    k = line.index(":")
    return edit(c, line[:k] + line[k + 1:], "colon after a key removed")


def inject_key_typo(files, rng):
    cs = candidates(files, r"^(\s*)([a-z_]{6,}):( |$)",
                    lambda p, l, i, m: m.group(2) not in ("kind", "name", "description"))
    c = rng.choice(cs)
    key = c[3].group(2)
    new = typo(key, rng, set())
    if new is None:
        return None
    return edit(c, c[1][c[2]].replace(key + ":", new + ":", 1), f"key `{key}` misspelt `{new}`")


def inject_kind_typo(files, rng):
    cs = candidates(files, r"^kind: ([a-z]{6,})\s*$")
    c = rng.choice(cs)
    kind = c[3].group(1)
    new = typo(kind, rng, KINDS)
    return edit(c, f"kind: {new}", f"kind `{kind}` misspelt `{new}`")


def inject_reference(kind, key_pattern):
    def inject(files, rng):
        names = names_of(files, kind)
        cs = candidates(files, key_pattern, lambda p, l, i, m: m.group(2) in names and len(m.group(2)) >= 5)
        if not cs:
            return None
        c = rng.choice(cs)
        name = c[3].group(2)
        new = typo(name, rng, names)
        if new is None:
            return None
        line = c[1][c[2]]
        s, e = c[3].span(2)
        return edit(c, line[:s] + new + line[e:], f"reference to {kind} `{name}` misspelt `{new}`")
    return inject


def inject_unit_missing(files, rng):
    cs = candidates(files, r"^(\s*)(cooldown|coalesce|timeout|every|for|within|grace): (\d+)s\s*$")
    c = rng.choice(cs)
    line = c[1][c[2]]
    return edit(c, re.sub(r"(\d+)s\s*$", r"\1", line), "the unit `s` of a duration removed")


def inject_unit_spelling(files, rng):
    words = {"s": "sec", "m": "min", "h": "hours"}
    cs = candidates(files, r"^(\s*)([a-z_]+): (\d+)(s|m|h)\s*$")
    c = rng.choice(cs)
    line = c[1][c[2]]
    unit = c[3].group(4)
    return edit(c, line[: c[3].start(4)] + words[unit], f"duration unit `{unit}` written `{words[unit]}`")


def inject_duplicate_key(files, rng):
    cs = candidates(files, r"^([a-z_]+): [^\[{|>]+$", lambda p, l, i, m: m.group(1) not in ("kind", "name"))
    c = rng.choice(cs)
    key = c[3].group(1)
    return edit(c, c[1][c[2]], f"key `{key}` given twice (the same line again, before it)", insert=True)


def inject_unused_param(files, rng):
    cs = candidates(files, r"^params:\s*$")
    c = rng.choice(cs)
    return edit((c[0], c[1], c[2] + 1, c[3]), "  unused_note: {type: string, default: none}",
                "an unused parameter `unused_note` declared", insert=True)


def inject_template_typo(files, rng):
    cs = candidates(files, r"\{\{ ([a-z_]{5,}) \}\}")
    c = rng.choice(cs)
    name = c[3].group(1)
    new = typo(name, rng, set())
    if new is None:
        return None
    line = c[1][c[2]]
    return edit(c, line.replace("{{ " + name + " }}", "{{ " + new + " }}", 1),
                f"template name `{name}` misspelt `{new}`")


CLASSES = [
    ("tab", inject_tab),
    ("unclosed-bracket", inject_unclosed_bracket),
    ("unclosed-quote", inject_unclosed_quote),
    ("missing-comma", inject_missing_comma),
    ("missing-colon", inject_missing_colon),
    ("key-typo", inject_key_typo),
    ("kind-typo", inject_kind_typo),
    ("dangling-playbook", inject_reference("playbook", r"^(\s*)(?:run|call|on_failure): ([a-z0-9-]+)\s*$")),
    ("dangling-kernel", inject_reference("kernel", r"(exit|kernel|restart|stop|start|depends_on): \[?([a-z0-9-]+)")),
    ("unit-missing", inject_unit_missing),
    ("unit-spelling", inject_unit_spelling),
    ("duplicate-key", inject_duplicate_key),
    ("unused-param", inject_unused_param),
    ("template-typo", inject_template_typo),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--per-class", type=int, default=3)
    parser.add_argument("--repo", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    args = parser.parse_args()
    repo = os.path.abspath(args.repo)
    files = {}
    for d in ("config", "Playbooks"):
        for name in sorted(os.listdir(os.path.join(repo, d))):
            if name.endswith(".yaml"):
                with open(os.path.join(repo, d, name), encoding="utf-8") as f:
                    files[f"{d}/{name}"] = f.read()
    if os.path.exists(args.corpus):
        shutil.rmtree(args.corpus)
    write_tree(os.path.join(args.corpus, "original"), files)
    rng = random.Random(args.seed)
    n = 0
    for cls, inject in CLASSES:
        made = set()
        for _ in range(args.per_class * 10):
            if len([m for m in made]) >= args.per_class:
                break
            result = inject(files, rng)
            if result is None:
                continue
            path, line, text, description = result
            if (path, line) in made:
                continue
            made.add((path, line))
            n += 1
            case = os.path.join(args.corpus, f"{n:03d}-{cls}")
            tree = dict(files)
            tree[path] = text
            write_tree(case, tree)
            with open(os.path.join(case, "case.json"), "w") as f:
                json.dump({"class": cls, "file": path, "line": line, "defect": description}, f, indent=2)
                f.write("\n")
    print(f"{n} cases in {args.corpus} (seed {args.seed})")


def write_tree(root, files):
    for path, text in files.items():
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    sys.exit(main())
