#!/usr/bin/env bash
# HTTP API under a loopback load: latency and throughput of `GET /v1/status` with wrk, and the daemon's RSS
# while it serves, against Monit's HTTP status page (`/_status?format=xml`, the fastest peer with a status
# endpoint; C) and supervisord's XML-RPC `supervisor.getAllProcessInfo` (Python), each supervising the same five
# `sleep` programs, measured in the same run. The server is pinned to CPU 0 and wrk to CPU 1 (2-core machines).
#
#   bench/api/run.sh                         # release build into .build-bench, 15 s per target
#   BENCH_SECONDS=5 BENCH_GRACE=.build/debug/grace bench/api/run.sh
#
# Writes bench/out/api-report.txt and prints it.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
out=$root/bench/out
mkdir -p "$out"
seconds=${BENCH_SECONDS:-15}
connections=${BENCH_CONNECTIONS:-32}

# supervisor (PyPI) from the project's Python environment, .venv/ (scripts/venv), not the system's.
PATH="$(dirname "$("$root/scripts/venv" supervisor)"):$PATH"
for tool in wrk monit supervisord supervisorctl taskset; do
    command -v "$tool" >/dev/null || {
        echo "bench/api: $tool is missing (scripts/setup --test installs wrk; apt-get install monit)" >&2
        exit 2
    }
done

if [ -z "${BENCH_GRACE:-}" ]; then
    swift build -c release --static-swift-stdlib --product grace --scratch-path .build-bench >/dev/null
    BENCH_GRACE=$root/.build-bench/release/grace
fi

