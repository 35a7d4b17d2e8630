#!/usr/bin/env bash
# bench/mine/run.sh — issue 5's log template mining benchmark over Loghub-2k: grouping accuracy per system (as
# logpai's get_accuracy computes it), its mean, and lines per second on one core, next to Drain (logpai's
# logparser3, the same files, its published settings) measured in the same run. See bench/README.md.
#
# usage: bench/mine/run.sh DATA_DIR [OUT_DIR]
#   DATA_DIR  a Loghub-2k folder with settings.json (on these machines: ../shared/data/loghub-2k)
#   OUT_DIR   where the run's CSVs and report go (bench/out/mine-STAMP)
# Environment:
#   MINE_REPEAT=N     timing repetitions per system, best taken (10)
#   MINE_SKIP_DRAIN=1 do not install or run Drain; its published figures are shown
#   MINE_VENV=DIR     the virtualenv for logparser3 (bench/out/mine-venv)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
[ $# -ge 1 ] || { echo "usage: $0 DATA_DIR [OUT_DIR]" >&2; exit 2; }
data=$(cd "$1" && pwd)
[ -f "$data/settings.json" ] || { echo "no settings.json in $data" >&2; exit 2; }
stamp=$(date -u +%Y%m%dT%H%M%SZ)
out=${2:-$repo/bench/out/mine-$stamp}
mkdir -p "$out/csv"
out=$(cd "$out" && pwd)
log() { printf '[mine %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
# One core: the figures are per core, and the machine's other core stays for whoever shares it.
pin() { if command -v taskset >/dev/null; then taskset -c 0 "$@"; else "$@"; fi; }

# 1. MineBench, in release: a package of its own whose LogMining target is Sources/LogMining (a symlink).
log "building MineBench (release)"
for attempt in 1 2 3; do
    if swift build -c release --package-path "$here" --scratch-path "$repo/bench/out/.build-mine" \
        >"$out/build.log" 2>&1; then break; fi
    # A shared working tree may be edited during the build: try again.
    [ "$attempt" = 3 ] && { cat "$out/build.log" >&2; exit 1; }
    sleep 5
done
bench=$repo/bench/out/.build-mine/release/MineBench

# 2. Grace: accuracy and CPU time per system.
log "mining (taskset -c 0, best of ${MINE_REPEAT:-10})"
pin "$bench" "$data" "$out/csv" --repeat "${MINE_REPEAT:-10}" >"$out/grace.jsonl"

# The same without the settings' masks: what the value shapes alone achieve (accuracy only).
pin "$bench" "$data" "$out/csv-no-masks" --repeat 1 --no-masks >"$out/grace-no-masks.jsonl"

# 3. Drain: logparser3 from PyPI in a virtualenv (with pandas and scipy for logpai's evaluator).
python=python3
if [ "${MINE_SKIP_DRAIN:-0}" != 1 ]; then
    venv=${MINE_VENV:-$repo/bench/out/mine-venv}
    if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import logparser.Drain, pandas, scipy" 2>/dev/null; then
        log "installing logparser3 into $venv"
        if python3 -m venv "$venv" >"$out/pip.log" 2>&1 &&
            "$venv/bin/pip" install -q logparser3 pandas scipy >>"$out/pip.log" 2>&1; then
            :
        else
            log "logparser3 could not be installed (see $out/pip.log): Drain's published figures only"
        fi
    fi
    "$venv/bin/python" -c "import logparser.Drain" 2>/dev/null && python=$venv/bin/python
fi
drain_flag=()
[ "${MINE_SKIP_DRAIN:-0}" = 1 ] && drain_flag=(--no-drain)

# 4. Scores (three evaluators must agree), Drain's run, the report.
log "evaluating$([ "$python" = python3 ] && echo ' (no logparser3)' || echo ' and running Drain')"
pin "$python" "$here/evaluate.py" "$data" "$out" "$out/grace.jsonl" "$out/report.md" "${drain_flag[@]}"
{
    echo
    echo "Measured: commit $(cd "$repo" && git log -1 --format=%h -- Sources/LogMining) of Sources/LogMining" \
        "($(cd "$repo" && git status --porcelain -- Sources/LogMining | wc -l) files differing), $(date -u '+%Y-%m-%d %H:%M UTC'),"
    echo "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(swift --version 2>/dev/null | head -1)."
} >>"$out/report.md"
python3 - "$out/grace-no-masks.jsonl" >>"$out/report.md" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
systems = [r for r in rows if not r.get("summary")]
summary = [r for r in rows if r.get("summary")][0]
print("\nWithout any of the settings' masks (value shapes only): "
      + ", ".join(f"{r['system']} {r['accuracy']:.4f}" for r in systems)
      + f"; mean {summary['meanAccuracy']:.4f}.")
PY
log "report: $out/report.md"
