#!/usr/bin/env bash
# Runs `grace agent fix --json` on every case of a repair corpus (made by make-corpus.py) and judges each repair
# by the graph it compiles to: the content hash `grace graph --format json` reports for the repaired tree must
# equal the original shipped tree's.
#
# usage: bench/repair/run.sh GRACE_BINARY CORPUS_DIR
#   fixed    `grace agent fix` exits 0 and the repaired tree compiles to the original graph
#   unfixed  `grace agent fix` exits 1 (it said it could not fix the tree)
#   wrong    the tree compiles, but to another graph (a repair that changed meaning; must be 0)
#   error    anything else (exit 2, no JSON); counted apart
# Each case is repaired in a scratch copy; the corpus is not modified. Results: CORPUS_DIR/results.tsv.
set -euo pipefail
if [[ $# -ne 2 ]]; then
    echo "usage: $0 GRACE_BINARY CORPUS_DIR" >&2
    exit 2
fi
grace=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
corpus=$(cd "$2" && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

graph_hash() {
    (cd "$1" && "$grace" graph --format json --no-executable-check 2>/dev/null) |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["contentHash"])' 2>/dev/null || echo none
}

intended=$(graph_hash "$corpus/original")
if [[ "$intended" == none ]]; then
    echo "the original tree in $corpus/original does not compile" >&2
    exit 2
fi
results="$corpus/results.tsv"
printf 'case\tclass\tverdict\tms\tchanges\n' > "$results"
for case in "$corpus"/[0-9]*/; do
    name=$(basename "$case")
    class=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["class"])' "$case/case.json")
    rm -rf "$scratch/tree" && cp -r "$case" "$scratch/tree"
    start=$(date +%s%N)
    set +e
    (cd "$scratch/tree" && "$grace" agent fix --json) > "$scratch/fix.json" 2> "$scratch/fix.err"
    status=$?
    set -e
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    changes=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["changes"]))' "$scratch/fix.json" \
        2>/dev/null || echo "-")
    if [[ $status -eq 0 ]]; then
        if [[ "$(graph_hash "$scratch/tree")" == "$intended" ]]; then verdict=fixed; else verdict=wrong; fi
    elif [[ $status -eq 1 ]]; then
        verdict=unfixed
    else
        verdict=error
    fi
    printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$class" "$verdict" "$ms" "$changes" >> "$results"
done

python3 - "$results" <<'PY'
import collections, statistics, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])][1:]
by = collections.OrderedDict()
for name, cls, verdict, ms, _ in rows:
    by.setdefault(cls, []).append((verdict, int(ms)))
print(f"{'class':<20}{'cases':>6}{'fixed':>7}{'unfixed':>9}{'wrong':>7}{'error':>7}{'median ms':>11}")
total = collections.Counter()
for cls, items in list(by.items()) + [("all", [i for v in by.values() for i in v])]:
    c = collections.Counter(v for v, _ in items)
    if cls != "all":
        total.update(c)
    print(f"{cls:<20}{len(items):>6}{c['fixed']:>7}{c['unfixed']:>9}{c['wrong']:>7}{c['error']:>7}"
          f"{statistics.median(ms for _, ms in items):>11.0f}")
sys.exit(1 if total["wrong"] else 0)
PY
