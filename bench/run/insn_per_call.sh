#!/usr/bin/env bash
# Client instructions per call of the text track (issue 17), counted by
# valgrind's callgrind in user space: unlike wall or CPU time, the count does
# not move with other load on the machine. Runs `assurai run` (target + LLM
# judge against `assurai-mock-server`, which runs natively) on N1 and N2
# instances and divides the difference in instructions by the difference in
# calls, so start-up, dataset validation and the report cancel out.
#
# Usage: bench/run/insn_per_call.sh BIN [BIN...]   (N1=500 N2=2500 C=64)
set -euo pipefail
cd "$(dirname "$0")/../.."
N1="${N1:-500}"
N2="${N2:-2500}"
C="${C:-64}"
MOCK_BIN="${MOCK_BIN:-target/release/assurai-mock-server}"
command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)" >&2; exit 1; }
WORK="$(mktemp -d)"
trap 'kill "${SERVER_PID:-}" 2>/dev/null || true; rm -rf "$WORK"' EXIT
python3 bench/run/make_dataset.py "$N1" "$WORK/d1.jsonl"
python3 bench/run/make_dataset.py "$N2" "$WORK/d2.jsonl"
"$MOCK_BIN" --port 0 >"$WORK/url" 2>"$WORK/server.log" &
SERVER_PID=$!
for _ in $(seq 100); do [ -s "$WORK/url" ] && break; sleep 0.05; done
URL="$(head -1 "$WORK/url")"

count() { # BIN DATASET -> instructions (Ir) of the whole process
  rm -rf "$WORK/run"
  valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.out" "$1" run --dataset "$2" \
    --out "$WORK/run" --target "openai:bench-target@$URL" --judge "llm:judge-bench@$URL" \
    --concurrency "$C" --json >"$WORK/summary.json" 2>"$WORK/cg.log"
  python3 -c "import json,sys; s=json.load(open('$WORK/summary.json')); sys.exit(s['errors'] != 0)" \
    || { echo "run with errors: $WORK/summary.json" >&2; exit 1; }
  grep -E '^(summary|totals):' "$WORK/cg.out" | head -1 | awk '{print $2}'
}
printf '%-28s %14s %14s %12s\n' binary "Ir N=$N1" "Ir N=$N2" Ir/call
for bin in "$@"; do
  a=$(count "$bin" "$WORK/d1.jsonl")
  b=$(count "$bin" "$WORK/d2.jsonl")
  python3 -c "print(f'{\"$bin\":<28} {$a:14,} {$b:14,} {($b - $a) / (2 * ($N2 - $N1)):12,.0f}')"
done
