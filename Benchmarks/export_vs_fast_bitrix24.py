"""Driver of Benchmarks/export-vs-fast-bitrix24.sh: twin sandboxes, b24 export and fast-bitrix24 get_all.

Run by the shell script with the venv's Python (fast-bitrix24 installed): export_vs_fast_bitrix24.py B24 PART.
Each tool gets a sandbox of its own (same options, same seed), run one after the other so they do not share the
two cores. 503 and 429 counts come from the sandbox (it prints them when stopped), so both tools are counted
the same way.
"""

import asyncio
import json
import math
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

B24 = os.path.abspath(sys.argv[1])
PART = sys.argv[2] if len(sys.argv) > 2 else "all"
WORK = tempfile.mkdtemp(prefix="b24-export-bench-")
ENV = dict(os.environ, XDG_STATE_HOME=os.path.join(WORK, "state"), XDG_CONFIG_HOME=os.path.join(WORK, "config"))


class Sandbox:
    def __init__(self, name, args):
        self.log = open(os.path.join(WORK, name + ".out"), "w+")
        self.process = subprocess.Popen([B24, "sandbox", "--port", "0"] + args, stdout=self.log,
                                        stderr=subprocess.DEVNULL, env=ENV)
        self.webhook = None
        for _ in range(600):
            time.sleep(0.1)
            self.log.seek(0)
            match = re.search(r"^webhook: (\S+)$", self.log.read(), re.M)
            if match:
                self.webhook = match.group(1)
                break
        if not self.webhook:
            raise SystemExit(f"sandbox {name} did not start")

    def stop(self):
        """Stops the sandbox and returns (requests, 503 answers, 429 answers)."""
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)
        self.log.seek(0)
        match = re.search(r"stopping sandbox: (\d+) requests, (\d+) answers 503 \S+, (\d+) answers 429", self.log.read())
        return tuple(int(x) for x in match.groups()) if match else (0, 0, 0)


def run_b24(webhook, bucket, out):
    started = time.monotonic()
    result = subprocess.run([B24, "export", "crm.lead.list", "--webhook", webhook, "--out", out, "--bucket", bucket,
                             "--allow-unlisted"], env=ENV, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    rows = sum(1 for _ in open(out, encoding="utf-8")) if os.path.exists(out) else 0
    return elapsed, rows, result.returncode, result.stderr.strip().splitlines()[-1:] if result.stderr else []


FAST = """
import asyncio, json, sys, time
from fast_bitrix24 import Bitrix
webhook, pool, rate = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
bitrix = Bitrix(webhook, request_pool_size=pool, requests_per_second=rate, verbose=False, ssl=False)
started = time.monotonic()
try:
    rows = bitrix.get_all("crm.lead.list")
    print(json.dumps({"elapsed": time.monotonic() - started, "rows": len(rows), "error": None}))
except Exception as error:
    print(json.dumps({"elapsed": time.monotonic() - started, "rows": 0, "error": type(error).__name__ + ": " + str(error)[:160]}))
"""


def run_fast(webhook, burst, rate):
    result = subprocess.run([sys.executable, "-c", FAST, webhook, str(burst), str(rate)], capture_output=True, text=True)
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if not lines:
        return {"elapsed": 0, "rows": 0, "error": result.stderr.strip()[-200:]}
    return json.loads(lines[-1])


def ideal_seconds(rows, burst, rate):
    """The bucket's ideal: the batch calls the rows need (50 pages of 50), the burst free, then `rate` a second."""
    calls = math.ceil(math.ceil(rows / 50) / 50)
    return max(0.0, (calls - burst) / rate)


def part1():
    leads, burst, rate = 200_000, 50, 2.0
    args = ["--leads", str(leads), "--bucket", f"{burst}/{int(rate)}"]
    print(f"part 1: {leads} leads, bucket {burst}/{int(rate)}", flush=True)
    box = Sandbox("p1-b24", args)
    b24_time, b24_rows, status, summary = run_b24(box.webhook, f"{burst}/{int(rate)}", os.path.join(WORK, "p1.jsonl"))
    _, b24_503, b24_429 = box.stop()
    box = Sandbox("p1-fast", args)
    fast = run_fast(box.webhook, burst, rate)
    _, fast_503, fast_429 = box.stop()
    ideal = ideal_seconds(leads, burst, rate)
    print(f"  ideal (bucket): {ideal:.1f} s for {math.ceil(leads / 2500)} batch calls")
    print(f"  b24 export:     {b24_time:.1f} s, {b24_rows} rows, exit {status}, efficiency {ideal / b24_time:.1%}, "
          f"503s {b24_503}, 429s {b24_429}")
    for line in summary:
        print("    " + line)
    fast_eff = f"{ideal / fast['elapsed']:.1%}" if fast["elapsed"] else "n/a"
    print(f"  fast-bitrix24:  {fast['elapsed']:.1f} s, {fast['rows']} rows, efficiency {fast_eff}, "
          f"503s {fast_503}, 429s {fast_429}" + (f", failed: {fast['error']}" if fast["error"] else ""))
    if fast["elapsed"]:
        print(f"  ratio b24/fast-bitrix24 wall time: {b24_time / fast['elapsed']:.2f}")


def part2():
    leads, scale = 1_000_000, float(os.environ.get("OPERATING_SCALE", "0.002"))
    args = ["--leads", str(leads), "--operating-scale", str(scale)]
    print(f"part 2: {leads} leads, bucket 50/2, operating time on (480 s per 600 s, list costs x {scale})", flush=True)
    box = Sandbox("p2-b24", args)
    b24_time, b24_rows, status, summary = run_b24(box.webhook, "50/2", os.path.join(WORK, "p2.jsonl"))
    _, b24_503, b24_429 = box.stop()
    box = Sandbox("p2-fast", args)
    fast = run_fast(box.webhook, 50, 2.0)
    _, fast_503, fast_429 = box.stop()
    print(f"  b24 export:     {b24_time:.1f} s, {b24_rows} rows, exit {status}, 429s {b24_429}, 503s {b24_503}")
    for line in summary:
        print("    " + line)
    print(f"  fast-bitrix24:  {fast['elapsed']:.1f} s, {fast['rows']} rows, 429s {fast_429}, 503s {fast_503}"
          + (f", failed: {fast['error']}" if fast["error"] else ""))
    if fast["elapsed"] and not fast["error"]:
        print(f"  ratio b24/fast-bitrix24 wall time: {b24_time / fast['elapsed']:.2f} (goal <= 0.5)")
    elif fast["error"]:
        print(f"  fast-bitrix24 stopped after {fast['elapsed']:.1f} s without a result; b24 finished all {b24_rows} rows")


if PART in ("1", "all"):
    part1()
if PART in ("2", "all"):
    part2()
