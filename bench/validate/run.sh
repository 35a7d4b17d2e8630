#!/usr/bin/env bash
# Benchmark `grace validate` against its peers on generated configurations of 1k, 10k and 100k documents.
#
#   bench/validate/run.sh
#
# Environment:
#   BENCH_SIZES="1000 10000 100000"  document counts to measure
#   BENCH_RUNS=3                     runs per tool and size (the median is reported)
#   BENCH_SLOW_RUNS=1                runs of yamllint at 100,000 documents and more (about 5 minutes each)
#   BENCH_SKIP_SLOW_PEERS=1          skip yamllint at 100,000 documents and more
#   BENCH_GRACE=/path/to/grace       use this binary instead of building one
#   BENCH_FROM_HEAD=1                build the committed HEAD (exported to bench/out/src-SHA) instead of the
#                                    working tree
#   BENCH_TIMEOUT=1800               seconds after which one run of one tool is killed
#   BENCH_PEERS="yamllint promtool floor"   which peers to measure besides grace
#
# Writes the table to bench/out/validate-TIMESTAMP.md and prints it. Generated configurations go to
# bench/out/validate-data/ (git-ignored, like all of bench/out).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"

SIZES=${BENCH_SIZES:-"1000 10000 100000"}
RUNS=${BENCH_RUNS:-3}
SLOW_RUNS=${BENCH_SLOW_RUNS:-1}
SKIP_SLOW=${BENCH_SKIP_SLOW_PEERS:-0}
TIMEOUT=${BENCH_TIMEOUT:-1800}
PEERS=" ${BENCH_PEERS:-yamllint promtool floor} "
want() { [[ "$PEERS" == *" $1 "* ]]; }
OUT=bench/out
DATA=$OUT/validate-data
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
REPORT=$OUT/validate-$STAMP.md
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT" "$DATA"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# --- peers and tools ---------------------------------------------------------------------------------
APT_UPDATED=0
apt_install() {
    if [ "$APT_UPDATED" = 0 ]; then
        apt-get update -qq >/dev/null 2>&1 || true
        APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
[ -x /usr/bin/time ] || { log "installing Debian time"; apt_install time; }
[ -f /usr/include/yaml.h ] || { log "installing libyaml-dev"; apt_install libyaml-dev; }
command -v promtool >/dev/null || { log "installing Debian prometheus (promtool)"; apt_install prometheus; }
# yamllint (PyPI) from the project's Python environment, .venv/ (scripts/venv), not the system's.
PATH="$(dirname "$(scripts/venv yamllint)"):$PATH"
command -v yamllint >/dev/null || { echo "yamllint not found in .venv after scripts/venv yamllint" >&2; exit 2; }

# --- grace, built in release into its own scratch path -----------------------------------------------
if [ -n "${BENCH_GRACE:-}" ]; then
    GRACE=$BENCH_GRACE
else
    SRC=.
    GRACE_REV=$(git rev-parse --short HEAD 2>/dev/null || echo '?')
    if [ "${BENCH_FROM_HEAD:-0}" = 1 ]; then
        # Build the committed HEAD, not a working tree that others may be editing.
        SRC=$OUT/src-$(git rev-parse --short HEAD)
        if [ ! -f "$SRC/Package.swift" ]; then
            mkdir -p "$SRC"
            git archive HEAD | tar -x -C "$SRC"
        fi
    fi
    log "building grace (release, --scratch-path $SRC/.build-bench)"
    # A file edited during the build fails it ("modified during the build"); try again a little later.
    for try in 1 2 3 4; do
        if swift build -c release --product grace --package-path "$SRC" --scratch-path "$SRC/.build-bench" >&2; then
            break
        fi
        [ "$try" = 4 ] && { echo "grace does not build" >&2; exit 2; }
        log "build failed; retrying in 60 s"
        sleep 60
    done
    GRACE="$(swift build -c release --package-path "$SRC" --scratch-path "$SRC/.build-bench" --show-bin-path)/grace"
fi
[ -x "$GRACE" ] || { echo "no grace binary at $GRACE" >&2; exit 2; }

log "building the libyaml floor"
cc -O2 bench/validate/floor.c -lyaml -o "$OUT/floor"
FLOOR=$OUT/floor

YAMLLINT_CONF=$WORK/yamllint.yaml
# relaxed drops the cosmetic rules to warnings; line-length is disabled as well. Syntax, duplicate keys
# and the other checks that parse the documents stay on.
printf 'extends: relaxed\nrules:\n  line-length: disable\n' >"$YAMLLINT_CONF"

# --- measuring ----------------------------------------------------------------------------------------
now_ns() { date +%s%N; }

# measure RUNS LOG CMD... -> prints "WALL_S PEAK_KIB RC CPU_S" (medians of wall, RSS and user+system CPU time,
# and the last exit code).
# Wall time comes from a nanosecond clock around /usr/bin/time (its %e has 10 ms resolution); the peak
# RSS is /usr/bin/time's %M, the CPU time its %U + %S (less disturbed than wall time on a shared machine).
measure() {
    local runs=$1 out=$2; shift 2
    local walls=() rsss=() cpus=() rc=0 t0 t1
    for ((r = 0; r < runs; r++)); do
        t0=$(now_ns)
        set +e
        timeout "$TIMEOUT" /usr/bin/time -f '%e %M %U %S' -o "$WORK/time" "$@" >"$out" 2>&1
        rc=$?
        set -e
        t1=$(now_ns)
        walls+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", (b - a) / 1e9 }')")
        rsss+=("$(tail -n 1 "$WORK/time" | awk '{ print $2 }')")
        cpus+=("$(tail -n 1 "$WORK/time" | awk '{ printf "%.2f", $3 + $4 }')")
    done
    local wall rss cpu
    wall=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    rss=$(printf '%s\n' "${rsss[@]}" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    cpu=$(printf '%s\n' "${cpus[@]}" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    echo "$wall ${rss:-0} $rc ${cpu:-0}"
}

# Count diagnostics by severity in grace's JSON output, whatever its exact shape.
count_json_diagnostics() {
    python3 - "$1" <<'EOF'
import json, sys, collections
try:
    doc = json.load(open(sys.argv[1]))
except Exception as e:
    print(f"unparsable JSON ({e.__class__.__name__})"); sys.exit()
counts = collections.Counter()
def walk(x):
    if isinstance(x, dict):
        if isinstance(x.get("severity"), str) and ("code" in x or "message" in x):
            counts[x["severity"]] += 1
        for v in x.values(): walk(v)
    elif isinstance(x, list):
        for v in x: walk(v)
walk(doc)
print(", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "0 diagnostics")
EOF
}

ROWS=$WORK/rows
: >"$ROWS"
NOTES=$WORK/notes
: >"$NOTES"

for n in $SIZES; do
    dir=$DATA/validate-$n
    log "generating $n documents"
    python3 bench/validate/generate.py "$n" "$dir" >&2
    mb=$(du -sk --apparent-size "$dir" | awk '{ printf "%.1f", $1 / 1024 }')
    prom_mb=$(du -sk --apparent-size "$dir-prom" | awk '{ printf "%.1f", $1 / 1024 }')

    log "$n: checking that the configuration validates clean"
    set +e
    "$GRACE" validate "$dir" --warnings-as-errors >"$OUT/validate-$n-check.txt" 2>&1
    check_rc=$?
    set -e
    if [ "$check_rc" != 0 ]; then
        echo "- $n documents: \`grace validate --warnings-as-errors\` exited $check_rc (NOT clean);" \
            "diagnostics in $OUT/validate-$n-check.txt" >>"$NOTES"
        head -n 40 "$OUT/validate-$n-check.txt" >&2
    fi

    log "$n: grace validate --format json ($RUNS runs)"
    read -r g_wall g_rss g_rc g_cpu < <(measure "$RUNS" "$WORK/grace.json" "$GRACE" validate "$dir" --format json)
    diag=$(count_json_diagnostics "$WORK/grace.json")
    echo "- $n documents ($mb MiB in 100 files): grace exit $g_rc, JSON reports $diag." >>"$NOTES"
    echo "$n grace $g_wall $g_rss $RUNS $g_cpu" >>"$ROWS"

    if ! want yamllint; then
        :
    elif [ "$SKIP_SLOW" = 1 ] && [ "$n" -ge 100000 ]; then
        echo "$n yamllint skipped 0 0 0" >>"$ROWS"
    else
        runs=$RUNS
        [ "$n" -ge 100000 ] && runs=$SLOW_RUNS
        log "$n: yamllint ($runs runs)"
        read -r y_wall y_rss y_rc y_cpu < <(measure "$runs" "$WORK/yamllint.out" yamllint -c "$YAMLLINT_CONF" -f parsable "$dir")
        [ "$y_rc" = 0 ] || echo "- $n documents: yamllint exited $y_rc ($(wc -l <"$WORK/yamllint.out") lines of output)." >>"$NOTES"
        echo "$n yamllint $y_wall $y_rss $runs $y_cpu" >>"$ROWS"
    fi

    if want promtool; then
    log "$n: promtool check rules ($RUNS runs, $prom_mb MiB of rules)"
    read -r p_wall p_rss p_rc p_cpu < <(measure "$RUNS" "$WORK/promtool.out" promtool check rules "$dir-prom"/*.yaml)
    [ "$p_rc" = 0 ] || { echo "- $n rules: promtool exited $p_rc." >>"$NOTES"; tail -n 5 "$WORK/promtool.out" >&2; }
    echo "$n promtool $p_wall $p_rss $RUNS $p_cpu" >>"$ROWS"
    fi

    if want floor; then
    log "$n: libyaml floor ($RUNS runs)"
    read -r f_wall f_rss f_rc f_cpu < <(measure "$RUNS" "$WORK/floor.out" "$FLOOR" "$dir"/*.yaml)
    [ "$f_rc" = 0 ] || echo "- $n documents: the floor exited $f_rc: $(head -c 300 "$WORK/floor.out")" >>"$NOTES"
    echo "$n floor $f_wall $f_rss $RUNS $f_cpu" >>"$ROWS"
    fi
done

# --- report -----------------------------------------------------------------------------------------
{
    echo "## grace validate — $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "Machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)," \
        "$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo); load average at the end:" \
        "$(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared)."
    dirty=$(git status --porcelain -- Sources Package.swift 2>/dev/null | wc -l)
    { [ "${BENCH_FROM_HEAD:-0}" = 1 ] || [ -n "${BENCH_GRACE:-}" ]; } && dirty=0
    echo "grace ${GRACE_REV:-binary $GRACE}$([ "$dirty" = 0 ] || echo " + $dirty uncommitted files in Sources") (release);" \
        "$(yamllint --version 2>&1); $(promtool --version 2>&1 | head -n 1 | cut -d' ' -f1-3);" \
        "libyaml $(pkg-config --modversion yaml-0.1 2>/dev/null || echo '?'). yamllint config: \`extends: relaxed\`" \
        "with \`line-length: disable\`."
    echo
    echo "| documents | tool | runs | wall s (median) | CPU s (median) | peak MiB | documents/s | grace ÷ tool (wall) | grace ÷ tool (CPU) |"
    echo "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    awk '
        { n = $1; tool = $2; wall[n, tool] = $3; rss[n, tool] = $4; runs[n, tool] = $5; cpu[n, tool] = $6
          order[++k] = n SUBSEP tool }
        END {
            for (i = 1; i <= k; i++) {
                split(order[i], p, SUBSEP); n = p[1]; tool = p[2]
                if (wall[n, tool] == "skipped") {
                    printf "| %d | %s | – | skipped | – | – | – | – | – |\n", n, tool; continue
                }
                w = wall[n, tool]; g = wall[n, "grace"]; c = cpu[n, tool]; gc = cpu[n, "grace"]
                ratio = (tool == "grace") ? "1" : sprintf("%.2f", g / w)
                cratio = (tool == "grace") ? "1" : (c > 0 ? sprintf("%.2f", gc / c) : "–")
                printf "| %d | %s | %d | %.3f | %.2f | %.1f | %.0f | %s | %s |\n", n, tool, runs[n, tool], w, c, rss[n, tool] / 1024, n / w, ratio, cratio
            }
        }' "$ROWS"
    echo
    echo "Columns: *wall s* is the median elapsed time of the runs (nanosecond clock around the process);" \
        "*CPU s* the median user + system CPU time (\`/usr/bin/time\` %U + %S, 10 ms resolution; on a shared machine it" \
        "is disturbed less than wall time); *peak MiB* is the median of the maximum resident set size (\`/usr/bin/time -f %M\`); *documents/s* is" \
        "documents (or, for promtool, alerting rules) divided by wall time; *grace ÷ tool* is grace's wall (or CPU)" \
        "time divided by the tool's (below 1: grace is faster). Tools: \`grace validate DIR --format json\`;" \
        "\`yamllint\` on the same files; \`promtool check rules\` on as many equivalent Prometheus alerting rules" \
        "in as many files (the fastest real peer); *floor* is a C program that only scans libyaml's events of the same" \
        "files (bench/validate/floor.c), the floor for anything built on libyaml."
    echo
    for col in 3 6; do
        awk -v col="$col" '
            $2 == "grace" { per[$1] = $col / $1 * 1e6; sizes[++k] = $1 }
            END {
                if (k < 2) exit
                lo = sizes[1]; hi = sizes[k]
                printf "Linearity (%s): grace takes", (col == 3 ? "wall time" : "CPU time")
                for (i = 1; i <= k; i++) printf " %.1f µs/document at %d%s", per[sizes[i]], sizes[i], (i < k ? "," : ";")
                r = per[hi] / per[lo]
                printf " per-document time at %d ÷ at %d = %.2f", hi, lo, r
                if (k >= 3) { m = sizes[k - 1]; r2 = per[hi] / per[m]; printf ", at %d ÷ at %d = %.2f", hi, m, r2 } else r2 = r
                verdict = (r <= 1.5 && r2 <= 1.5) ? "linear (ratios at most 1.5)" : "NOT linear (a ratio above 1.5)"
                printf " → %s.\n\n", verdict
            }' "$ROWS"
    done
    echo
    cat "$NOTES"
} >"$REPORT"

cat "$REPORT"
log "report written to $REPORT"
