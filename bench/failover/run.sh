#!/usr/bin/env bash
# bench/failover/run.sh [--trials N] [--patroni-trials N] [--short] [--only SYSTEMS] [--faults FAULTS]
#
# Write unavailability through HAProxy when the primary of a three-node PostgreSQL 15 cluster fails, for:
#   grace-local    examples/postgres-ha as it is (local lease, ttl 2s)
#   grace-etcd     the same with an etcd lease (ttl 2s, renew 500ms), etcd 3.4 on 127.0.0.1:15379/15380
#   patroni-default    Patroni 4 (PyPI patroni[etcd3]) + the same etcd, ttl 30, loop_wait 10, retry_timeout 10
#   patroni-fast       ttl 20, loop_wait 1, retry_timeout 3 (Patroni 4's minimums: it raises a smaller ttl to 20 s
#                      and a smaller retry_timeout to 3 s)
# Patroni runs as the postgres user (PostgreSQL refuses root) from its own venv, bench/out/patroni-venv, built on
# /usr/bin/python3: a venv of a Python under /root (pyenv) cannot be executed by postgres.
# Faults: kill9 (SIGKILL of the primary's supervisor and of its postmaster), sigstop (SIGSTOP of the primary's
# supervisor; resumed after the trial). Each trial starts a fresh cluster, runs client.py through HAProxy,
# injects the fault after steady writes, and collects the client's JSON; report.py prints the table.
#
# --short: one trial of grace-local kill9 (CI): exits non-zero if a write was lost, a split brain was seen,
# or the unavailability exceeded 10 s.
# Needs: grace (from $GRACE or PATH), PostgreSQL 15, haproxy, etcd (scripts/setup --test), Python 3; creates
# bench/out/venv with psycopg (and bench/out/patroni-venv with Patroni for the Patroni systems) when missing.
# Ports: 15000-15800; refuses to start if etcd's 15379 or HAProxy's 15000 is already answering.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUT=${BENCH_OUT:-$REPO/bench/out}
GRACE=${GRACE:-$(command -v grace || true)}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
TRIALS=3
PATRONI_TRIALS=""
SHORT=0
SYSTEMS="grace-local grace-etcd patroni-default patroni-fast"
FAULTS="kill9 sigstop"
while [ $# -gt 0 ]; do
    case "$1" in
    --trials) TRIALS=$2; shift 2 ;;
    --patroni-trials) PATRONI_TRIALS=$2; shift 2 ;;
    --short) SHORT=1; shift ;;
    --only) SYSTEMS=$2; shift 2 ;;
    --faults) FAULTS=$2; shift 2 ;;
    *) echo "usage: run.sh [--trials N] [--patroni-trials N] [--short] [--only 'SYSTEMS'] [--faults 'FAULTS']" >&2; exit 2 ;;
    esac
done
if [ $SHORT = 1 ]; then TRIALS=1; SYSTEMS=grace-local; FAULTS=kill9; fi
PATRONI_TRIALS=${PATRONI_TRIALS:-$TRIALS}
[ -x "$GRACE" ] || { echo "run.sh: no grace binary (set GRACE or PATH)" >&2; exit 2; }

RUN_ID=$(date -u +%Y%m%dT%H%M%SZ)
RUN=$OUT/failover/$RUN_ID
mkdir -p "$RUN"
VENV=$OUT/venv
PY=$VENV/bin/python
PATRONI_PYTHON=${PATRONI_PYTHON:-/usr/bin/python3}
PVENV=$OUT/patroni-venv
log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }

need_venv() {
    if [ ! -x "$PY" ]; then python3 -m venv "$VENV"; fi
    if ! "$PY" -c 'import psycopg' 2>/dev/null; then "$VENV/bin/pip" install -q 'psycopg[binary]'; fi
    if [ "${1:-}" = patroni ]; then
        if [ ! -x "$PVENV/bin/patroni" ]; then
            "$PATRONI_PYTHON" -m venv "$PVENV"
            "$PVENV/bin/pip" install -q 'patroni[etcd3]' psycopg2-binary
        fi
        "${AS_PG[@]}" "$PVENV/bin/patroni" --version >/dev/null || {
            echo "run.sh: $PVENV/bin/patroni cannot run as ${AS_PG[*]:-this user}" >&2; exit 2; }
    fi
}

# A command prefix, not a function: "${AS_PG[@]}" cmd & gives $! = the pid of cmd itself (setpriv execs it), where
# a backgrounded shell function would give the pid of a subshell whose kill orphans cmd.
AS_PG=()
if [ "$(id -u)" = 0 ]; then AS_PG=(setpriv --reuid=postgres --regid=postgres --init-groups --); fi
alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

