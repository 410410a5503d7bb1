#!/usr/bin/env bash
# The `assurai run` benchmark (issue: 11,480 synthetic text instances, 2 calls
# each — target + LLM judge — against a local server that answers instantly,
# at concurrency 64). Prints wall time, peak RSS and calls/s.
#
# Usage: bench/run/run_bench.sh [N] [CONCURRENCY]
# ASSURAI_BIN=/path/to/assurai (and MOCK_BIN=/path/to/assurai-mock-server) run
# a binary built elsewhere, e.g. an older commit's, instead of building.
set -euo pipefail
cd "$(dirname "$0")/../.."
N="${1:-11480}"
C="${2:-64}"
WORK="$(mktemp -d)"
trap 'kill "${SERVER_PID:-}" 2>/dev/null || true; rm -rf "$WORK"' EXIT

ASSURAI_BIN="${ASSURAI_BIN:-}"
MOCK_BIN="${MOCK_BIN:-target/release/assurai-mock-server}"
if [ -z "$ASSURAI_BIN" ]; then
  cargo build --release -q -p assurai -p assurai-mock-server
  ASSURAI_BIN=target/release/assurai
fi
python3 bench/run/make_dataset.py "$N" "$WORK/data.jsonl"

"$MOCK_BIN" --port 0 >"$WORK/url" 2>"$WORK/server.log" &
SERVER_PID=$!
for _ in $(seq 100); do [ -s "$WORK/url" ] && break; sleep 0.05; done
URL="$(head -1 "$WORK/url")"

/usr/bin/time -v "$ASSURAI_BIN" run --dataset "$WORK/data.jsonl" --out "$WORK/run" \
  --target "openai:bench-target@$URL" --judge "llm:judge-bench@$URL" \
  --concurrency "$C" --json >"$WORK/summary.json" 2>"$WORK/time.log"

wall=$(python3 -c "import json;print(json.load(open('$WORK/summary.json'))['elapsed_s'])")
written=$(python3 -c "import json;print(json.load(open('$WORK/summary.json'))['written'])")
elapsed=$(grep 'Elapsed (wall clock)' "$WORK/time.log" | awk '{print $NF}')
rss_kb=$(grep 'Maximum resident set size' "$WORK/time.log" | awk '{print $NF}')
python3 - "$N" "$C" "$wall" "$written" "$elapsed" "$rss_kb" <<'PY'
import sys
n, c, wall, written, elapsed, rss = sys.argv[1:]
wall = float(wall)
print(f"instances {n}, concurrency {c}: {written} records")
print(f"run loop {wall:.2f} s, whole process {elapsed} (incl. validation + report)")
print(f"calls/s (2 per instance, run loop) {2 * int(written) / wall:,.0f}")
print(f"peak RSS {int(rss) / 1024:.1f} MiB")
PY
