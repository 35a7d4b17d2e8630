#!/usr/bin/env bash
# bench/heal/run.sh — issue 4's healing benchmarks: trigger evaluation throughput and reload compile + diff
# in-process (HealBench), then end to end with the real binaries: reload of a 1,000-kernel configuration with one
# change (and supervisord's `supervisorctl update` on 1,000 programs, the peer), fault-to-healthy for a SIGKILLed
# kernel healed by a playbook, for a kernel whose heartbeat stops, and for a kernel whose data is corrupted
# (restored from its last good snapshot). See bench/README.md.
#
# Environment (defaults in parentheses):
#   HEAL_SCENARIOS   which parts run ("bench reload supervisord crash heartbeat corruption")
#   HEAL_EVENTS      events fed to the trigger engine per run (1000000); HEAL_RUNS runs, median (5), but no
#                    more than fit in HEAL_BUDGET seconds (600) once 3 are done
#   HEAL_RELOAD_RUNS in-process compile + diff repetitions (10)
#   HEAL_KERNELS     kernels of the end-to-end reload (1000); HEAL_RELOAD_REPS repetitions (5)
#   HEAL_FAULT_RUNS  kills, silences and corruptions (20 each)
#   HEAL_GRACE       a grace binary to measure instead of building one (grace-demo must be next to it)
#   HEAL_TIMEOUT     seconds after which any one step is killed (1800)
#   HEAL_SKIP_SUPERVISORD=1  leave the peer out (it takes 10-20 s to start 1,000 programs, then the updates)
#   HEAL_WORK        an earlier run's bench/out/heal-STAMP.d: add the scenarios run now to it, report again
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
scenarios=${HEAL_SCENARIOS:-bench reload supervisord crash heartbeat corruption}
[ "${HEAL_SKIP_SUPERVISORD:-0}" = 1 ] && scenarios=${scenarios//supervisord/}
step_timeout=${HEAL_TIMEOUT:-1800}
out_dir=$repo/bench/out
if [ -n "${HEAL_WORK:-}" ]; then
    # Add to (or redo parts of) an earlier run: its figures stay, the report is written again.
    work=$(cd "$HEAL_WORK" && pwd)
    stamp=$(basename "$work" .d)
    stamp=${stamp#heal-}
else
    stamp=$(date -u +%Y%m%dT%H%M%SZ)
    work=$out_dir/heal-$stamp.d
fi
mkdir -p "$work"
pids=$work/pids
: >>"$pids"

# Everything stops by itself: every step runs under `timeout`, and on exit whatever a step left behind (grace,
# supervisord and the kernels and programs they started, all recorded by pid in $pids) is killed.
cleanup() {
    local status=$?
    jobs -p | xargs -r kill 2>/dev/null || true
    if [ -s "$pids" ]; then
        while read -r pid; do
            [ -n "$pid" ] && [ -d "/proc/$pid" ] && kill -9 "$pid" 2>/dev/null || true
        done <"$pids"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A step under `timeout`, in the background so that a signal to this script runs the trap at once.
bounded() {
    timeout "$step_timeout" "$@" &
    wait $!
}
# Which source a build is of: the last commit that changed Sources/ or Package.swift (later commits that touch only
# documentation or benchmarks build the same binaries), and how many files under them differ from it.
source_id() {
    (cd "$repo" && echo "$(git log -1 --format=%h -- Sources Package.swift) $(git status --porcelain -- Sources Package.swift | wc -l)")
}
log() { printf '[heal %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
wants() { case " $scenarios " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

# swift build, again if a file changed under it (the working tree of a shared machine is edited while we build).
build() {
    local attempt
    for attempt in 1 2 3; do
        if "$@" >"$work/build.log" 2>&1; then return 0; fi
        log "build failed (attempt $attempt): $(tail -3 "$work/build.log" | tr '\n' ' ')"
        sleep 5
    done
    cat "$work/build.log" >&2
    return 1
}

# 1. Binaries.
bin=
if wants reload || wants crash || wants heartbeat || wants corruption; then
    if [ -n "${HEAL_GRACE:-}" ]; then
        bin=$(cd "$(dirname "$HEAL_GRACE")" && pwd)
    else
        log "building grace (release, --scratch-path .build-healbench)"
        (cd "$repo" && build swift build -c release --static-swift-stdlib --product grace --scratch-path .build-healbench)
        bin=$(cd "$repo" && swift build -c release --scratch-path .build-healbench --show-bin-path)
    fi
    [ -x "$bin/grace" ] || { log "no grace in $bin"; exit 1; }
    # grace-demo: next to grace if it is there. Its plain release build (`--product grace-demo`) did not finish in
    # 55 minutes on Swift 6.3.1 (swift-frontend stays in the SIL loop-invariant-code-motion pass on
    # grace-demo, one file or 21), so by default it is built in release with that one pass disabled, in a scratch
    # path of its own (other flags would rebuild everything in .build-healbench). HEAL_DEMO_PLAIN=1 builds it
    # plainly instead.
    demo_dir=$bin
    demo_build="next to grace"
    if [ ! -x "$bin/grace-demo" ]; then
        if [ "${HEAL_DEMO_PLAIN:-0}" = 1 ]; then
            log "building grace-demo (release, --scratch-path .build-healbench)"
            (cd "$repo" && build swift build -c release --product grace-demo --scratch-path .build-healbench)
            demo_build="release"
        else
            log "building grace-demo (release without SIL loop-invariant-code-motion, --scratch-path .build-healbench-demo)"
            (cd "$repo" && build swift build -c release --product grace-demo --scratch-path .build-healbench-demo \
                -Xswiftc -Xllvm -Xswiftc -sil-disable-pass=loop-invariant-code-motion)
            demo_dir=$(cd "$repo" && swift build -c release --scratch-path .build-healbench-demo --show-bin-path)
            demo_build="release, -sil-disable-pass=loop-invariant-code-motion"
        fi
    fi
    [ -x "$demo_dir/grace-demo" ] || { log "no grace-demo in $demo_dir"; exit 1; }
    echo "$demo_build" >"$work/demo-build.txt"
    # Which source the binary was built from (the working tree of a shared machine moves).
    source_id >"$work/grace-source.txt"
fi

if wants bench; then
    log "building HealBench (release, bench/heal/.build)"
    # Pin the same dependency versions as the main package (Package.resolved is git-ignored here).
    [ -f "$here/Package.resolved" ] || cp "$repo/Package.resolved" "$here/Package.resolved"
    build swift build -c release --package-path "$here" --scratch-path "$here/.build" --product HealBench
    source_id >"$work/bench-source.txt"
fi

# 2. Measurements.
if wants bench; then
    log "HealBench: trigger throughput and compile + diff"
    bounded "$here/.build/release/HealBench" --events "${HEAL_EVENTS:-1000000}" --runs "${HEAL_RUNS:-5}" \
        --budget "${HEAL_BUDGET:-600}" --reload-runs "${HEAL_RELOAD_RUNS:-10}" --json "$work/bench.json"
fi
e2e() { bounded python3 "$here/e2e.py" "$@" --pids "$pids" || log "e2e $1 failed (status $?)"; }
if wants reload; then
    log "reload: $((${HEAL_KERNELS:-1000})) kernels, one changed"
    e2e reload --grace "$bin/grace" --kernels "${HEAL_KERNELS:-1000}" --reps "${HEAL_RELOAD_REPS:-5}" --out "$work/reload.json"
fi
if wants supervisord; then
    # supervisor (PyPI) from the project's Python environment, .venv/ (scripts/venv), not the system's.
    if venv_python=$("$repo/scripts/venv" supervisor); then
        PATH="$(dirname "$venv_python"):$PATH"
    else
        log "installing supervisor into .venv failed: the peer is left out"
    fi
    log "supervisord: $((${HEAL_KERNELS:-1000})) programs, one changed"
    e2e supervisord --programs "${HEAL_KERNELS:-1000}" --reps "${HEAL_RELOAD_REPS:-5}" --out "$work/supervisord.json"
fi
if wants crash; then
    log "crash: ${HEAL_FAULT_RUNS:-20} SIGKILLs healed by a playbook"
    e2e crash --grace "$bin/grace" --demo-dir "$demo_dir" --runs "${HEAL_FAULT_RUNS:-20}" --port 18181 --out "$work/crash.json"
fi
if wants heartbeat; then
    log "heartbeat: ${HEAL_FAULT_RUNS:-20} silences healed by a playbook"
    e2e heartbeat --grace "$bin/grace" --demo-dir "$demo_dir" --runs "${HEAL_FAULT_RUNS:-20}" --port 18281 --out "$work/heartbeat.json"
fi
if wants corruption; then
    log "corruption: ${HEAL_FAULT_RUNS:-20} corruptions healed by a playbook (restore from the last good snapshot)"
    e2e corruption --grace "$bin/grace" --demo-dir "$demo_dir" --runs "${HEAL_FAULT_RUNS:-20}" --port 18381 --out "$work/corruption.json"
fi

# 3. Report.
python3 "$here/report.py" "$work" >"$out_dir/heal-$stamp.md"
cat "$out_dir/heal-$stamp.md"
log "report: bench/out/heal-$stamp.md (raw figures in bench/out/heal-$stamp.d/)"
