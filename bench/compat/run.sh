#!/usr/bin/env bash
# The compatibility kit: `assurai run` against llama.cpp's server (llama-cpp-python[server] from
# PyPI, installed by install.sh into bench/compat/.venv) serving a tiny random-weight GGUF written
# by make_model.py. Not in CI (the install builds llama.cpp from source: minutes).
#
#   bench/compat/install.sh && bench/compat/run.sh      # results in $WORK (printed), summary on stdout
#
# Scenarios: streaming off (with the preflight, which must pass), streaming on, a context too
# small for the judge prompt (the preflight must stop the run; without it no record may be
# scored), the server killed and restarted mid-run (then --retry-errors). After each, every
# record is checked against the server's access log: the calls the records count (attempts +
# judge_attempts, plus the preflight's own chat request where it ran) must equal the
# POST /v1/chat/completions lines the server logged, and no record without a finish_reason (or
# rejected by the server) may be scored.
#
# COMPAT_PYTHON=/path/to/venv/bin/python uses a virtualenv made elsewhere; CTX sets the context
# of the scenarios that should fit (default 4096); LIMIT=N runs N instances per scenario.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
py="${COMPAT_PYTHON:-$here/.venv/bin/python}"
ctx="${CTX:-4096}"
[ -x "$py" ] || { echo "run bench/compat/install.sh first" >&2; exit 1; }
"$py" -c 'import llama_cpp.server' || { echo "llama-cpp-python[server] is not installed" >&2; exit 1; }
assurai="${ASSURAI:-}"   # a prebuilt binary, or build the release one
if [ -z "$assurai" ]; then
  cargo build -q --release -p assurai --manifest-path "$root/Cargo.toml"
  assurai="$root/target/release/assurai"
fi
WORK="${WORK:-$(mktemp -d)}"
mkdir -p "$WORK"; echo "work dir: $WORK"
data="$root/examples/sample/sample.jsonl"
"$py" "$here/make_model.py" "$WORK/tiny.gguf"
port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL="http://127.0.0.1:$port/v1"
SERVER=""

start_server() { # $1: n_ctx, $2: log file
  "$py" -m llama_cpp.server --model "$WORK/tiny.gguf" --model_alias tiny --host 127.0.0.1 \
    --port "$port" --n_ctx "$1" --chat_format chatml >>"$2" 2>&1 &
  SERVER=$!
  for _ in $(seq 300); do
    curl -sf "$URL/models" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "server did not come up; log: $2" >&2
  return 1
}
stop_server() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null || true; SERVER=""; }
trap stop_server EXIT

check() { # $1: run dir, $2: server log, $3: expectation, $4: chat calls made outside the records
  "$py" - "$1" "$2" "$3" "${4:-0}" <<'PY'
import json, sys
run, log, expect, extra = sys.argv[1:]
recs = {}
for line in open(f"{run}/results.jsonl"):
    r = json.loads(line)
    recs[(r["instance_id"], r["epoch"])] = r  # the latest record of a key wins
lines = [json.loads(l) for l in open(f"{run}/results.jsonl")]
calls = sum(r.get("attempts", 0) + r.get("judge_attempts", 0) for r in lines) + int(extra)
posts = sum(1 for l in open(log) if "\"POST /v1/chat/completions HTTP/1.1\"" in l)
status = {}
for r in recs.values():
    status[r["status"]] = status.get(r["status"], 0) + 1
bad = [r for r in recs.values() if r["status"] == "scored"
       and "finish_reason" not in r.get("output", {})]
text_ok = sum(1 for r in recs.values() if r.get("output", {}).get("finish_reason"))
print(json.dumps({"run": run.rsplit("/", 1)[-1], "records": len(recs), "status": status,
                  "calls_in_records": calls, "posts_in_server_log": posts,
                  "with_finish_reason": text_ok,
                  "truncated": sum(1 for r in recs.values() if r.get("output", {}).get("truncated")),
                  "scored_without_finish_reason": len(bad)}))
# A server killed with -9 never logs the calls it was answering: there the records may count more.
ok = not bad and (calls >= posts if expect == "kill" else calls == posts)
if expect == "kill":
    ok = ok and status.get("error", 0) == 0
if expect == "context":
    ok = ok and status.get("scored", 0) == 0 and status.get("error", 0) > 0
sys.exit(0 if ok else 1)
PY
}

