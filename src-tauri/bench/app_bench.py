#!/usr/bin/env python3
"""The release app's idle memory, cold start and binary size (issue 19, item 6).

    ./dev.sh bench-app            (builds the release app, then runs this)
    src-tauri/bench/app_bench.py --app target/release/linedesk [--settle 60] [--starts 5]

Three figures, each printed with the machine's load average beside it:

1. Idle memory: the app started as a user starts it (`linedesk --data-dir FRESH` inside a
   private D-Bus session, on a private Xvfb display, WEBKIT_DISABLE_COMPOSITING_MODE=1 as
   `./dev.sh run` sets on a display without a GPU), its first start (the demo line seeded by the
   embedded server); `--settle` seconds later, the PSS (/proc/PID/smaps_rollup) of the app and
   of every process it started (WebKitWebProcess, WebKitNetworkProcess), with the app's
   anonymous memory (heap and thread arenas) apart.
2. Start to an interactive clients list: the app launched through tauri-driver (WebDriver),
   timed from the app process's own start time (/proc/PID/stat, CLOCK_BOOTTIME) until the
   first `client-row` of the clients list is in the page (polled every 20 ms), and until the
   header says `in_sync`. The first start is on an empty data dir (the demo line is seeded);
   the next ones restart on the same dir.
3. The binary: its size, its sections (`size -A`) and which crates its code and data come from
   (`nm -S`: each defined symbol's size, by the crate its demangled path names; what cargo-bloat
   does, without it).

Only the standard library; needs Xvfb, dbus-run-session, tauri-driver, WebKitWebDriver, nm.
"""
import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import defaultdict

CLK_TCK = os.sysconf("SC_CLK_TCK")


def load():
    with open("/proc/loadavg") as f:
        return "load " + " ".join(f.read().split()[:3])


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_until(what, timeout, ready, step=0.05):
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            sys.exit(f"app_bench: timed out after {timeout} s waiting for {what}")
        time.sleep(step)


