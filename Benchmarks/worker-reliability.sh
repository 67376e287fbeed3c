#!/usr/bin/env bash
# The worker's SIGKILL reliability test at full size: 10 000 events (or $1) flow into the sandbox's offline queue
# while `b24 worker` is killed at random points, once with --sink and once with --handler; it prints events, kills,
# lost (must be 0) and duplicates (sink 0; handler at most one per kill, 0 with the dedup key).
# Usage: Benchmarks/worker-reliability.sh [EVENTS]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests >&2
B24_RELIABILITY_EVENTS="${1:-10000}" exec swift test --skip-build --filter WorkerReliabilityTests
