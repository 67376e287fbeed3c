#!/usr/bin/env bash
# Renders a full 200×60 console screen on the virtual terminal (release build) and prints the median
# against an empty-screen baseline measured in the same run. Goal: full frame ≤ 2 ms.
# Usage: Benchmarks/console-render.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
# The same flags as scripts/console, so running this does not rebuild what the console build already has.
swift build -c release --product console-bench --static-swift-stdlib >&2
exec .build/release/console-bench "$@"
