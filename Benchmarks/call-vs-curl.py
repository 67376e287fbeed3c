#!/usr/bin/env python3
"""`b24 call user.current` as a whole process vs `curl` on the same loopback sandbox.

Both run the same number of times, interleaved, against one `b24 sandbox` (limits off); the script prints each
median and their ratio (goal: b24 <= 2x curl). Usage: Benchmarks/call-vs-curl.py [--runs N] [--binary PATH]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--binary", default=".build/release/b24")
    args = parser.parse_args()
    if not os.access(args.binary, os.X_OK):
        print(f"build first: swift build -c release --product b24 --static-swift-stdlib (no {args.binary})", file=sys.stderr)
        return 2
    home = tempfile.mkdtemp(prefix="b24-bench-")
    env = dict(os.environ, XDG_CONFIG_HOME=f"{home}/config", XDG_STATE_HOME=f"{home}/state", HOME=home)
    sandbox = subprocess.Popen([args.binary, "sandbox", "--port", "0", "--bucket", "off", "--operating-limit", "off"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        webhook = None
        for line in sandbox.stdout:
            if line.startswith("webhook: "):
                webhook = line.split(" ", 1)[1].strip()
                break
        if not webhook:
            print("the sandbox did not print its webhook", file=sys.stderr)
            return 2
        b24 = [args.binary, "call", "user.current", "--webhook", webhook, "--bucket", "100000/100000"]
        curl = ["curl", "-sf", "-X", "POST", "-H", "Content-Type: application/json", "-H", "Accept: application/json",
                "-d", "{}", webhook + "user.current"]
        # The floor: a b24 process that only starts and exits (Swift runtime and Foundation loading).
        floor = [args.binary, "--version"]
        commands = (("b24", b24), ("curl", curl), ("floor", floor))
        for _, command in commands:  # warm-up: page cache, first connection
            subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        timings = {name: [] for name, _ in commands}
        for _ in range(args.runs):
            for name, command in commands:
                start = time.perf_counter()
                result = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                timings[name].append(time.perf_counter() - start)
                if result.returncode != 0:
                    print(f"{name} failed with exit {result.returncode}", file=sys.stderr)
                    return 1
        b24_median = statistics.median(timings["b24"]) * 1000
        curl_median = statistics.median(timings["curl"]) * 1000
        floor_median = statistics.median(timings["floor"]) * 1000
        print(f"runs: {args.runs} each, interleaved, same loopback sandbox")
        print(f"b24 call user.current  median {b24_median:7.2f} ms")
        print(f"curl                   median {curl_median:7.2f} ms")
        print(f"b24 --version (floor)  median {floor_median:7.2f} ms")
        print(f"ratio b24/curl: {b24_median / curl_median:.2f}x (goal <= 2x)")
        print(f"ratio floor/curl: {floor_median / curl_median:.2f}x (process start alone)")
        return 0
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
