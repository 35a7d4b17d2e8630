#!/usr/bin/env bash
# bench/chaos/run.sh — drills against the shipped configuration (issue 18): N seeded random drills back to back
# (`grace chaos run --random N --seed S`), then `grace chaos run --all` and a Chaos Kong drill, each against a fresh
# copy of config/ and Playbooks/ in a git repository (the agent commits there), on ports moved by +20000 (or
# --port-offset) so that a running `scripts/up`, or a second campaign, is not disturbed. Needs root (tmpfs mounts,
# nftables).
#
#   bench/chaos/run.sh [--short] [--random N | --no-random] [--seed S] [--kong DURATION | --no-kong] [--no-all]
#                      [--port-offset N] [GRACE]
#
# Full form: 100 random drills (seed 18), --all, and a 5-minute Kong (about 2 hours). --short: 3 random drills, no
# --all, no Kong (a few minutes; a drill first waits for its target's restart window, up to 5 minutes). CI's short
# form is not this script but the six-drill set of ChaosDrillTests in the test command (JUnit in
# .build/test-results/chaos-drills.xml), which runs `grace chaos run` on the shipped configuration the same way.
# GRACE defaults to .build/release/grace;
# grace-demo must be beside it. Reports (JSON journal, JUnit) and Grace's log: bench/out/chaos-STAMP/; the summary
# (success rate, each failure with its reason) is printed by report.py.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
random=100
seed=18
kong=5m
all=1
offset=20000
grace=""
while (($#)); do
    case "$1" in
        --short) random=3; kong=""; all=0 ;;
        --random) random=$2; shift ;;
        --seed) seed=$2; shift ;;
        --kong) kong=$2; shift ;;
        --no-kong) kong="" ;;
        --no-all) all=0 ;;
        --no-random) random=0 ;;
        --port-offset) offset=$2; shift ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        *) grace=$1 ;;
    esac
    shift
done
grace=${grace:-$repo/.build/release/grace}
[ -x "$grace" ] || { echo "bench/chaos: no grace binary at $grace" >&2; exit 2; }
grace=$(cd "$(dirname "$grace")" && pwd)/$(basename "$grace")
export PATH="$(dirname "$grace"):$PATH"
out=$repo/bench/out/chaos-$(date -u +%Y%m%dT%H%M%SZ)
root=$out/root
mkdir -p "$root"
cp -r "$repo/config" "$repo/Playbooks" "$root/"
[ -d "$repo/libexec" ] && cp -r "$repo/libexec" "$root/"
python3 - "$root" "$offset" <<'PY'
import os, re, sys
root, offset = sys.argv[1], int(sys.argv[2])
ports = [7070, 7071, 7072, 7073, 7074, 7075, 7076, 8081, 8082, 8083, 8084, 8085, 8086]
pattern = re.compile(r'(?<![0-9])(' + '|'.join(map(str, ports)) + r')(?![0-9])')
for d in ['config', 'Playbooks']:
    for name in os.listdir(os.path.join(root, d)):
        path = os.path.join(root, d, name)
        text = open(path).read()
        open(path, 'w').write(pattern.sub(lambda m: str(int(m.group(1)) + offset), text))
PY
(cd "$root" && printf 'var/\n' >.gitignore && git init -q . && git add -A &&
    git -c user.name=bench -c user.email=bench@localhost commit -qm "configuration under drill")
(cd "$root" && exec "$grace" run) >"$out/grace.log" 2>&1 &
gpid=$!
# Every Grace of this root at the end: a kill_instance drill starts instances of its own and starts again the one it
# killed (the first one among them), and those are not this script's children.
cleanup() {
    kill -TERM $gpid 2>/dev/null
    wait $gpid 2>/dev/null
    local left=()
    for p in $(pgrep -f "$grace run"); do
        [ "$(readlink "/proc/$p/cwd" 2>/dev/null)" = "$root" ] && kill -TERM "$p" 2>/dev/null && left+=("$p")
    done
    for _ in $(seq 1 300); do
        local alive=0
        for p in "${left[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
        ((alive)) || break
        sleep 0.1
    done
}
trap cleanup EXIT
for _ in $(seq 1 300); do
    (cd "$root" && "$grace" status --json 2>/dev/null) | python3 -c '
import json, sys
s = json.load(sys.stdin); k = s["kernels"]
sys.exit(0 if k["total"] > 0 and k["healthy"] == k["total"] else 1)' 2>/dev/null && break
    sleep 0.2
done
status=0
cd "$root"
if ((random > 0)); then
    "$grace" chaos run --random "$random" --seed "$seed" --journal "$out/random.json" --junit "$out/random.xml" \
        >"$out/random.txt" 2>&1 || status=1
    python3 "$here/report.py" "$out/random.json"
fi
if ((all)); then
    "$grace" chaos run --all --journal "$out/all.json" --junit "$out/all.xml" >"$out/all.txt" 2>&1 || status=1
    python3 "$here/report.py" "$out/all.json"
fi
if [ -n "$kong" ]; then
    "$grace" chaos kong --duration "$kong" --seed "$seed" --journal "$out/kong.json" --junit "$out/kong.xml" \
        >"$out/kong.txt" 2>&1 || status=1
    python3 "$here/report.py" "$out/kong.json"
fi
echo "bench/chaos: reports in $out"
exit $status
