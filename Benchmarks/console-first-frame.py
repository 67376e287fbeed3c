#!/usr/bin/env python3
"""Time from process start to the console's first complete frame, in tmux.

`b24` writes the wall-clock time to $B24_FIRST_FRAME_FILE right after its first frame reached the terminal.
The baseline is the same tmux start running `sh -c 'date +%s.%N > FILE'` (process start + one write). Both are
timed from just before `tmux new-session`, interleaved, on a private tmux server and XDG home (no profile:
the console starts its embedded sandbox, which happens after the first frame). Prints medians, the ratio and
the difference (b24's own cost; goal <= 50 ms). Usage: Benchmarks/console-first-frame.py [--runs N] [--binary PATH]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def measure(command, marker, env, socket):
    if os.path.exists(marker):
        os.remove(marker)
    start = time.time()
    subprocess.run(["tmux", "-L", socket, "-f", "/dev/null", "new-session", "-d", "-x", "120", "-y", "40",
                    "env"] + [f"{k}={v}" for k, v in env.items()] + command, check=True)
    deadline = start + 10
    while time.time() < deadline:
        try:
            with open(marker) as f:
                text = f.read().strip()
            if text:
                return float(text) - start
        except FileNotFoundError:
            pass
        time.sleep(0.001)
    raise RuntimeError(f"no marker from {command}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--binary", default=".build/release/b24")
    args = parser.parse_args()
    if not shutil.which("tmux"):
        print("tmux is not installed (scripts/ensure-deps installs it)", file=sys.stderr)
        return 2
    if not os.access(args.binary, os.X_OK):
        print(f"build first: swift build -c release --product b24 (no {args.binary})", file=sys.stderr)
        return 2
    binary = os.path.abspath(args.binary)
    home = tempfile.mkdtemp(prefix="b24-bench-")
    marker = os.path.join(home, "first-frame")
    env = {"HOME": home, "XDG_CONFIG_HOME": f"{home}/config", "XDG_STATE_HOME": f"{home}/state",
           "TERM": "xterm-256color", "LANG": "C.UTF-8", "PATH": "/usr/bin:/bin", "B24_FIRST_FRAME_FILE": marker}
    socket = f"b24-bench-{os.getpid()}"
    b24 = [binary]
    baseline = ["sh", "-c", f"date +%s.%N > {marker}; sleep 5"]
    timings = {"b24": [], "baseline": []}
    try:
        for i in range(args.runs + 1):  # the first round warms the page cache
            for name, command in (("b24", b24), ("baseline", baseline)):
                elapsed = measure(command, marker, env, socket)
                subprocess.run(["tmux", "-L", socket, "kill-server"], stderr=subprocess.DEVNULL)
                time.sleep(0.05)
                if i > 0:
                    timings[name].append(elapsed)
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-server"], stderr=subprocess.DEVNULL)
        shutil.rmtree(home, ignore_errors=True)
    b = statistics.median(timings["b24"]) * 1000
    base = statistics.median(timings["baseline"]) * 1000
    print(f"first frame, tmux start → frame drawn: b24 median {b:.1f} ms, baseline (sh + date) median {base:.1f} ms")
    print(f"ratio b24/baseline: {b / base:.2f}x; b24's own cost: {b - base:.1f} ms (goal <= 50 ms), {args.runs} runs each")
    return 0


if __name__ == "__main__":
    sys.exit(main())
