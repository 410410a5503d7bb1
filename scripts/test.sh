#!/usr/bin/env bash
# The project's test command (README "Quick start"): every unit, integration,
# property and end-to-end test of the workspace, then the doc tests.
#
# Video and audio decode in-process, so almost nothing needs a system program;
# scripts/setup-system.sh installs what the remaining tests need (ffmpeg for the
# backend-equivalence tests, chromium for the HTML report check), or stops at
# once with the command to run.
set -euo pipefail
cd "$(dirname "$0")/.."
setup=$(bash scripts/setup-system.sh)
eval "$setup"
if command -v cargo-nextest >/dev/null; then
  cargo nextest run --workspace --no-fail-fast
else
  cargo test --workspace --no-fail-fast
fi
cargo test --workspace --doc
