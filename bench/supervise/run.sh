#!/usr/bin/env bash
# Supervision benchmark: Grace (`grace run`) against runit, supervisord and Monit, and a C floor, in one run:
# crash-to-restart latency, time to boot 20 kernels, RSS and idle CPU with 20 kernels. See bench/README.md.
#
#   bench/supervise/run.sh                       # about 10 minutes
#   BENCH_KILLS=10 BENCH_IDLE=5 bench/supervise/run.sh     # a quick look
#
# Knobs: BENCH_KILLS (50), BENCH_KERNELS (20), BENCH_BOOT_RUNS (3), BENCH_IDLE seconds (30), BENCH_ONLY
# (e.g. "floor,grace,runit"), BENCH_GRACE=/path/to/grace (skip the build), BENCH_GRACE_REV=REV (build that commit
# from a clean snapshot instead of the working tree), BENCH_GRACE_BASELINE=/path/to/another/grace (measured beside
# it in the same run, e.g. the commit before a change), BENCH_TIMEOUT seconds for the whole measurement (1800).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE="$ROOT/bench/supervise"
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT="$ROOT/bench/out/supervise-$STAMP"
BIN="$OUT/bin"
SCRATCH="$ROOT/.build-superbench"
mkdir -p "$BIN"

# Whatever happens, nothing of ours is left running: the driver stops each supervisor (under its subreaper, which
# kills what is left below it); this catches an interrupted driver, by exact executable path only.
cleanup() {
    local status=$?
    for proc in /proc/[0-9]*; do
        local target
        target=$(readlink "$proc/exe" 2>/dev/null) || continue
        case "$target" in
            "$BIN/subreaper") kill -TERM "${proc#/proc/}" 2>/dev/null || true ;;
        esac
    done
    sleep 1
    for proc in /proc/[0-9]*; do
        local target
        target=$(readlink "$proc/exe" 2>/dev/null) || continue
        case "$target" in
            "$BIN/subreaper" | "$BIN/marker" | "$BIN/floor") kill -KILL "${proc#/proc/}" 2>/dev/null || true ;;
        esac
    done
    exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '== %s\n' "$*" >&2; }

# 1. Peers, from their ordinary registries.
missing=()
command -v monit >/dev/null || missing+=(monit)
command -v runsv >/dev/null || missing+=(runit)
command -v cc >/dev/null || missing+=(gcc libc6-dev)
if ((${#missing[@]})); then
    say "installing ${missing[*]} (apt-get)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# supervisor (PyPI) into the project's Python environment, .venv/ (scripts/venv), not the system's.
PYTHON=$("$ROOT/scripts/venv" supervisor)
# The environment's own script, not a version-manager shim (which would add its own start-up time).
SUPERVISORD="$(dirname "$PYTHON")/supervisord"

# 2. Grace, in release, in its own scratch path.
if [[ -n "${BENCH_GRACE:-}" ]]; then
    GRACE="$BENCH_GRACE"
elif [[ -n "${BENCH_GRACE_REV:-}" ]]; then
    SRC="$SCRATCH/src"
    say "building grace at $BENCH_GRACE_REV from a clean snapshot (swift build -c release, $SCRATCH)"
    rm -rf "$SRC" && mkdir -p "$SRC"
    git -C "$ROOT" archive "$BENCH_GRACE_REV" | tar -x -C "$SRC"
    swift build -c release --static-swift-stdlib --product grace --package-path "$SRC" --scratch-path "$SCRATCH" >&2
    GRACE="$(swift build -c release --package-path "$SRC" --scratch-path "$SCRATCH" --show-bin-path)/grace"
else
    say "building grace (swift build -c release --static-swift-stdlib --product grace --scratch-path .build-superbench), as scripts/up does"
    (cd "$ROOT" && swift build -c release --static-swift-stdlib --product grace --scratch-path "$SCRATCH" >&2)
    GRACE="$(cd "$ROOT" && swift build -c release --scratch-path "$SCRATCH" --show-bin-path)/grace"
fi
[[ -x "$GRACE" ]] || { echo "run.sh: no grace binary at $GRACE" >&2; exit 1; }

# 3. The marker, the floor and the subreaper; static when the static libc is there (exec without the loader).
for tool in marker floor subreaper; do
    cc -O2 -Wall -static -o "$BIN/$tool" "$HERE/$tool.c" 2>/dev/null || cc -O2 -Wall -o "$BIN/$tool" "$HERE/$tool.c"
done

# 4. Measure.
say "measuring into $OUT"
timeout --signal=TERM --kill-after=30 "${BENCH_TIMEOUT:-1800}" "$PYTHON" "$HERE/measure.py" \
    --grace "$GRACE" --marker "$BIN/marker" --floor "$BIN/floor" --subreaper "$BIN/subreaper" \
    --supervisord "$SUPERVISORD" --out "$OUT" --report "$ROOT/bench/out/supervise-$STAMP.md" \
    --kills "${BENCH_KILLS:-50}" --kernels "${BENCH_KERNELS:-20}" --boot-runs "${BENCH_BOOT_RUNS:-3}" \
    --idle "${BENCH_IDLE:-30}" --only "${BENCH_ONLY:-}" \
    ${BENCH_GRACE_BASELINE:+--grace-baseline "$BENCH_GRACE_BASELINE"}
say "report: bench/out/supervise-$STAMP.md"
