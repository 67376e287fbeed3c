#!/usr/bin/env bash
# Renders a full 200×60 console screen on the virtual terminal (release build) and prints the median
# against an empty-screen baseline measured in the same run. Goal: full frame ≤ 2 ms.
# Usage: Benchmarks/console-render.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product console-bench >&2
exec .build/release/console-bench "$@"
