#!/usr/bin/env bash
# Coverage-guided smoke run of every cargo-fuzz target: SECONDS_PER_TARGET
# (default 60) each, starting from the committed seed corpus in
# fuzz/corpus/TARGET (never modified: new inputs go to a scratch folder).
# Exits non-zero on the first crash, leaving the input in fuzz/artifacts/.
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`) and a C++ compiler. On a
# stable toolchain the sanitizer flags need RUSTC_BOOTSTRAP=1 (set here).
set -euo pipefail
cd "$(dirname "$0")"
SECS="${SECONDS_PER_TARGET:-60}"
export RUSTC_BOOTSTRAP=1
TARGETS=(dataset_reader verdict_parser sse_stream image_decode media_decode)
cargo fuzz build -O
for t in "${TARGETS[@]}"; do
  scratch="$(mktemp -d)"
  echo "== $t (${SECS}s)"
  cargo fuzz run -O "$t" "$scratch" "corpus/$t" -- \
    -max_total_time="$SECS" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 2>&1 |
    { grep -E 'stat::number_of_executed_units|stat::peak_rss_mb|ERROR|panicked|SUMMARY' || true; }
  rm -rf "$scratch"
done