common=(--dataset "$data" --judge "llm:tiny@$URL" --max-tokens 16 --concurrency 2)
# LIMIT=N runs the first N (text) instances only: the random model's judge answers run to the
# judge's 512-token limit, about a minute per instance on two cores.
if [ -n "${LIMIT:-}" ]; then common+=(--limit "$LIMIT"); fi
result=0

echo "== streaming off (with the preflight) / on"
for mode in plain stream; do
  log="$WORK/server-$mode.log"; : >"$log"
  start_server "$ctx" "$log"
  spec="openai:tiny@$URL"; [ "$mode" = stream ] && spec="openai:tiny@$URL?stream=true"
  # The preflight's one chat request (target and judge are one model here) is not in a record.
  flags=(); extra=1; [ "$mode" = stream ] && flags=(--no-preflight) && extra=0
  "$assurai" run "${common[@]}" "${flags[@]}" --target "$spec" --out "$WORK/$mode" --max-error-rate 1 >/dev/null 2>"$WORK/$mode.stderr" || true
  stop_server
  if grep -q "preflight: " "$WORK/$mode.stderr"; then
    echo "{\"run\": \"$mode\", \"preflight_stopped\": true}"; grep "preflight: " "$WORK/$mode.stderr"; result=1
  else
    check "$WORK/$mode" "$log" ok "$extra" || result=1
  fi
done

echo "== a context too small for the judge prompt: the preflight stops the run"
log="$WORK/server-ctx.log"; : >"$log"
start_server 256 "$log"
code=0
"$assurai" run "${common[@]}" --target "openai:tiny@$URL" --out "$WORK/ctx-preflight" >/dev/null 2>"$WORK/ctx-preflight.stderr" || code=$?
stopped=false
if [ "$code" = 1 ] && grep -q "preflight: " "$WORK/ctx-preflight.stderr" && [ ! -e "$WORK/ctx-preflight/results.jsonl" ]; then
  stopped=true
fi
echo "{\"run\": \"ctx-preflight\", \"exit\": $code, \"stopped_by_preflight\": $stopped}"
grep "preflight: " "$WORK/ctx-preflight.stderr" || true
$stopped || result=1
echo "== the same without the preflight: no record may be scored"
: >"$log"
"$assurai" run "${common[@]}" --target "openai:tiny@$URL" --out "$WORK/ctx" --circuit-breaker 0 --no-preflight >/dev/null 2>"$WORK/ctx.stderr" || true
stop_server
check "$WORK/ctx" "$log" context || result=1

echo "== the server killed and restarted mid-run"
log="$WORK/server-kill.log"; : >"$log"
start_server "$ctx" "$log"
"$assurai" run "${common[@]}" --target "openai:tiny@$URL" --out "$WORK/kill" --circuit-breaker 0 --no-preflight \
  >/dev/null 2>"$WORK/kill.stderr" &
RUN=$!
sleep 3
kill -9 "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; SERVER=""
sleep 2
start_server "$ctx" "$log"
wait "$RUN" || true
"$assurai" run "${common[@]}" --target "openai:tiny@$URL" --out "$WORK/kill" --retry-errors --no-preflight \
  --max-error-rate 1 >/dev/null 2>>"$WORK/kill.stderr" || true
stop_server
check "$WORK/kill" "$log" kill || result=1

"$py" - <<'PY'
import importlib.metadata as m
print("versions:", {p: m.version(p) for p in ("llama_cpp_python", "gguf", "fastapi", "uvicorn")})
PY
exit $result
