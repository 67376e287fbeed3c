#!/usr/bin/env bash
# History with 20 000 calls against 200 in the same run: the list query, opening one call (its large answer
# stored apart), and the console's history screen (read in, a filter keystroke, a frame). Prints medians, the
# absolute figures and the ratios. Goal: a filter keystroke over 20 000 calls ≤ 16 ms, a frame ≈ 1× of 200.
# Usage: Benchmarks/history-list.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
# The same flags as scripts/console, so running this does not rebuild what the console build already has.
swift build -c release --product history-bench --static-swift-stdlib >&2
exec .build/release/history-bench "$@"
