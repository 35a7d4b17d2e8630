#!/usr/bin/env bash
# Build a libFuzzer harness and fuzz it.
#
#   SECONDS=600 Fuzz/run.sh [GraceFuzz|LogMiningFuzz] [extra libFuzzer flags]
#
# The target is GraceFuzz (the compiler) unless named first. SECONDS (or FUZZ_SECONDS) is the total fuzzing time
# (default 600). The target's seed corpus (Fuzz/corpus/compiler/ or Fuzz/corpus/log-miner/) and its fixtures (for
# the compiler Tests/Fixtures/**/*.yaml, for the log miner Tests/Fixtures/fuzz-regressions/log-miner/) are copied
# into a working corpus, Fuzz/.build/corpus-TARGET/, which libFuzzer grows; the seeds in git stay as they are.
# Crashes, timeouts, leaks and out-of-memory inputs are written to Fuzz/crashes/TARGET-*; the script prints their
# paths and exits 1.
#
# FUZZ_SANITIZE chooses the sanitizers (default `fuzzer,address`: AddressSanitizer finds out-of-bounds accesses
# in unchecked buffer code, and with it libFuzzer reports leaks; `fuzzer` alone runs about twice as fast).
set -uo pipefail

# bash counts SECONDS up from the value it was started with, so read it first thing: a value given in the
# environment is the duration, a fresh shell's 0 means "not given".
START_SECONDS=$SECONDS
DURATION=${FUZZ_SECONDS:-$([ "$START_SECONDS" -gt 0 ] && echo "$START_SECONDS" || echo 600)}
SANITIZE=${FUZZ_SANITIZE:-fuzzer,address}

TARGET=GraceFuzz
case "${1:-}" in
GraceFuzz | LogMiningFuzz)
    TARGET=$1
    shift
    ;;
esac

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

echo "==> building $TARGET (release, -sanitize=$SANITIZE) in Fuzz/.build" >&2
swift build -c release --product "$TARGET" -Xswiftc -sanitize="$SANITIZE" -Xswiftc -parse-as-library \
    --package-path Fuzz --scratch-path Fuzz/.build >&2 || { echo "build failed" >&2; exit 2; }
BIN="$(swift build -c release --package-path Fuzz --scratch-path Fuzz/.build --show-bin-path)/$TARGET"

WORK=Fuzz/.build/corpus-$TARGET
mkdir -p "$WORK" Fuzz/crashes
if [ "$TARGET" = GraceFuzz ]; then
    SEEDS=Fuzz/corpus/compiler
    DICT=Fuzz/grace.dict
    # Flatten the fixtures' paths into names so that files of the same name in two folders both arrive.
    find Tests/Fixtures -type f \( -name '*.yaml' -o -name '*.yml' \) -size -64k | while read -r f; do
        cp "$f" "$WORK/fixture-$(echo "${f#Tests/Fixtures/}" | tr '/' '_')"
    done
else
    SEEDS=Fuzz/corpus/log-miner
    DICT=Fuzz/log-miner.dict
    if [ -d Tests/Fixtures/fuzz-regressions/log-miner ]; then
        find Tests/Fixtures/fuzz-regressions/log-miner -type f | while read -r f; do
            cp "$f" "$WORK/regression-$(basename "$f")"
        done
    fi
fi
cp "$SEEDS"/* "$WORK"/
echo "==> fuzzing $TARGET for ${DURATION}s over $(ls "$WORK" | wc -l) inputs in $WORK" >&2

# Swift's own crash handler (the backtracer) reads memory in ways AddressSanitizer reports as a bug of its own,
# which would bury a fatalError's message; libFuzzer prints the stack anyway.
export SWIFT_BACKTRACE=enable=no
# Leaks that are not Grace's (Foundation's), each explained in the file.
export LSAN_OPTIONS="suppressions=$ROOT/Fuzz/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

MARK=$(mktemp)
LOG=Fuzz/.build/fuzz-$TARGET-$(date -u +%Y%m%dT%H%M%SZ).log
"$BIN" -max_total_time="$DURATION" -timeout=10 -rss_limit_mb=2048 -dict="$DICT" \
    -artifact_prefix="Fuzz/crashes/$TARGET-" -print_final_stats=1 "$@" "$WORK" 2>&1 | tee "$LOG"
STATUS=${PIPESTATUS[0]}

FOUND=$(find Fuzz/crashes -type f -name "$TARGET-*" -newer "$MARK" | sort)
rm -f "$MARK"
echo "==> libFuzzer exited $STATUS; log: $LOG; corpus now $(ls "$WORK" | wc -l) inputs" >&2
if [ -n "$FOUND" ]; then
    echo "==> reproducers (run one with: $BIN FILE):" >&2
    echo "$FOUND" | sed 's/^/    /' >&2
    echo "    copy each to Tests/Fixtures/fuzz-regressions/NAME.yaml (compiler) or .../log-miner/NAME.log (see Fuzz/README.md)" >&2
    exit 1
fi
exit "$STATUS"
