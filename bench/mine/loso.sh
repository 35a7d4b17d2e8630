#!/usr/bin/env bash
# bench/mine/loso.sh — issue 19's honest evaluation of log recognition: leave-one-system-out over the Loghub-2k
# systems in DATA_DIR. MineBench --grid scores every setting of the miner's options (similarity threshold, distinct
# values for a variable, shared words, multi-token values: 120 settings) on every system, with the settings' masks
# and with no masks at all; loso.py then, for each system, picks the settings that are best on the other systems
# and scores the held-out one with them. The report sits beside the defaults' figures (chosen on all systems).
#
# usage: bench/mine/loso.sh DATA_DIR [OUT_DIR]
#   DATA_DIR  a Loghub-2k folder with settings.json (on these machines: ../shared/data/loghub-2k)
#   OUT_DIR   where grid.jsonl and loso.md go (bench/out/loso-STAMP)
# Exit status 1 when the leave-one-out targets (mean >= 0.95, no system under 0.85, with the masks) are missed.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
[ $# -ge 1 ] || { echo "usage: $0 DATA_DIR [OUT_DIR]" >&2; exit 2; }
data=$(cd "$1" && pwd)
[ -f "$data/settings.json" ] || { echo "no settings.json in $data" >&2; exit 2; }
out=${2:-$repo/bench/out/loso-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out"
out=$(cd "$out" && pwd)
log() { printf '[loso %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

log "building MineBench (release)"
swift build -c release --package-path "$here" --scratch-path "$repo/bench/out/.build-mine" >"$out/build.log" 2>&1 ||
    { cat "$out/build.log" >&2; exit 1; }
log "scoring the grid of settings on every system"
"$repo/bench/out/.build-mine/release/MineBench" "$data" --grid >"$out/grid.jsonl"
status=0
python3 "$here/loso.py" "$out/grid.jsonl" "$out/loso.md" || status=$?
{
    echo
    echo "Measured: commit $(cd "$repo" && git log -1 --format=%h -- Sources/LogMining) of Sources/LogMining" \
        "($(cd "$repo" && git status --porcelain -- Sources/LogMining | wc -l) files differing), $(date -u '+%Y-%m-%d %H:%M UTC')."
} >>"$out/loso.md"
log "report: $out/loso.md"
exit $status
