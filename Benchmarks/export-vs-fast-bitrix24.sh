#!/usr/bin/env bash
# b24 export against fast-bitrix24's get_all, in one run, on twin sandboxes (one per tool, same seed and data):
#  1. --leads 200000 --bucket 50/2: wall times, each one's efficiency against the bucket's ideal (the batch
#     calls the rows need, the burst free, then the drain rate), 503 counts. Goal: b24 >= 95 % of the ideal,
#     zero 503s.
#  2. --leads 1000000 with operating-time accounting on (the documented cost of list queries, scaled down so the
#     run takes minutes): wall times, 429 and 503 counts. Goal: b24 <= 0.5 x fast-bitrix24's time, no 429/503.
# fast-bitrix24 is installed from PyPI into .build/bench-venv. Usage: Benchmarks/export-vs-fast-bitrix24.sh [1|2|all]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps
# The same flags as scripts/console, so running this does not rebuild what the console build already has.
swift build -c release --product b24 --static-swift-stdlib >&2
venv=.build/bench-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c 'import fast_bitrix24' 2>/dev/null || "$venv/bin/pip" install -q fast-bitrix24 >&2
exec "$venv/bin/python" Benchmarks/export_vs_fast_bitrix24.py .build/release/b24 "${1:-all}"