# Everything this script started, killed on exit (only these pids).
STARTED=()
ETCD_PID=""
HAPROXY_PIDFILE=""
CUR_ROOT=""
cleanup() {
    set +e
    [ -n "$CUR_ROOT" ] && teardown_current
    [ -n "$ETCD_PID" ] && alive "$ETCD_PID" && kill "$ETCD_PID"
    for pid in "${STARTED[@]}"; do alive "$pid" && kill -CONT "$pid" && kill -KILL "$pid"; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_etcd() {
    [ -n "$ETCD_PID" ] && alive "$ETCD_PID" && return
    if curl -sf --max-time 1 http://127.0.0.1:15379/health >/dev/null; then
        echo "run.sh: something already answers on 127.0.0.1:15379 (a leftover etcd?); not using it" >&2; exit 1
    fi
    rm -rf "$RUN/etcd"
    etcd --name bench --data-dir "$RUN/etcd" --listen-client-urls http://127.0.0.1:15379 \
        --advertise-client-urls http://127.0.0.1:15379 --listen-peer-urls http://127.0.0.1:15380 \
        --initial-advertise-peer-urls http://127.0.0.1:15380 --initial-cluster bench=http://127.0.0.1:15380 \
        >"$RUN/etcd.log" 2>&1 &
    ETCD_PID=$!
    for _ in $(seq 1 100); do curl -sf http://127.0.0.1:15379/health >/dev/null && return; sleep 0.1; done
    echo "run.sh: etcd did not start (see $RUN/etcd.log)" >&2; exit 1
}

# ---- Grace ---------------------------------------------------------------------------------------------------

grace_setup() { # $1 = local|etcd, $2 = trial id
    CUR_ROOT=$RUN/grace-root
    CUR_KIND=grace
    rm -rf "$CUR_ROOT"
    mkdir -p "$CUR_ROOT"
    cp -r "$REPO/examples/postgres-ha/." "$CUR_ROOT/"
    rm -rf "$CUR_ROOT/var"
    if [ "$1" = etcd ]; then
        start_etcd
        sed -i "s|^lease: .*|lease: {backend: etcd, endpoints: [\"http://127.0.0.1:15379\"], key: /grace/bench-$2, ttl: 2s, renew: 500ms}|" \
            "$CUR_ROOT/config/fleet.yaml"
    fi
    (cd "$CUR_ROOT" && GRACE=$GRACE PG_BIN=$PG_BIN ./up >"$RUN/up-$2.log" 2>&1) || {
        echo "run.sh: ./up failed, see $RUN/up-$2.log" >&2; tail -5 "$RUN/up-$2.log" >&2; return 1; }
    for f in "$CUR_ROOT"/var/grace-*.pid "$CUR_ROOT"/var/haproxy.pid; do STARTED+=("$(cat "$f")"); done
}

grace_primary() {
    local n
    for n in 1 2 3; do
        if curl -sf --max-time 1 -o /dev/null "http://127.0.0.1:$((15100 + n))/v1/role"; then echo "$n"; return; fi
    done
}

grace_inject() { # $1 = fault; prints "supervisor_pid postmaster_pid"
    local n sup pm
    n=$(grace_primary)
    sup=$(cat "$CUR_ROOT/var/grace-pg-$n.pid")
    pm=$(head -1 "$CUR_ROOT/var/pg-$n/postgres/data/postmaster.pid")
    date +%s.%N >"$FAULT_FILE"
    case "$1" in
    kill9) kill -KILL "$sup" "$pm" ;;
    sigstop) kill -STOP "$sup" ;;
    esac
    echo "pg-$n $sup $pm"
}

grace_collect() { # journal excerpts of every instance
    local n
    for n in 1 2 3; do
        "$GRACE" journal show --state-dir "$CUR_ROOT/var/pg-$n" --kind fleet.promoted --kind fleet.fenced \
            --kind fleet.member_lost --kind fleet.demoted --kind fleet.quarantined 2>/dev/null | sed "s/^/pg-$n: /" || true
    done
}

grace_teardown() {
    (cd "$CUR_ROOT" && PG_BIN=$PG_BIN ./down >/dev/null 2>&1) || true
}

# ---- Patroni -------------------------------------------------------------------------------------------------

