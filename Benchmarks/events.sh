#!/usr/bin/env bash
# Receiver ingest on loopback with the console's per-key latency during the load (goal ≥ 5 000 events/s), a million
# events through the events screen (goal ≤ 200 MB peak), and the worker's throughput against its bucket's ideal.
# Usage: Benchmarks/events.sh [INGEST_EVENTS [SCREEN_EVENTS [WORKER_EVENTS]]]
set -euo pipefail
cd "$(dirname "$0")/.."
# The same flags as scripts/console, so running this does not rebuild what the console build already has.
swift build -c release --product events-bench --static-swift-stdlib >&2
exec .build/release/events-bench "$@"
