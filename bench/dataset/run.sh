#!/bin/sh
# Peak memory (max RSS) and wall time of validating N generated instances
# with the release build of the `validate` example. Usage: bench/dataset/run.sh [N]
set -eu
N=${1:-1000000}
cd "$(dirname "$0")/../.."
TARGET=${CARGO_TARGET_DIR:-target}
cargo build -q --release -p assurai-dataset --example validate
TMP=$(mktemp -d)
python3 bench/dataset/gen_instances.py "$N" "$TMP/bench.jsonl"
ls -l "$TMP/bench.jsonl"
/usr/bin/time -v "$TARGET/release/examples/validate" "$TMP/bench.jsonl" 2>&1 \
  | grep -E "instances|Maximum resident|Elapsed \(wall|User time|System time"
rm -rf "$TMP"
