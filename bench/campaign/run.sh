#!/usr/bin/env bash
# bench/campaign/run.sh — the reliability campaign (issue 14): kill -9 of Grace, an event storm, hostile API clients
# and a soak, each against the given binaries; see bench/campaign/README.md for what each proves.
#
#   bench/campaign/run.sh [--short] [GRACE]     # GRACE defaults to .build/release/grace; grace-demo next to it
#                                               # is not needed (the campaign's kernels are kernel.py)
#   CAMPAIGN_ONLY="kill9 storm" bench/campaign/run.sh --short .build/debug/grace
#
# Full form: 100 kills, a 60 s storm, 100 schemathesis examples per operation and 1,000 streams, a one-hour soak
# (about 75 minutes in all, one after the other so that no campaign disturbs another's figures). --short (CI, in
# scripts/test): 5 kills, 5 s, a few examples and 100 streams, 30 s (about 2 minutes). Each campaign prints its
# figures and PASS or FAIL; the script exits 1 when any failed. Logs: bench/out/campaign-STAMP/.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
short=()
grace=""
for arg in "$@"; do
    case "$arg" in
        --short) short=(--short) ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) grace=$arg ;;
    esac
done
grace=${grace:-$repo/.build/release/grace}
[ -x "$grace" ] || { echo "bench/campaign: no grace binary at $grace" >&2; exit 2; }
only=${CAMPAIGN_ONLY:-kill9 storm hostile soak}
out=$repo/bench/out/campaign-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out"
failed=()
for campaign in $only; do
    start=$(date +%s)
    python3 "$here/$campaign.py" "$grace" "${short[@]}" >"$out/$campaign.txt" 2>"$out/$campaign.log"
    status=$?
    cat "$out/$campaign.txt"
    echo "   ($campaign: $(($(date +%s) - start)) s, exit $status; log $out/$campaign.log)"
    [ "$status" -eq 0 ] || failed+=("$campaign")
done
if ((${#failed[@]})); then
    echo "bench/campaign: FAILED: ${failed[*]}" >&2
    exit 1
fi
echo "bench/campaign: all passed (${short[*]:-full})"