patroni_setup() { # $1 = default|fast, $2 = trial id
    CUR_ROOT=$RUN/patroni-root
    CUR_KIND=patroni
    start_etcd
    rm -rf "$CUR_ROOT"
    mkdir -p "$CUR_ROOT"
    chown postgres:postgres "$CUR_ROOT" 2>/dev/null || true
    local ttl=30 loop=10 retry=10
    if [ "$1" = fast ]; then ttl=20; loop=1; retry=3; fi
    local n
    for n in 1 2 3; do
        cat >"$CUR_ROOT/p$n.yml" <<EOF
scope: bench
namespace: /patroni-$RUN_ID-$2/
name: p$n
restapi: {listen: "127.0.0.1:$((15640 + n))", connect_address: "127.0.0.1:$((15640 + n))"}
etcd3: {hosts: ["127.0.0.1:15379"]}
bootstrap:
  dcs:
    ttl: $ttl
    loop_wait: $loop
    retry_timeout: $retry
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    postgresql:
      use_pg_rewind: true
      parameters: {wal_log_hints: "on", max_connections: 50, shared_buffers: 32MB, wal_keep_size: 256MB}
  initdb: [{encoding: UTF8}, {locale: C}, data-checksums]
postgresql:
  listen: "127.0.0.1:$((15630 + n))"
  connect_address: "127.0.0.1:$((15630 + n))"
  data_dir: $CUR_ROOT/data$n
  bin_dir: $PG_BIN
  pgpass: $CUR_ROOT/pgpass$n
  authentication:
    superuser: {username: postgres, password: bench}
    replication: {username: replicator, password: bench}
    rewind: {username: postgres, password: bench}
  pg_hba:
    - host all all 127.0.0.1/32 trust
    - host replication replicator 127.0.0.1/32 trust
  parameters: {unix_socket_directories: "$CUR_ROOT"}
EOF
        chown postgres:postgres "$CUR_ROOT/p$n.yml" 2>/dev/null || true
    done
    for n in 1 2 3; do
        "${AS_PG[@]}" "$PVENV/bin/patroni" "$CUR_ROOT/p$n.yml" >"$CUR_ROOT/patroni-$n.log" 2>&1 &
        echo $! >"$CUR_ROOT/patroni-$n.pid"
        STARTED+=("$!")
        [ "$n" = 1 ] && sleep 3 # p1 bootstraps first: it becomes the leader
    done
    cat >"$CUR_ROOT/haproxy.cfg" <<EOF
# Same HAProxy as examples/postgres-ha except the check: Patroni's REST API, OPTIONS /primary.
global
    maxconn 200
defaults
    mode tcp
    timeout connect 100ms
    retries 2
    option redispatch
    timeout client 30m
    timeout server 30m
    timeout check 500ms
listen postgres-write
    bind 127.0.0.1:15000
    option httpchk
    http-check send meth OPTIONS uri /primary
    http-check expect status 200
    default-server inter 100ms fall 1 rise 1 on-marked-down shutdown-sessions
    server p1 127.0.0.1:15631 check port 15641
    server p2 127.0.0.1:15632 check port 15642
    server p3 127.0.0.1:15633 check port 15643
EOF
    haproxy -D -f "$CUR_ROOT/haproxy.cfg" -p "$CUR_ROOT/haproxy.pid"
    STARTED+=("$(cat "$CUR_ROOT/haproxy.pid")")
    local deadline=$((SECONDS + 120)) p
    while :; do
        p=$(patroni_primary)
        # Up = a primary, two streaming replicas, and a synchronous standby recorded in the DCS (/sync key; a
        # standby answers GET /synchronous with 200): with synchronous_mode only that standby may take over, and
        # killing the leader before the key is written leaves no node allowed to ("following a different
        # leader because i am not the healthiest node" on both replicas, forever).
        if [ -n "$p" ] && [ "$("$PG_BIN/psql" -X -Atq -h 127.0.0.1 -p $((15630 + p)) -U postgres -d postgres \
            -c "select count(*) from pg_stat_replication where state = 'streaming'" 2>/dev/null)" = 2 ] &&
            { curl -sf --max-time 1 -o /dev/null http://127.0.0.1:15641/synchronous ||
              curl -sf --max-time 1 -o /dev/null http://127.0.0.1:15642/synchronous ||
              curl -sf --max-time 1 -o /dev/null http://127.0.0.1:15643/synchronous; }; then
            break
        fi
        [ $SECONDS -lt $deadline ] || { echo "run.sh: Patroni cluster not up in 120 s ($CUR_ROOT)" >&2; return 1; }
        sleep 0.5
    done
}

patroni_primary() {
    local n
    for n in 1 2 3; do
        if curl -sf --max-time 1 -o /dev/null "http://127.0.0.1:$((15640 + n))/primary"; then echo "$n"; return; fi
    done
}

patroni_inject() {
    local n sup pm
    n=$(patroni_primary)
    sup=$(cat "$CUR_ROOT/patroni-$n.pid")
    pm=$(head -1 "$CUR_ROOT/data$n/postmaster.pid")
    date +%s.%N >"$FAULT_FILE"
    case "$1" in
    kill9) kill -KILL "$sup" "$pm" ;;
    sigstop) kill -STOP "$sup" ;;
    esac
    echo "p$n $sup $pm"
}

