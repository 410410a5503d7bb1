#!/usr/bin/env bash
# Side-by-side proof: `assurai run` versus UK AISI Inspect on the same work,
# against the same local OpenAI-compatible server (assurai-mock-server), plus
# the server's raw capacity (wrk) and the scaling of `assurai run`.
#
#   bench/compare/compare.sh            # everything, then updates docs/benchmarks.md
#
# Environment knobs: N (11480), C (64), SCALES ("1000 11480 100000 1000000"),
# SKIP_INSPECT=1, SKIP_WRK=1, SKIP_SCALING=1, NO_DOCS=1, CARGO_TARGET_DIR, COMMIT.
# Needs python3 (venv), /usr/bin/time; installs inspect-ai into
# bench/compare/.venv and wrk with apt-get when missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"
N="${N:-11480}"
C="${C:-64}"
SCALES="${SCALES:-1000 11480 100000 1000000}"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
BIN="$TARGET_DIR/release"
VENV="$ROOT/bench/compare/.venv"
RESULTS="$ROOT/bench/compare/results.json"
WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

say() { printf '\n== %s\n' "$*" >&2; }

say "building (release)"
cargo build --release -q -p assurai -p assurai-mock-server

if [ -z "${SKIP_INSPECT:-}" ] && [ ! -x "$VENV/bin/inspect" ]; then
  say "installing inspect-ai into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q inspect-ai openai
fi
if [ -z "${SKIP_WRK:-}" ] && ! command -v wrk >/dev/null; then
  say "installing wrk"
  apt-get install -y -qq wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
fi

"$BIN/assurai-mock-server" --port 0 >"$WORK/url" 2>"$WORK/server.log" &
SERVER_PID=$!
for _ in $(seq 200); do [ -s "$WORK/url" ] && break; sleep 0.05; done
URL="$(head -1 "$WORK/url")"
calls() { python3 -c "import json,urllib.request;print(json.load(urllib.request.urlopen('$URL/stats'))['requests'])"; }

# measure NAME CMD...: runs CMD under /usr/bin/time -v, appends one JSON line
# {name, wall_s, rss_mib, calls} to $WORK/measure.jsonl.
measure() {
  local name="$1"; shift
  local before after
  before=$(calls)
  /usr/bin/time -v "$@" >"$WORK/$name.out" 2>"$WORK/$name.time" || {
    echo "command failed: $*" >&2; tail -20 "$WORK/$name.time" >&2; exit 1; }
  after=$(calls)
  python3 - "$name" "$WORK/$name.time" "$before" "$after" >>"$WORK/measure.jsonl" <<'PY'
import json, re, sys
name, log, before, after = sys.argv[1], open(sys.argv[2]).read(), int(sys.argv[3]), int(sys.argv[4])
wall = re.search(r"Elapsed \(wall clock\) time.*: (.*)", log).group(1).strip()
parts = [float(p) for p in wall.split(":")]
secs = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", log).group(1)) / 1024
cpu = float(re.search(r"Percent of CPU this job got: (\d+)%", log).group(1))
print(json.dumps({"name": name, "wall_s": round(secs, 3), "rss_mib": round(rss, 1),
                  "calls": after - before, "cpu_percent": cpu}))
PY
  tail -1 "$WORK/measure.jsonl" >&2
}

ours() { # ours NAME N
  [ -s "$WORK/data-$2.jsonl" ] || python3 bench/run/make_dataset.py "$2" "$WORK/data-$2.jsonl"
  measure "$1" "$BIN/assurai" run --dataset "$WORK/data-$2.jsonl" --out "$WORK/run-$1" \
    --target "openai:bench-target@$URL" --judge "llm:judge-bench@$URL" \
    --concurrency "$C" --json
  rm -rf "$WORK/run-$1"
}

if [ -z "${SKIP_WRK:-}" ]; then
  say "raw server capacity (wrk, 64 connections, 10 s)"
  wrk -t2 -c64 -d10s -s bench/compare/post_chat.lua "${URL}/chat/completions" >"$WORK/wrk.txt"
  cat "$WORK/wrk.txt" >&2
  python3 - "$WORK/wrk.txt" >>"$WORK/measure.jsonl" <<'PY'
import json, re, sys
t = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
print(json.dumps({"name": "wrk", "requests_per_s": rps}))
PY
fi

say "assurai run: $N instances, concurrency $C"
ours "assurai-$N" "$N"

if [ -z "${SKIP_INSPECT:-}" ]; then
  say "Inspect: $N samples, max_connections $C"
  [ -s "$WORK/data-$N.jsonl" ] || python3 bench/run/make_dataset.py "$N" "$WORK/data-$N.jsonl"
  measure "inspect-$N" env MOCK_BASE_URL="$URL" MOCK_API_KEY=bench \
    INSPECT_LOG_DIR="$WORK/inspect-logs" \
    "$VENV/bin/inspect" eval bench/compare/inspect_task.py \
    --model openai-api/mock/bench-target -T dataset="$WORK/data-$N.jsonl" \
    --max-connections "$C" --max-samples "$C" --display none --log-dir "$WORK/inspect-logs"
fi

if [ -z "${SKIP_SCALING:-}" ]; then
  for n in $SCALES; do
    [ "$n" = "$N" ] && continue
    say "scaling: assurai run, $n instances"
    ours "assurai-$n" "$n"
  done
fi

python3 - "$N" "$C" "$WORK/measure.jsonl" "$RESULTS" <<'PY'
import json, os, platform, subprocess, sys, datetime
n, c, measures, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
rows = [json.loads(l) for l in open(measures)]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
mem_kb = next(int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal"))
rev = os.environ.get("COMMIT", "")
if not rev:
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    except OSError:
        rev = ""
res = {
    "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    "machine": f"{os.cpu_count()} cores ({cpu}), {mem_kb / 1048576:.0f} GiB RAM, {platform.system()} {platform.release()}",
    "commit": rev, "instances": n, "concurrency": c, "measures": rows,
}
json.dump(res, open(out, "w"), indent=2)
print(json.dumps(res, indent=2))
PY

if [ -z "${NO_DOCS:-}" ]; then
  python3 bench/compare/update_docs.py "$RESULTS" docs/benchmarks.md
fi