work=$(mktemp -d /tmp/grace-bench-api.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for f in "$work"/sleeper-*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# Samples the RSS of $1 every 200 ms while wrk runs; prints the peak in KiB.
run_wrk() {
    local pid=$1 label=$2 url=$3 script=${4:-}
    local file
    file=$work/$(echo "$label" | tr -c 'A-Za-z0-9\n' '_')
    local peak=0 before
    before=$(rss_kib "$pid")
    local args=(-t1 -c"$connections" -d"${seconds}s" --latency)
    [ -n "$script" ] && args+=(-s "$script")
    taskset -c 1 wrk "${args[@]}" "$url" >"$file.wrk" &
    local w=$!
    while kill -0 "$w" 2>/dev/null; do
        local r
        r=$(rss_kib "$pid")
        [ "$r" -gt "$peak" ] && peak=$r
        sleep 0.2
    done
    wait "$w"
    local rps p50 p99 errors
    rps=$(awk '/^Requests\/sec/ {print $2}' "$file.wrk")
    p50=$(awk '$1 == "50%" {print $2}' "$file.wrk")
    p99=$(awk '$1 == "99%" {print $2}' "$file.wrk")
    errors=$(awk '/Non-2xx|Socket errors/ {print}' "$file.wrk" | tr '\n' ' ')
    printf '%-34s %12s %10s %10s %9.1f %9.1f  %s\n' "$label" "$rps" "$p50" "$p99" \
        "$(echo "$before / 1024" | bc -l)" "$(echo "$peak / 1024" | bc -l)" "$errors" | tee -a "$work/table"
    echo "$rps" >"$file.rps"
}

# --- Grace ---
port=$(free_port)
mkdir -p "$work/grace/config"
cat >"$work/grace/config/grace.yaml" <<YAML
kind: grace
name: bench
state_dir: var/grace
api: {listen: "127.0.0.1:$port", rate: {reads: 10000000, writes: 20}}
YAML
for i in 1 2 3 4 5; do
    printf -- '---\nkind: kernel\nname: sleeper-%s\ncommand: [/bin/sleep, "100000"]\n' "$i" >>"$work/grace/config/kernels.yaml"
done
(cd "$work/grace" && exec taskset -c 0 "$BENCH_GRACE" run --log-level warning >"$work/grace.log" 2>&1) &
grace_pid=$!
pids+=("$grace_pid")
for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:$port/v1/status" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -sf "http://127.0.0.1:$port/v1/status" >/dev/null || { echo "bench/api: grace did not answer"; cat "$work/grace.log"; exit 1; }

# --- Monit ---
mport=$(free_port)
cat >"$work/monitrc" <<MONIT
set daemon 30
set pidfile $work/monit.pid
set idfile $work/monit.id
set statefile $work/monit.state
set httpd port $mport and use address 127.0.0.1
    allow 127.0.0.1
MONIT
for i in 1 2 3 4 5; do
    # Each program records its pid, so that cleanup stops exactly what Monit started.
    printf 'check process sleeper-%s with pidfile "%s/sleeper-%s.pid"\n  start program = "/bin/sh -c \x27/bin/sleep 10000%s & echo $! > %s/sleeper-%s.pid\x27"\n' \
        "$i" "$work" "$i" "$i" "$work" "$i" >>"$work/monitrc"
done
chmod 600 "$work/monitrc"
taskset -c 0 monit -c "$work/monitrc" -I >"$work/monit.log" 2>&1 &
monit_pid=$!
pids+=("$monit_pid")
for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$mport/_status?format=xml" >/dev/null 2>&1 && break
    sleep 0.1
done

# --- supervisord ---
sport=$(free_port)
cat >"$work/supervisord.conf" <<SUP
[supervisord]
logfile=$work/supervisord.log
pidfile=$work/supervisord.pid
nodaemon=true
[inet_http_server]
port=127.0.0.1:$sport
[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
SUP
for i in 1 2 3 4 5; do
    printf '[program:sleeper-%s]\ncommand=/bin/sleep 100000\n' "$i" >>"$work/supervisord.conf"
done
taskset -c 0 supervisord -c "$work/supervisord.conf" >/dev/null 2>&1 &
sup_pid=$!
pids+=("$sup_pid")
cat >"$work/xmlrpc.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "text/xml"
wrk.body = "<?xml version='1.0'?><methodCall><methodName>supervisor.getAllProcessInfo</methodName><params></params></methodCall>"
LUA
for _ in $(seq 1 100); do
    curl -sf -H 'Content-Type: text/xml' -d "$(sed -n 's/^wrk.body = "\(.*\)"$/\1/p' "$work/xmlrpc.lua")" \
        "http://127.0.0.1:$sport/RPC2" >/dev/null 2>&1 && break
    sleep 0.1
done

{
    echo "HTTP status endpoint under load: wrk -t1 -c$connections -d${seconds}s on CPU 1, server on CPU 0"
    echo "$(date -u +%FT%TZ)  $(uname -r)  load: $(cut -d' ' -f1-3 /proc/loadavg)  grace: $BENCH_GRACE"
    printf '%-34s %12s %10s %10s %9s %9s\n' "target" "requests/s" "p50" "p99" "RSS0 MiB" "peak MiB"
} | tee "$work/header"
: >"$work/table"
run_wrk "$grace_pid" "grace GET /v1/status" "http://127.0.0.1:$port/v1/status"
run_wrk "$grace_pid" "grace GET /v1/kernels" "http://127.0.0.1:$port/v1/kernels"
run_wrk "$monit_pid" "monit GET /_status?format=xml" "http://127.0.0.1:$mport/_status?format=xml"
run_wrk "$sup_pid" "supervisord getAllProcessInfo" "http://127.0.0.1:$sport/RPC2" "$work/xmlrpc.lua"

rps_of() { cat "$work/$(echo "$1" | tr -c 'A-Za-z0-9\n' '_').rps"; }
g=$(rps_of "grace GET /v1/status")
m=$(rps_of "monit GET /_status?format=xml")
s=$(rps_of "supervisord getAllProcessInfo")
{
    cat "$work/header" "$work/table"
    printf 'throughput ratio grace/monit (fastest peer): %.2f; grace/supervisord: %.2f\n' \
        "$(echo "$g / $m" | bc -l)" "$(echo "$g / $s" | bc -l)"
} >"$out/api-report.txt"
echo
tail -1 "$out/api-report.txt"
