#!/usr/bin/env bash
# Build the libFuzzer harness and fuzz Grace's compiler.
#
#   SECONDS=600 Fuzz/run.sh [extra libFuzzer flags]
#
# SECONDS (or FUZZ_SECONDS) is the total fuzzing time (default 600). The seed corpus Fuzz/corpus/ and the
# compiler's fixtures (Tests/Fixtures/**/*.yaml, including earlier fuzz regressions) are copied into a working
# corpus, Fuzz/.build/corpus-work/, which libFuzzer grows; the seeds in git stay as they are. Crashes, timeouts
# and out-of-memory inputs are written to Fuzz/crashes/; the script prints their paths and exits 1.
set -uo pipefail

# bash counts SECONDS up from the value it was started with, so read it first thing: a value given in the
# environment is the duration, a fresh shell's 0 means "not given".
START_SECONDS=$SECONDS
DURATION=${FUZZ_SECONDS:-$([ "$START_SECONDS" -gt 0 ] && echo "$START_SECONDS" || echo 600)}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

echo "==> building GraceFuzz (release, -sanitize=fuzzer) in Fuzz/.build" >&2
swift build -c release --product GraceFuzz -Xswiftc -sanitize=fuzzer -Xswiftc -parse-as-library \
    --package-path Fuzz --scratch-path Fuzz/.build >&2 || { echo "build failed" >&2; exit 2; }
BIN="$(swift build -c release --package-path Fuzz --scratch-path Fuzz/.build --show-bin-path)/GraceFuzz"

WORK=Fuzz/.build/corpus-work
mkdir -p "$WORK" Fuzz/crashes
cp Fuzz/corpus/* "$WORK"/
if [ -d Tests/Fixtures ]; then
    # Flatten the fixtures' paths into names so that files of the same name in two folders both arrive.
    find Tests/Fixtures -type f \( -name '*.yaml' -o -name '*.yml' \) -size -64k | while read -r f; do
        cp "$f" "$WORK/fixture-$(echo "${f#Tests/Fixtures/}" | tr '/' '_')"
    done
fi
echo "==> fuzzing for ${DURATION}s over $(ls "$WORK" | wc -l) inputs in $WORK" >&2

MARK=$(mktemp)
LOG=Fuzz/.build/fuzz-$(date -u +%Y%m%dT%H%M%SZ).log
"$BIN" -max_total_time="$DURATION" -timeout=10 -rss_limit_mb=2048 -dict=Fuzz/grace.dict \
    -artifact_prefix=Fuzz/crashes/ -print_final_stats=1 "$@" "$WORK" 2>&1 | tee "$LOG"
STATUS=${PIPESTATUS[0]}

FOUND=$(find Fuzz/crashes -type f -newer "$MARK" | sort)
rm -f "$MARK"
echo "==> libFuzzer exited $STATUS; log: $LOG; corpus now $(ls "$WORK" | wc -l) inputs" >&2
if [ -n "$FOUND" ]; then
    echo "==> reproducers (run one with: $BIN FILE):" >&2
    echo "$FOUND" | sed 's/^/    /' >&2
    echo "    copy each to Tests/Fixtures/fuzz-regressions/NAME.yaml (see Fuzz/README.md)" >&2
    exit 1
fi
exit "$STATUS"
