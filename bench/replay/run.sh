#!/usr/bin/env bash
# bench/replay/run.sh — how fast `grace replay` re-decides a day of a 20-kernel system's history, how big that history
# is on disk, and `promtool test rules` re-evaluating the same memory and CPU conditions over the same series (the
# peer: Prometheus' rule unit tests evaluate alert rules step by step over recorded series).
#
#   bench/replay/run.sh [--short] [--kernels N] [--hours H] [GRACE]
#
# --short (CI): 4 kernels, 1 hour, one run each. GRACE defaults to .build/release/grace (build it with
# `swift build -c release --product grace`). Output and inputs: bench/out/replay-STAMP/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
kernels=20
hours=24
runs=3
grace=""
while (($#)); do
    case "$1" in
        --short) kernels=4; hours=1; runs=1 ;;
        --kernels) kernels=$2; shift ;;
        --hours) hours=$2; shift ;;
        -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
        *) grace=$1 ;;
    esac
    shift
done
grace=${grace:-$repo/.build/release/grace}
[ -x "$grace" ] || { echo "bench/replay: no grace binary at $grace" >&2; exit 2; }
grace=$(cd "$(dirname "$grace")" && pwd)/$(basename "$grace")
out=$repo/bench/out/replay-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out/var/grace"
# An empty file is an empty database: any `grace` command that opens the journal creates the schema.
: >"$out/var/grace/grace.sqlite"
"$grace" journal show --state-dir "$out/var/grace" --limit 1 >/dev/null
python3 "$here/generate.py" "$out" --kernels "$kernels" --hours "$hours" >"$out/generated.json"
cat "$out/generated.json"
(cd "$out" && "$grace" validate >/dev/null) || { echo "bench/replay: the generated configuration does not validate" >&2; exit 1; }
"$grace" journal verify --state-dir "$out/var/grace" | head -1
window=$(python3 -c '
import json, sys, datetime
g = json.load(open(sys.argv[1]))
f = lambda ms: datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
print(f(g["from_ms"]), f(g["to_ms"]))' "$out/generated.json")
read -r from to <<<"$window"
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
best=""
for i in $(seq 1 "$runs"); do
    start=$(date +%s.%N)
    (cd "$out" && "$grace" replay --from "$from" --to "$to" --json >"$out/replay.json")
    took=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$start" "$(date +%s.%N)")
    echo "grace replay run $i: ${took}s"
    best=$(python3 -c "import sys; a=sys.argv[1]; print(sys.argv[2] if not a or float(sys.argv[2]) < float(a) else a)" "$best" "$took")
done
python3 - "$out/replay.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"replayed decisions: {r.get('firedNow', sum(t['firedNow'] for t in r['triggers']))} firings, "
      f"{sum(t['runsNow'] for t in r['triggers'])} runs over {len(r['triggers'])} triggers")
PY
peer=""
if command -v promtool >/dev/null; then
    for i in $(seq 1 "$runs"); do
        start=$(date +%s.%N)
        (cd "$out/prometheus" && promtool test rules test.yml >"$out/promtool.txt" 2>&1) || true
        took=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$start" "$(date +%s.%N)")
        echo "promtool test rules run $i: ${took}s (4 rules x $kernels kernels + host, memory and cpu series only)"
        peer=$(python3 -c "import sys; a=sys.argv[1]; print(sys.argv[2] if not a or float(sys.argv[2]) < float(a) else a)" "$peer" "$took")
    done
else
    echo "promtool not installed (Debian prometheus): no peer figure"
fi
python3 -c "import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute(\"PRAGMA wal_checkpoint(TRUNCATE)\")" "$out/var/grace/grace.sqlite"
python3 - "$out/var/grace/grace.sqlite" "$kernels" "$hours" "$best" "${peer:-}" <<'PY'
import sqlite3, sys
path, kernels, hours, best, peer = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
db = sqlite3.connect(path)
size = dict(db.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"))
raw = size.get("history", 0) + size.get("history_on_time", 0)
records = db.execute("SELECT COUNT(*) FROM history").fetchone()[0]
# What the retention leaves of a day once it is older than `raw`: the metrics folded into 1-minute buckets, as
# StateStore.pruneHistory does (count, min, max, sum, last per kernel, metric and minute), measured on disk.
buckets = {}
for time, kernel, text in db.execute("SELECT time, kernel, text FROM history WHERE kind = 'metrics'"):
    for pair in text.split(" "):
        metric, value = pair.split("=")
        key = (time - time % 60000, kernel or "", metric)
        v = float(value)
        b = buckets.get(key)
        buckets[key] = [1, v, v, v, v] if b is None else [b[0] + 1, min(b[1], v), max(b[2], v), b[3] + v, v]
db.executemany("INSERT INTO history_rollup (bucket, kernel, metric, count, min, max, sum, last) VALUES (?,?,?,?,?,?,?,?)",
               [(k[0], k[1], k[2], *b) for k, b in buckets.items()])
db.commit()
rollup = dict(db.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name")).get("history_rollup", 0)
rollup += sum(s for n, s in db.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name") if n.startswith("sqlite_autoindex_history_rollup"))
per_day = 24 / hours
print(f"history: {records} records, {raw / 1e6:.1f} MB with its index for {kernels} kernels x {hours:g} h")
print(f"  = {raw / kernels * per_day / 1e6:.1f} MB per kernel per day kept raw (history.raw 24h)")
print(f"  + {rollup / (kernels + 1) * per_day / 1e6:.2f} MB per kernel per day downsampled "
      f"(history.downsample 1m, kept history.retention 14d)")
print(f"grace replay: {best:.2f} s for {hours:g} h of {kernels} kernels "
      f"({hours * 3600 / best:,.0f}x real time, {records / best:,.0f} records/s)")
if peer:
    print(f"promtool test rules: {float(peer):.2f} s; grace / promtool = {best / float(peer):.2f}")
PY
echo "bench/replay: $out"
