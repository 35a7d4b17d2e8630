"""What the reliability campaign's scripts share: starting `grace run` on a configuration written to a temporary
root, talking to its HTTP API, reading its journal (SQLite, read-only) and /proc.

Every process a script starts is recorded and stopped on exit (SIGKILL for kernels a killed Grace left, found by
the `GRACE_STATE_DIR` of their environment), so a failed or interrupted campaign leaves nothing running.
"""

import atexit
import http.client
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
KERNEL = os.path.join(HERE, "kernel.py")
_STARTED = []  # Grace processes, SIGKILLed at exit if still alive
_STATE_DIRS = []  # state directories whose kernels are SIGKILLed at exit
_TEMP = []


def note(tag, msg):
    print(f"[{tag} {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def make_root(prefix, files):
    """A configuration root (config/*.yaml) in a new temporary directory; its state directory is `state/`."""
    root = tempfile.mkdtemp(prefix=prefix)
    _TEMP.append(root)
    write_files(root, files)
    state = os.path.join(root, "state")
    _STATE_DIRS.append(state)
    return root


def write_files(root, files):
    for path, text in files.items():
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        tmp = full + ".tmp"  # not *.yaml: the configuration watcher ignores it until the rename
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, full)


def keep_root():
    """Leave the temporary roots on disk (for a look after a failure)."""
    _TEMP.clear()


class Grace:
    """`grace run` in `root`, its stderr to `root/grace-N.log`."""

    count = 0

    def __init__(self, binary, root, args=(), log_level="info"):
        Grace.count += 1
        self.root = root
        self.log_path = os.path.join(root, f"grace-{Grace.count}.log")
        env = dict(os.environ, NO_COLOR="1")
        env["PATH"] = os.path.dirname(os.path.abspath(binary)) + ":" + env.get("PATH", "")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [binary, "run", "--log-level", log_level] + list(args), cwd=root, stdin=subprocess.DEVNULL,
            stdout=self.log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        _STARTED.append(self.proc)
        self.pid = self.proc.pid

    def alive(self):
        return self.proc.poll() is None

    def kill9(self):
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        self.log.close()

    def stop(self, timeout=60):
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill9()
                return None
        self.log.close()
        return self.proc.returncode

    def tail(self, n=20):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace").splitlines()[-n:]
        except OSError:
            return []


