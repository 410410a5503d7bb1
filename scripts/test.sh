#!/usr/bin/env bash
# The project's test command (README "Quick start"): every unit, integration,
# property and end-to-end test of the workspace, then the doc tests.
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v cargo-nextest >/dev/null; then
  cargo nextest run --workspace --no-fail-fast
else
  cargo test --workspace --no-fail-fast
fi
cargo test --workspace --doc
