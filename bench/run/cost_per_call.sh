#!/usr/bin/env bash
# Client cost per call of the text track (issue 17): `assurai run` against
# `assurai-mock-server` (11,480 instances x 2 calls, concurrency 64), then
# `wrk` against the same server for the same machine load, alternating the
# binaries given. Prints, per run: calls/s of the run loop, wrk requests/s,
# their ratio, the client's CPU (user + sys) per call, its user-space
# instructions per call (`perf stat -e instructions:u`; unlike times, barely
# moved by other load on the machine; "-" without perf) and its peak RSS.
#
# Usage: bench/run/cost_per_call.sh ROUNDS BIN [BIN...]
#   N=11480 C=64 WRK_S=5 MOCK_BIN=target/release/assurai-mock-server
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS="${1:?rounds}"
shift
N="${N:-11480}"
C="${C:-64}"
WRK_S="${WRK_S:-5}"
MOCK_BIN="${MOCK_BIN:-target/release/assurai-mock-server}"
WORK="$(mktemp -d)"
trap 'kill "${SERVER_PID:-}" 2>/dev/null || true; rm -rf "$WORK"' EXIT
python3 bench/run/make_dataset.py "$N" "$WORK/data.jsonl"

"$MOCK_BIN" --port 0 >"$WORK/url" 2>"$WORK/server.log" &
SERVER_PID=$!
for _ in $(seq 100); do [ -s "$WORK/url" ] && break; sleep 0.05; done
URL="$(head -1 "$WORK/url")"

printf '%-28s %9s %9s %6s %11s %10s %8s  %s\n' binary calls/s wrk_rps ratio cpu_us/call insn/call rss_MiB load
for round in $(seq "$ROUNDS"); do
  for bin in "$@"; do
    rm -rf "$WORK/run"
    PERF=()
    if command -v perf >/dev/null && perf stat -e instructions:u true 2>/dev/null; then
      PERF=(perf stat -x, -e instructions:u -o "$WORK/perf.txt" --)
    fi
    rm -f "$WORK/perf.txt"
    "${PERF[@]}" /usr/bin/time -v "$bin" run --dataset "$WORK/data.jsonl" --out "$WORK/run" \
      --target "openai:bench-target@$URL" --judge "llm:judge-bench@$URL" \
      --concurrency "$C" --json >"$WORK/summary.json" 2>"$WORK/time.log"
    wrk -t2 -c64 -d"${WRK_S}s" -s bench/compare/post_chat.lua "${URL}/chat/completions" >"$WORK/wrk.txt"
    python3 - "$bin" "$WORK" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import json, re, sys
bin_, work, load = sys.argv[1:]
s = json.load(open(f"{work}/summary.json"))
t = open(f"{work}/time.log").read()
user = float(re.search(r"User time \(seconds\): ([\d.]+)", t).group(1))
sys_ = float(re.search(r"System time \(seconds\): ([\d.]+)", t).group(1))
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1))
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", open(f"{work}/wrk.txt").read()).group(1))
calls = 2 * s["written"]
insn = "-"
try:
    for line in open(f"{work}/perf.txt"):
        f = line.split(",")
        if len(f) > 2 and f[2].startswith("instructions"):
            insn = f"{int(f[0]) / calls:,.0f}"
except (OSError, ValueError):
    pass
cps = calls / s["elapsed_s"]
print(f"{bin_:<28} {cps:9,.0f} {rps:9,.0f} {cps / rps:6.1%} {(user + sys_) * 1e6 / calls:11.1f} "
      f"{insn:>10} {rss / 1024:8.1f}  {load}")
PY
  done
done