def _cleanup():
    for proc in _STARTED:
        if proc.poll() is None:
            try:
                os.kill(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    for state in _STATE_DIRS:
        for pids in kernel_processes(state).values():
            for pid in pids:
                try:
                    os.killpg(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
    for root in _TEMP:
        shutil.rmtree(root, ignore_errors=True)


atexit.register(_cleanup)


def _on_signal(signum, _frame):
    sys.exit(128 + signum)


signal.signal(signal.SIGTERM, _on_signal)
signal.signal(signal.SIGINT, _on_signal)


# --- HTTP ---------------------------------------------------------------------------------------------------

def request(port, method, path, token=None, body=None, timeout=10.0):
    """(status, parsed JSON or text, seconds); status 0 when the connection failed."""
    headers = {"Host": f"127.0.0.1:{port}"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    elif method == "POST":
        data = b""
    t0 = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        elapsed = time.monotonic() - t0
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode("utf-8", "replace")
        return resp.status, parsed, elapsed
    except (OSError, http.client.HTTPException):
        return 0, None, time.monotonic() - t0
    finally:
        conn.close()


def wait_api(port, grace=None, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if grace is not None and not grace.alive():
            return False
        status, _, _ = request(port, "GET", "/v1/status", timeout=2)
        if status == 200:
            return True
        time.sleep(0.05)
    return False


def read_token(state_dir, timeout=10.0):
    path = os.path.join(state_dir, "api.token")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(path) as f:
                token = f.read().strip()
            if token:
                return token
        except OSError:
            pass
        time.sleep(0.05)
    raise SystemExit(f"no token in {path}")


# --- journal ------------------------------------------------------------------------------------------------

def journal(state_dir, after=0, kinds=None):
    """Entries (id, kind, kernel, fields dict), oldest first, read straight from the SQLite journal."""
    path = os.path.join(state_dir, "grace.sqlite")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        sql = "SELECT id, kind, kernel, fields FROM journal WHERE id > ?"
        args = [after]
        if kinds:
            sql += " AND kind IN (%s)" % ",".join("?" * len(kinds))
            args += list(kinds)
        sql += " ORDER BY id"
        rows = conn.execute(sql, args).fetchall()
    finally:
        conn.close()
    out = []
    for id_, kind, kernel, fields in rows:
        try:
            f = json.loads(fields)
        except ValueError:
            f = {}
        out.append((id_, kind, kernel, f))
    return out


def journal_times(state_dir):
    """Entry id -> its time (ms since the epoch, as the journal stores it)."""
    path = os.path.join(state_dir, "grace.sqlite")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        return dict(conn.execute("SELECT id, time FROM journal"))
    finally:
        conn.close()


def verify(binary, state_dir):
    """`grace journal verify`: (exit status, output)."""
    p = subprocess.run([binary, "journal", "verify", "--state-dir", state_dir], capture_output=True, text=True,
                       timeout=600)
    return p.returncode, (p.stdout + p.stderr).strip()


# --- /proc --------------------------------------------------------------------------------------------------

def _proc_state(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            text = f.read()
        return text[text.rindex(")") + 2]
    except (OSError, ValueError):
        return None


def kernel_processes(state_dir):
    """Kernel name -> pids of live (not zombie) process-group leaders whose environment names this state
    directory: each kernel's main process, as Grace spawns it (its own group) and as a crashed Grace leaves it."""
    want = f"GRACE_STATE_DIR={os.path.realpath(state_dir)}".encode()
    want2 = f"GRACE_STATE_DIR={state_dir}".encode()
    out = {}
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        pid = int(entry)
        if pid == me:
            continue
        try:
            if os.getpgid(pid) != pid:
                continue
            with open(f"/proc/{pid}/environ", "rb") as f:
                variables = f.read().split(b"\0")
        except (OSError, ProcessLookupError):
            continue
        if want not in variables and want2 not in variables:
            continue
        if _proc_state(pid) in (None, "Z", "X"):
            continue
        name = next((v[len(b"GRACE_KERNEL="):].decode() for v in variables if v.startswith(b"GRACE_KERNEL=")), "?")
        out.setdefault(name, []).append(pid)
    return out


def status_kib(pid, key):
    """A figure of /proc/PID/status in KiB (VmRSS, VmHWM), 0 when the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def open_fds(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def slope(xs, ys):
    """Least-squares slope of ys over xs."""
    n = len(xs)
    if n < 2:
        return 0.0
    mx = sum(xs) / n
    my = sum(ys) / n
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den if den else 0.0


def percentile(xs, q):
    if not xs:
        return None
    s = sorted(xs)
    k = max(0, min(len(s) - 1, int(round(q / 100.0 * len(s) + 0.5)) - 1))
    return s[k]


def demo_binary(grace_binary):
    return os.path.join(os.path.dirname(os.path.abspath(grace_binary)), "grace-demo")


def kernel_command(*args):
    """A campaign kernel (kernel.py) as a YAML flow list: the system python3, no site packages."""
    python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else shutil.which("python3")
    parts = [python, "-S", "-u", KERNEL] + [str(a) for a in args]
    return "[" + ", ".join(json.dumps(p) for p in parts) + "]"


def report(tag, figures, failures):
    """Prints figures (a list of (name, value)) and the broken guarantees; returns the exit status."""
    width = max(len(k) for k, _ in figures) if figures else 0
    print(f"== {tag}")
    for k, v in figures:
        print(f"  {k.ljust(width)}  {v}")
    if failures:
        print(f"FAIL {tag}: " + "; ".join(failures))
        return 1
    print(f"PASS {tag}")
    return 0
