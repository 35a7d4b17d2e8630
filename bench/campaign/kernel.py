#!/usr/bin/env python3
"""The campaign's kernels: small, stdlib only, one process each (so that a kernel is exactly one process-group
leader, which is what the campaign counts).

    kernel.py steady              prints a line, then sleeps until signalled
    kernel.py crash MIN MAX       prints a line, lives MIN..MAX seconds, exits 3
    kernel.py flood RATE LIFE     writes RATE lines/s to stdout ("FLOOD error seq=N"), in 10 ms batches, for LIFE
                                  seconds, then exits 3 (LIFE 0: forever)

A last argument `window=START:END` (Unix times) confines flooding and crashing to that window: before it the
kernel waits, after it it stays up quietly (so that a campaign measures the storm, not the boot).
"""

import os
import random
import sys
import time


def main():
    start, end = 0.0, float("inf")
    if sys.argv[-1].startswith("window="):
        start, end = (float(x) for x in sys.argv.pop()[len("window="):].split(":"))
        if time.time() < start:
            time.sleep(start - time.time())
        if time.time() >= end:
            while True:
                time.sleep(3600)
    mode = sys.argv[1]
    name = os.environ.get("GRACE_KERNEL", "?")
    if mode == "steady":
        print(f"{name} up pid={os.getpid()}", flush=True)
        while True:
            time.sleep(3600)
    elif mode == "crash":
        low, high = float(sys.argv[2]), float(sys.argv[3])
        print(f"{name} up pid={os.getpid()}", flush=True)
        time.sleep(random.uniform(low, high))
        if time.time() >= end:
            while True:
                time.sleep(3600)
        print(f"{name} crashing", flush=True)
        sys.exit(3)
    elif mode == "flood":
        rate, life = int(sys.argv[2]), float(sys.argv[3])
        out = sys.stdout.buffer
        began = time.monotonic()
        sent = 0
        while (life <= 0 or time.monotonic() - began < life) and time.time() < end:
            due = int((time.monotonic() - began) * rate)
            if due > sent:
                n = min(due - sent, rate)  # never more than a second's worth at once
                out.write(b"".join(b"FLOOD error seq=%d\n" % (sent + i) for i in range(n)))
                out.flush()
                sent = due
            time.sleep(0.01)
        if time.time() >= end:
            while True:
                time.sleep(3600)
        sys.exit(3)
    else:
        sys.exit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
