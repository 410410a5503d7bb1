#!/usr/bin/env bash
# assurai-eval benchmark: report generation over N synthetic records
# (default 1,000,000 = 500,000 instances x 2 models), against a pandas +
# scipy script computing the core numbers from the same results.jsonl.
# Optional: checks that Inspect reads our .eval export (needs a virtualenv
# with inspect-ai: INSPECT_PY=/path/to/venv/bin/python).
#
#   bash bench/eval/run.sh [INSTANCES_PER_MODEL] [MODELS]
#   PANDAS_PY=/work/venv-stats/bin/python INSPECT_PY=/work/venv-eval/bin/python bash bench/eval/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
N="${1:-500000}"
MODELS="${2:-2}"
WORK="${WORK:-$(mktemp -d)}"
TARGET="${CARGO_TARGET_DIR:-target}"

cargo build --release -q -p assurai-eval --example synthetic_run --example report --example export_inspect
BIN="$TARGET/release/examples"

echo "== writing $N x $MODELS synthetic records into $WORK/run"
rm -rf "$WORK/run" "$WORK/out"
/usr/bin/time -f "write: %e s wall, %U s user, %S s sys, %M KiB peak RSS" \
  "$BIN/synthetic_run" "$WORK/run" "$N" "$MODELS"
ls -l "$WORK/run/results.jsonl"

echo "== assurai-eval report (JSON, Markdown, HTML, CSV)"
/usr/bin/time -f "assurai-eval: %e s wall, %U s user, %S s sys, %M KiB peak RSS" \
  "$BIN/report" "$WORK/out" "$WORK/run"

if [[ -n "${PANDAS_PY:-}" ]]; then
  echo "== reference: pandas + scipy (core numbers only, no rendering)"
  /usr/bin/time -f "pandas+scipy: %e s wall, %U s user, %S s sys, %M KiB peak RSS" \
    "$PANDAS_PY" bench/eval/pandas_report.py "$WORK/run/results.jsonl" > "$WORK/pandas.json"
fi

if [[ -n "${INSPECT_PY:-}" ]]; then
  echo "== Inspect reads the .eval export (a 2,000 x 2 run; Inspect's reader is slow on huge logs)"
  rm -rf "$WORK/small" "$WORK/logs"
  "$BIN/synthetic_run" "$WORK/small" 2000 2
  "$BIN/export_inspect" "$WORK/logs" "$WORK/small" > "$WORK/logs.txt"
  xargs "$INSPECT_PY" bench/eval/check_inspect.py < "$WORK/logs.txt"
fi
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