class Group:
    """A child in its own process group, killed with its descendants on close."""

    def __init__(self, args, **kw):
        self.proc = subprocess.Popen(args, start_new_session=True, stdin=subprocess.DEVNULL, **kw)

    def close(self):
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def xvfb():
    n = next(n for n in range(400, 700)
             if not os.path.exists(f"/tmp/.X11-unix/X{n}") and not os.path.exists(f"/tmp/.X{n}-lock"))
    group = Group(["Xvfb", f":{n}", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until("Xvfb", 10, lambda: os.path.exists(f"/tmp/.X11-unix/X{n}"))
    return group, f":{n}"


def children():
    """pid -> [child pids], from /proc."""
    kids = defaultdict(list)
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        kids[ppid].append(int(name))
    return kids


def descendants(pid):
    kids, out, todo = children(), [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return "?"


def rollup(pid):
    """kB fields of /proc/PID/smaps_rollup."""
    out = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and parts[-1] == "kB":
                out[parts[0].rstrip(":")] = int(parts[1])
    return out


def find_app(binary, data_dir):
    """The pid of `binary` whose arguments name `data_dir`, or None."""
    real = os.path.realpath(binary)
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            if os.readlink(f"/proc/{name}/exe") != real:
                continue
            with open(f"/proc/{name}/cmdline", "rb") as f:
                args = f.read().split(b"\0")
        except OSError:
            continue
        if data_dir.encode() in args:
            return int(name)
    return None


def started_at(pid):
    """The process's start, seconds on CLOCK_BOOTTIME (what /proc/PID/stat counts in ticks)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[19]) / CLK_TCK


def mb(kb):
    return kb / 1024


def idle_memory(app, settle):
    print(f"\n== Idle memory {settle} s after a first start ({load()})")
    xv, display = xvfb()
    data = tempfile.mkdtemp(prefix="linedesk-bench-mem.")
    env = dict(os.environ, DISPLAY=display, WEBKIT_DISABLE_COMPOSITING_MODE="1", NO_AT_BRIDGE="1")
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    session = Group(["dbus-run-session", "--", app, "--data-dir", data], env=env,
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until("the app to start", 60, lambda: find_app(app, data) is not None)
        pid = find_app(app, data)
        wait_until("the embedded server's address", 120,
                   lambda: os.path.exists(os.path.join(data, "server", "address")))
        time.sleep(max(0.0, settle - (time.clock_gettime(time.CLOCK_BOOTTIME) - started_at(pid))))
        rows, total = [], 0
        for p in descendants(pid):
            r = rollup(p)
            total += r.get("Pss", 0)
            rows.append((comm(p), p, r))
        for name, p, r in rows:
            print(f"  {name:<22} pid {p:<7} PSS {mb(r.get('Pss', 0)):6.1f} MB "
                  f"(anonymous {mb(r.get('Pss_Anon', 0)):6.1f}, files {mb(r.get('Pss_File', 0)):5.1f}, "
                  f"shared memory {mb(r.get('Pss_Shmem', 0)):5.1f}; RSS {mb(r.get('Rss', 0)):6.1f})")
        print(f"  total PSS {mb(total):.1f} MB ({load()})")
        return total
    finally:
        session.close()
        xv.close()
        subprocess.run(["rm", "-rf", data])


def webdriver(port, method, path, body=None):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as answer:
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def found(port, session, css):
    status, _ = webdriver(port, "POST", f"/session/{session}/element",
                          {"using": "css selector", "value": css})
    return status == 200


def in_sync(port, session):
    status, answer = webdriver(port, "POST", f"/session/{session}/execute/sync", {
        "script": "const e = document.querySelector('[data-testid=\"sync-status\"]');"
                  "return e ? e.getAttribute('data-state') : null;", "args": []})
    return status == 200 and answer.get("value") == "in_sync"


def start_times(app, starts):
    print(f"\n== Start to an interactive clients list, {starts} starts ({load()})")
    xv, display = xvfb()
    port = free_port()
    env = dict(os.environ, DISPLAY=display, WEBKIT_DISABLE_COMPOSITING_MODE="1", NO_AT_BRIDGE="1")
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    driver = Group(["dbus-run-session", "--", "tauri-driver", "--port", str(port),
                    "--native-port", str(free_port())], env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    data = tempfile.mkdtemp(prefix="linedesk-bench-start.")
    figures = []
    try:
        def listening():
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                return True
            except OSError:
                return False
        wait_until("tauri-driver", 20, listening)
        for run in range(starts):
            caps = {"capabilities": {"alwaysMatch": {"browserName": "wry", "tauri:options": {
                "application": app, "args": ["--data-dir", data]}}}}
            status, answer = None, None
            for _ in range(50):
                status, answer = webdriver(port, "POST", "/session", caps)
                if status == 200:
                    break
                time.sleep(0.3)
            if status != 200:
                sys.exit(f"app_bench: no WebDriver session: {answer}")
            session = answer["value"]["sessionId"]
            pid = find_app(app, data)
            if pid is None:
                sys.exit("app_bench: the app's process is not found")
            t0 = started_at(pid)
            wait_until("a client row", 120, lambda: found(port, session, '[data-testid="client-row"]'),
                       step=0.02)
            rows = time.clock_gettime(time.CLOCK_BOOTTIME) - t0
            wait_until("in_sync", 120, lambda: in_sync(port, session), step=0.02)
            synced = time.clock_gettime(time.CLOCK_BOOTTIME) - t0
            kind = "first start (demo seeded)" if run == 0 else "restart"
            print(f"  {kind:<26} clients list {rows * 1000:6.0f} ms, in sync {synced * 1000:6.0f} ms"
                  f" ({load()})")
            figures.append((rows, synced))
            webdriver(port, "DELETE", f"/session/{session}")
            wait_until("the app to stop", 30, lambda: find_app(app, data) is None)
        if len(figures) > 1:
            again = [r for r, _ in figures[1:]]
            print(f"  restarts: clients list median {statistics.median(again) * 1000:.0f} ms "
                  f"(min {min(again) * 1000:.0f}, max {max(again) * 1000:.0f})")
        return figures
    finally:
        driver.close()
        xv.close()
        subprocess.run(["rm", "-rf", data])


CRATE = re.compile(r"^(?:_<|<)*(?:impl )?(?:&(?:mut )?)?(?:dyn )?([A-Za-z_][A-Za-z0-9_]*)::")


def binary_size(app, top):
    size = os.path.getsize(app)
    print(f"\n== The binary: {app}, {size / 1e6:.1f} MB")
    sections = subprocess.run(["size", "-A", app], capture_output=True, text=True, check=True).stdout
    for line in sections.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0].startswith(".") and int(parts[1]) > 100_000:
            print(f"  section {parts[0]:<22} {int(parts[1]) / 1e6:6.2f} MB")
    symbols = subprocess.run(["nm", "-S", "--size-sort", "-C", "--defined-only", app],
                             capture_output=True, text=True, check=True).stdout
    by_crate, text_total, data_total = defaultdict(int), 0, 0
    for line in symbols.splitlines():
        parts = line.split(" ", 3)
        if len(parts) < 4:
            continue
        length, kind, name = int(parts[1], 16), parts[2], parts[3]
        code = kind in "tTwW"
        if code:
            text_total += length
        else:
            data_total += length
        m = CRATE.match(name)
        crate = m.group(1) if m else ("C and other symbols" if not name.startswith("_") else "other")
        by_crate[crate] += length
    print(f"  symbols: code {text_total / 1e6:.1f} MB, data {data_total / 1e6:.1f} MB; by crate:")
    for crate, length in sorted(by_crate.items(), key=lambda kv: -kv[1])[:top]:
        print(f"    {crate:<28} {length / 1e6:6.2f} MB")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--app", required=True, help="the release linedesk binary")
    parser.add_argument("--settle", type=float, default=60, help="seconds after the first start")
    parser.add_argument("--starts", type=int, default=5, help="launches timed (the first on an empty dir)")
    parser.add_argument("--top", type=int, default=25, help="crates listed by size")
    parser.add_argument("--only", choices=["memory", "start", "size"], help="one figure only")
    args = parser.parse_args()
    app = os.path.realpath(args.app)
    print(f"app_bench: {app} ({os.cpu_count()} CPUs, {load()})")
    if args.only in (None, "size"):
        binary_size(app, args.top)
    if args.only in (None, "memory"):
        idle_memory(app, args.settle)
    if args.only in (None, "start"):
        start_times(app, args.starts)


if __name__ == "__main__":
    main()
