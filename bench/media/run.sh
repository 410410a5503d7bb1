#!/usr/bin/env bash
# Side-by-side benchmark of assurai-media against Pillow and numpy, in one session.
#
#   bash bench/media/run.sh            (from the workspace root)
#
# Needs: ffmpeg, a release build toolchain, and a Python venv with Pillow + numpy
# (default /work/venv-media; override with VENV=...):
#   python3 -m venv /work/venv-media && /work/venv-media/bin/pip install pillow numpy
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=${VENV:-/work/venv-media}
DIR=${ASSURAI_MEDIA_BENCH_DIR:-target/bench-media}
export ASSURAI_MEDIA_BENCH_DIR="$PWD/$DIR"
[[ "$DIR" = /* ]] && export ASSURAI_MEDIA_BENCH_DIR="$DIR"

bash bench/media/make_inputs.sh "$ASSURAI_MEDIA_BENCH_DIR"

echo "== Rust: wall and CPU time incl. ffmpeg children (bench binary)"
cargo bench -p assurai-media --bench media_cpu 2>&1 | grep "^rust"
echo "== Rust: criterion"
cargo bench -p assurai-media --bench media -- --noplot 2>&1 | grep -E "^(image|video)/|time:|thrpt:"

echo "== Python reference"
"$VENV/bin/python" bench/media/pillow_prepare.py "$ASSURAI_MEDIA_BENCH_DIR/input-1920x1080.png" 15
"$VENV/bin/python" bench/media/numpy_select.py "$ASSURAI_MEDIA_BENCH_DIR/clip-10s-720p.mp4" 5