patroni_collect() {
    local n
    for n in 1 2 3; do grep -E 'promoted|acquired session lock|Lock owner|demot' "$CUR_ROOT/patroni-$n.log" | tail -3 | sed "s/^/p$n: /" || true; done
}

patroni_teardown() {
    local n pid
    [ -f "$CUR_ROOT/haproxy.pid" ] && kill "$(cat "$CUR_ROOT/haproxy.pid")" 2>/dev/null
    for n in 1 2 3; do
        pid=$(cat "$CUR_ROOT/patroni-$n.pid" 2>/dev/null || true)
        alive "$pid" && { kill -CONT "$pid"; kill -TERM "$pid"; }
    done
    for _ in $(seq 1 150); do
        local left=0
        for n in 1 2 3; do pid=$(cat "$CUR_ROOT/patroni-$n.pid" 2>/dev/null || true); alive "$pid" && left=1; done
        [ $left = 0 ] && break
        sleep 0.2
    done
    for n in 1 2 3; do
        pid=$(cat "$CUR_ROOT/patroni-$n.pid" 2>/dev/null || true); alive "$pid" && kill -KILL "$pid"
        if [ -f "$CUR_ROOT/data$n/postmaster.pid" ]; then
            pid=$(head -1 "$CUR_ROOT/data$n/postmaster.pid")
            alive "$pid" && grep -q postgres "/proc/$pid/cmdline" 2>/dev/null && kill -QUIT "$pid"
        fi
    done
    sleep 0.5
}

teardown_current() {
    if [ "$CUR_KIND" = grace ]; then grace_teardown; else patroni_teardown; fi
    CUR_ROOT=""
}

# ---- Trials --------------------------------------------------------------------------------------------------

run_trial() { # $1 = system, $2 = fault, $3 = trial number
    local sys=$1 fault=$2 i=$3 id="$1-$2-$3" dur warm=4 what
    local dir=$RUN/results/$sys/$fault
    mkdir -p "$dir"
    FAULT_FILE=$dir/$i.fault
    rm -f "$FAULT_FILE"
    case "$sys" in
    grace-local) grace_setup local "$id"; dur=14 ;;
    grace-etcd) grace_setup etcd "$id"; dur=16 ;;
    patroni-default) patroni_setup default "$id"; dur=75 ;;
    patroni-fast) patroni_setup fast "$id"; dur=50 ;;
    esac
    "$PY" "$HERE/client.py" --duration "$dur" --fault-file "$FAULT_FILE" --out "$dir/$i.json" \
        --ports "$( [ "$CUR_KIND" = grace ] && echo 15432,15433,15434 || echo 15631,15632,15633)" \
        --node-expr "$( [ "$CUR_KIND" = grace ] && echo "current_setting('cluster_name')" || echo "'p' || (inet_server_port() - 15630)")" \
        >"$dir/$i.client.log" 2>&1 &
    local client=$!
    STARTED+=("$client")
    sleep $warm
    if [ "$CUR_KIND" = grace ]; then what=$(grace_inject "$fault"); else what=$(patroni_inject "$fault"); fi
    log "$id: $fault of $what"
    wait "$client" || true
    if [ "$fault" = sigstop ]; then kill -CONT "$(echo "$what" | cut -d' ' -f2)" 2>/dev/null || true; fi
    if [ "$CUR_KIND" = grace ]; then grace_collect >"$dir/$i.events"; else patroni_collect >"$dir/$i.events"; fi
    teardown_current
    if [ -f "$dir/$i.json" ]; then
        "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print("  unavailability %s s, acknowledged %s, lost %s, split brain %s, nodes %s" % (d["unavailability_s"], d["acknowledged"], d["verify"]["lost"], d["split_brain_acks"], d["nodes_in_order"]))' "$dir/$i.json" >&2
    else
        log "$id: no client result (see $dir/$i.client.log)"
    fi
}

need_venv "$(case "$SYSTEMS" in *patroni*) echo patroni ;; esac)"
log "results in $RUN"
for sys in $SYSTEMS; do
    n=$TRIALS
    case "$sys" in patroni-*) n=$PATRONI_TRIALS ;; esac
    for fault in $FAULTS; do
        for i in $(seq 1 "$n"); do run_trial "$sys" "$fault" "$i"; done
    done
done
"$PY" "$HERE/report.py" "$RUN/results" | tee "$RUN/report.md"
if [ $SHORT = 1 ]; then
    "$PY" "$HERE/report.py" --check --max-unavailability 10 "$RUN/results"
fi
