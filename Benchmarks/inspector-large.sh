#!/usr/bin/env bash
# The response inspector with a 20 MB list answer (release build): first paint, each scroll key in the tree and
# the raw view, search and path filter, and peak memory, printed against a 1 KB answer measured in the same run.
# Goals: first paint ≤ 300 ms, a scroll key ≤ 16 ms, peak memory ≤ 4 × the body.
# Usage: Benchmarks/inspector-large.sh [BODY_BYTES]   (default 20000000)
set -euo pipefail
cd "$(dirname "$0")/.."
# The same flags as scripts/console, so running this does not rebuild what the console build already has.
swift build -c release --product inspector-bench --static-swift-stdlib >&2
exec .build/release/inspector-bench "$@"
