#!/usr/bin/env bash
# Sandbox speed on loopback, release build:
#  1. user.current requests per second with limits off (goal >= 10 000/s), with server.time in the same run as
#     the baseline of a method that does no work;
#  2. crm.lead.list latency with 1 000 000 leads (first page, a deep page with start, a fast >ID page), as ratios
#     against the same requests on the default 200-lead portal.
# Installs wrk from Debian when missing. Usage: Benchmarks/sandbox-bench.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-5}"
command -v wrk >/dev/null || { sudo_cmd=(); [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo); "${sudo_cmd[@]}" apt-get update -qq; "${sudo_cmd[@]}" apt-get install -y -qq wrk; }
swift build -c release --product b24 >&2
b24=.build/release/b24
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT

start_sandbox() { # name, extra args...
  local name=$1; shift
  "$b24" sandbox --port 0 --bucket off --operating-limit off "$@" >"$work/$name.out" 2>/dev/null &
  for _ in $(seq 1 300); do grep -q '^webhook: ' "$work/$name.out" 2>/dev/null && break; sleep 0.1; done
  grep '^webhook: ' "$work/$name.out" | head -1 | cut -d' ' -f2
}

small=$(start_sandbox small)
started=$(date +%s.%N)
big=$(start_sandbox big --leads 1000000)
ready=$(date +%s.%N)

rps() { wrk -t2 -c32 -d"${duration}s" "$1" | awk '/Requests\/sec/ {print $2}'; }
user_rps=$(rps "${small}user.current")
time_rps=$(rps "${small}server.time")
echo "user.current: ${user_rps} req/s (goal >= 10000); server.time baseline: ${time_rps} req/s; ratio $(python3 -c "print(f'{${user_rps}/${time_rps}:.2f}')")"
echo "sandbox with 1 000 000 leads ready in $(python3 -c "print(f'{${ready}-${started}:.2f}')") s"

python3 - "$small" "$big" <<'PY'
import json, statistics, sys, time, urllib.request
small, big = sys.argv[1], sys.argv[2]
def call(base, method, params):
    request = urllib.request.Request(base + method, data=json.dumps(params).encode(), headers={"Content-Type": "application/json"})
    start = time.perf_counter()
    with urllib.request.urlopen(request) as response:
        body = json.load(response)
    return time.perf_counter() - start, body
def median_ms(base, params, runs=30):
    call(base, "crm.lead.list", params)
    return statistics.median(call(base, "crm.lead.list", params)[0] for _ in range(runs)) * 1000
cases = [
    ("first page", {"select": ["ID", "TITLE"]}, {"select": ["ID", "TITLE"]}),
    ("deep page (start)", {"select": ["ID", "TITLE"], "start": 150}, {"select": ["ID", "TITLE"], "start": 999_900}),
    ("fast page (>ID, start=-1)", {"select": ["ID"], "order": {"ID": "ASC"}, "filter": {">ID": 100}, "start": -1},
                                  {"select": ["ID"], "order": {"ID": "ASC"}, "filter": {">ID": 999_000}, "start": -1}),
    ("filtered (%TITLE)", {"select": ["ID"], "filter": {"%TITLE": "a"}}, {"select": ["ID"], "filter": {"%TITLE": "a"}}),
]
_, body = call(big, "crm.lead.list", {"select": ["ID"]})
print(f"crm.lead.list total on the big portal: {body.get('total')}")
for name, small_params, big_params in cases:
    base = median_ms(small, small_params)
    large = median_ms(big, big_params)
    print(f"crm.lead.list {name:28s} 1M leads {large:8.2f} ms | 200 leads {base:6.2f} ms | ratio {large / base:6.2f}x")
PY
