#!/usr/bin/env python3
"""Write-availability client for the failover benchmark (bench/failover/run.sh).

Connects through HAProxy, inserts one row per transaction (autocommit), each with its own sequence number, and
records when each insert was acknowledged and by which server (`RETURNING node`, the server's cluster_name). It
reconnects at once on any error. It stops after --duration seconds or on SIGTERM/SIGINT, then:

- unavailability: the longest gap between two consecutive acknowledged writes from 1 s before the fault (the
  time in --fault-file, written by run.sh when it injects the fault) to the end; without a fault file, over the
  whole run;
- verification against the final primary (the one read-write server among --ports): every acknowledged sequence
  number must be in its table (lost = acknowledged but absent);
- split brain: an acknowledgment from a server after another server had already acknowledged a later write
  (two primaries accepting writes at once), plus rows in the final table written by a server other than the
  final primary at a sequence number after the new primary's first (a row that only the old primary took).

An insert whose commit only returned with PostgreSQL's warning "canceling wait for synchronous replication"
is committed locally but perhaps not replicated: it is not counted as acknowledged (counted apart).

Writes a JSON summary to --out and prints it. Needs psycopg 3 (run.sh installs it into bench/out/venv).
"""
import argparse
import json
import signal
import sys
import time

import psycopg

TABLE_DDL = """
create table if not exists bench_writes (
    seq bigint primary key,
    node text not null default {node},
    port int not null default inet_server_port(),
    at timestamptz not null default clock_timestamp()
)
"""


def connect(host, port, timeout=1.0):
    return psycopg.connect(
        host=host, port=port, user="postgres", dbname="postgres", autocommit=True,
        connect_timeout=max(1, int(timeout)), keepalives=1, keepalives_idle=1, keepalives_interval=1,
        keepalives_count=2,
    )


