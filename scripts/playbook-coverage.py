#!/usr/bin/env python3
"""Which shipped playbooks the test command ran: reads the lines every Grace of the tests appended to
$GRACE_PLAYBOOK_COVERAGE (`PLAYBOOK<tab>succeeded|failed`, see Sources/Runtime/State/PlaybookCoverage.swift) and
lists each playbook of Playbooks/*.yaml with its runs. With --require-all it exits 1 when a shipped playbook never
ran. Usage: scripts/playbook-coverage.py COVERAGE_FILE [--require-all] [--markdown]"""
import collections
import pathlib
import re
import sys


def shipped(root):
    names = []
    for path in sorted((root / "Playbooks").glob("*.yaml")):
        for doc in re.split(r"^---\s*$", path.read_text(), flags=re.M):
            if re.search(r"^kind:\s*playbook\s*$", doc, flags=re.M):
                m = re.search(r"^name:\s*([A-Za-z0-9_.-]+)\s*$", doc, flags=re.M)
                if m:
                    names.append((m.group(1), path.name))
    return names


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    root = pathlib.Path(__file__).resolve().parent.parent
    runs = collections.defaultdict(collections.Counter)
    path = pathlib.Path(args[0])
    if path.exists():
        for line in path.read_text().splitlines():
            parts = line.split("\t")
            if len(parts) == 2:
                runs[parts[0]][parts[1]] += 1
    playbooks = shipped(root)
    missing = [name for name, _ in playbooks if not runs[name]]
    if "--markdown" in argv:
        print("| playbook | file | succeeded | failed |")
        print("|---|---|---|---|")
        for name, file in playbooks:
            print(f"| {name} | {file} | {runs[name]['succeeded']} | {runs[name]['failed']} |")
    else:
        for name, file in playbooks:
            print(f"{name:32} {file:20} succeeded {runs[name]['succeeded']:4}  failed {runs[name]['failed']:4}")
    print(f"playbook coverage: {len(playbooks) - len(missing)} of {len(playbooks)} shipped playbooks ran in the tests")
    if missing:
        print("never ran: " + ", ".join(missing))
        if "--require-all" in argv:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
