#!/usr/bin/env python3
"""What the dashboard costs when little or nothing happens: CPU time and bytes written.

Usage: idle_cost.py [--seconds N] [--warmup N] [--binary PATH] [--only NAME]

Runs the warroom binary (default: target/release/warroom) in a pseudo-terminal of 120x40 cells,
reads every byte it writes, and after a warm-up (the first frame, the journal, the demo's lab
servers) measures for N seconds (default 60):
  - CPU time, utime + stime of the whole process from /proc/PID/stat, as % of one core;
  - bytes written to the terminal, scaled to a minute;
  - frames, counted by the synchronized-update marker that opens each one, scaled to a minute;
  - "warm-up B": the bytes written before the measurement, mostly the first full frame.

Runs, one after the other so they do not compete for the cores:
  idle          warroom --runbook webhook-outage --journal TMP     (no targets: only the clock)
  idle fps=5    the same with --max-fps 5
  quiet         a calm incident: one healthy target (a stdlib HTTP server on 127.0.0.1 that
                this script runs) probed every 10 s, and a log file that never grows
  demo          warroom demo --speed 1
  demo fps=5    the same with --max-fps 5

Each run gets its own temporary directory for the journal and XDG_STATE_HOME, and is stopped
with SIGTERM (then SIGKILL) at the end. Standard library only.
"""
import argparse
import fcntl
import http.server
import os
import select
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time

COLUMNS = 120
ROWS = 40
# crossterm's BeginSynchronizedUpdate; warroom writes one at the start of every frame.
FRAME_MARKER = b"\x1b[?2026h"
CLOCK_TICKS_PER_S = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """utime + stime of `pid` and all its threads, in seconds."""
    with open(f"/proc/{pid}/stat", "rb") as stat:
        text = stat.read()
    # The command name is in parentheses and may contain spaces; fields follow the last ')'.
    fields = text[text.rindex(b")") + 2 :].split()
    # After the name: state is field 3 of stat(5), so utime (14) and stime (15) are at 11, 12.
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / CLOCK_TICKS_PER_S


def spawn_in_pty(argv, env):
    """Starts `argv` with a new pty of COLUMNS x ROWS as its controlling terminal."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
    child = subprocess.Popen(
        argv,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
        close_fds=True,
    )
    os.close(slave)
    return child, master


class Reader:
    """Drains the pty master, counting bytes and frame markers."""

    def __init__(self, master):
        self.master = master
        self.bytes = 0
        self.frames = 0
        self.tail = b""
        self.closed = False

    def drain_until(self, deadline):
        while not self.closed:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            ready, _, _ = select.select([self.master], [], [], left)
            if not ready:
                continue
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # EIO: the child closed the terminal.
                chunk = b""
            if not chunk:
                self.closed = True
                return
            self.bytes += len(chunk)
            # Keep a few bytes from the previous read so a marker split across reads counts.
            window = self.tail + chunk
            self.frames += window.count(FRAME_MARKER) - self.tail.count(FRAME_MARKER)
            self.tail = window[-(len(FRAME_MARKER) - 1) :]


def stop(child, reader):
    child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 5
    while child.poll() is None and time.monotonic() < deadline:
        reader.drain_until(time.monotonic() + 0.1)
    if child.poll() is None:
        child.kill()
        child.wait()
    os.close(reader.master)


def measure(name, argv, seconds, warmup):
    with tempfile.TemporaryDirectory(prefix="warroom-idle-") as tmp:
        argv = [a.replace("{tmp}", tmp) for a in argv]
        # A log file that exists and never grows, for runs that tail one.
        with open(os.path.join(tmp, "app.log"), "w", encoding="utf-8") as log:
            log.write('127.0.0.1 - - [01/Jan/2026:00:00:00 +0000] "GET / HTTP/1.1" 200 2 "-" "-"\n')
        env = dict(os.environ, TERM="xterm-256color", XDG_STATE_HOME=tmp)
        env.pop("NO_COLOR", None)
        child, master = spawn_in_pty(argv, env)
        reader = Reader(master)
        try:
            reader.drain_until(time.monotonic() + warmup)
            if reader.closed or child.poll() is not None:
                raise SystemExit(f"{name}: warroom exited during the warm-up: {argv}")
            first_bytes = reader.bytes
            bytes0, frames0 = reader.bytes, reader.frames
            cpu0, t0 = cpu_seconds(child.pid), time.monotonic()
            reader.drain_until(t0 + seconds)
            cpu1, t1 = cpu_seconds(child.pid), time.monotonic()
            if reader.closed:
                raise SystemExit(f"{name}: warroom exited during the measurement")
        finally:
            stop(child, reader)
    elapsed = t1 - t0
    per_minute = 60.0 / elapsed
    return {
        "name": name,
        "cpu_pct": 100.0 * (cpu1 - cpu0) / elapsed,
        "bytes_per_min": (reader.bytes - bytes0) * per_minute,
        "frames_per_min": (reader.frames - frames0) * per_minute,
        "warmup_bytes": first_bytes,
    }


class QuietHandler(http.server.BaseHTTPRequestHandler):
    """Answers every request with a small 200 and logs nothing."""

    def do_GET(self):  # noqa: N802 (the name http.server dispatches to)
        body = b'{"status":"ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def start_quiet_target():
    """A healthy app on 127.0.0.1 for the quiet run; returns its URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/health"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="measured time per run")
    parser.add_argument("--warmup", type=float, default=5.0, help="unmeasured start per run")
    parser.add_argument("--binary", default="target/release/warroom")
    parser.add_argument("--only", help="run only the runs whose name contains this")
    args = parser.parse_args()
    if not os.access(args.binary, os.X_OK):
        sys.exit(f"{args.binary} is missing: run `cargo build --release` first")

    idle = [args.binary, "--runbook", "webhook-outage", "--journal", "{tmp}/idle.jsonl"]
    # An IP-literal URL and a nameserver nothing answers on: no query leaves loopback.
    quiet = idle + [start_quiet_target(), "--dns-server", "127.0.0.1:9", "--log", "{tmp}/app.log"]
    demo = [args.binary, "demo", "--speed", "1", "--journal", "{tmp}/demo.jsonl"]
    runs = [
        ("idle", idle),
        ("idle fps=5", idle + ["--max-fps", "5"]),
        ("quiet", quiet),
        ("demo", demo),
        ("demo fps=5", demo + ["--max-fps", "5"]),
    ]
    if args.only:
        runs = [(name, argv) for name, argv in runs if args.only in name]

    print(f"{COLUMNS}x{ROWS} pty, {args.warmup:g} s warm-up, {args.seconds:g} s measured per run")
    print(f"{'run':<12} {'CPU % core':>10} {'bytes/min':>10} {'frames/min':>10} {'warm-up B':>10}")
    for name, argv in runs:
        r = measure(name, argv, args.seconds, args.warmup)
        print(
            f"{r['name']:<12} {r['cpu_pct']:>10.2f} {r['bytes_per_min']:>10.0f}"
            f" {r['frames_per_min']:>10.0f} {r['warmup_bytes']:>10}",
            flush=True,
        )


if __name__ == "__main__":
    main()