def final_primary(host, ports):
    primaries = []
    for p in ports:
        try:
            with connect(host, p) as c:
                if c.execute("select pg_is_in_recovery()").fetchone()[0] is False:
                    primaries.append(p)
        except Exception:
            pass
    return primaries


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=15000, help="HAProxy")
    ap.add_argument("--ports", default="15432,15433,15434", help="the PostgreSQL servers, for verification")
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--fault-file", help="file holding the fault's time (epoch seconds), written by run.sh")
    ap.add_argument("--out", help="JSON summary")
    ap.add_argument("--start-seq", type=int, default=1)
    ap.add_argument("--node-expr", default="current_setting('cluster_name')",
                    help="SQL naming the server (Patroni sets every node's cluster_name to its scope)")
    ap.add_argument("--verify-wait", type=float, default=30.0, help="seconds to wait for one primary at the end")
    args = ap.parse_args()
    ports = [int(p) for p in args.ports.split(",") if p]

    stop = False

    def on_signal(*_):
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    acks = []          # (seq, time, node)
    failures = []      # (time, message)
    unreplicated = []  # seq of commits that returned with the sync-rep cancel warning
    start = time.time()
    seq = args.start_seq
    conn = None
    notices = []
    # The table, through HAProxy (retry until a primary answers).
    while not stop and time.time() - start < args.duration:
        try:
            with connect(args.host, args.port) as c:
                c.execute(TABLE_DDL.format(node=args.node_expr))
            break
        except Exception as e:
            failures.append((time.time(), f"ddl: {e}".strip()[:200]))
            time.sleep(0.05)

    while not stop and time.time() - start < args.duration:
        if conn is None:
            try:
                conn = connect(args.host, args.port)
                conn.add_notice_handler(lambda d: notices.append(d.message_primary or ""))
            except Exception as e:
                failures.append((time.time(), f"connect: {e}".strip()[:200]))
                conn = None
                time.sleep(0.005)
                continue
        s = seq
        seq += 1
        notices.clear()
        try:
            node = conn.execute("insert into bench_writes (seq) values (%s) returning node", (s,)).fetchone()[0]
            now = time.time()
            if any("synchronous replication" in n for n in notices):
                unreplicated.append(s)
            else:
                acks.append((s, now, node))
        except Exception as e:
            failures.append((time.time(), f"insert {s}: {e}".strip()[:200]))
            try:
                conn.close()
            except Exception:
                pass
            conn = None
    if conn is not None:
        conn.close()
    end = time.time()

    fault = None
    if args.fault_file:
        try:
            fault = float(open(args.fault_file).read().strip())
        except (OSError, ValueError):
            fault = None

    # Unavailability: the longest gap between consecutive acknowledgments around the fault.
    window_start = (fault - 1.0) if fault else start
    times = [t for _, t, _ in acks if t >= window_start]
    gap, gap_from, gap_to = 0.0, None, None
    prev = window_start if fault else (times[0] if times else start)
    for t in times + [end]:
        if t - prev > gap:
            gap, gap_from, gap_to = t - prev, prev, t
        prev = t
    first_other = None
    old_node = None
    if fault:
        before = [a for a in acks if a[1] < fault]
        old_node = before[-1][2] if before else None
        after = [a for a in acks if a[1] >= fault and a[2] != old_node]
        first_other = (after[0][1] - fault) if after else None

    # Split brain, from the acknowledgments: a server acknowledging after another had acknowledged a later seq.
    split_acks = 0
    seen_nodes_order = []
    for s, t, n in acks:
        if not seen_nodes_order or seen_nodes_order[-1] != n:
            if n in seen_nodes_order:
                split_acks += 1
            seen_nodes_order.append(n)

    # Verification against the final primary.
    verify = {"primary_ports": [], "lost": None, "lost_seqs": [], "foreign_rows_after_takeover": None}
    deadline = time.time() + args.verify_wait
    primaries = []
    while time.time() < deadline:
        primaries = final_primary(args.host, ports)
        if len(primaries) == 1:
            break
        time.sleep(0.2)
    verify["primary_ports"] = primaries
    if len(primaries) == 1:
        with connect(args.host, primaries[0]) as c:
            rows = c.execute("select seq, node from bench_writes where seq >= %s", (args.start_seq,)).fetchall()
            final_node = c.execute(f"select {args.node_expr}").fetchone()[0]
        present = {r[0]: r[1] for r in rows}
        lost = [s for s, _, _ in acks if s not in present]
        verify["lost"] = len(lost)
        verify["lost_seqs"] = lost[:20]
        verify["final_node"] = final_node
        # Rows taken by a server other than the final primary after the final primary's first row.
        final_first = min((s for s, n in present.items() if n == final_node), default=None)
        if final_first is not None and fault:
            verify["foreign_rows_after_takeover"] = sum(
                1 for s, n in present.items() if s > final_first and n != final_node
            )
        else:
            verify["foreign_rows_after_takeover"] = 0
    summary = {
        "duration_s": round(end - start, 3),
        "acknowledged": len(acks),
        "attempts": seq - args.start_seq,
        "failures": len(failures),
        "unreplicated_commits": len(unreplicated),
        "fault_at": fault,
        "unavailability_s": round(gap, 3),
        "gap_from_fault_s": round(gap_from - fault, 3) if (fault and gap_from) else None,
        "gap_to_fault_s": round(gap_to - fault, 3) if (fault and gap_to) else None,
        "first_ack_from_new_primary_s": round(first_other, 3) if first_other is not None else None,
        "old_primary": old_node,
        "nodes_in_order": seen_nodes_order,
        "split_brain_acks": split_acks,
        "verify": verify,
        "first_failures": [f"{t - (fault or start):+.3f}s {m}" for t, m in failures[:5]],
        "last_seq": seq - 1,
    }
    text = json.dumps(summary, indent=2)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    print(text)
    bad = verify["lost"] is None or verify["lost"] > 0 or split_acks > 0
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
