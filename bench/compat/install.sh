#!/usr/bin/env bash
# Installs the compatibility kit's Python side into bench/compat/.venv (git-ignored):
# llama-cpp-python[server] (built from source by pip: several minutes on two cores)
# and gguf (to write a tiny random-weight model). Nothing but PyPI packages is fetched.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv"
LLAMA_CPP_PYTHON_VERSION="${LLAMA_CPP_PYTHON_VERSION:-0.3.36}"
GGUF_VERSION="${GGUF_VERSION:-0.19.0}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet "gguf==$GGUF_VERSION" numpy
if ! "$venv/bin/python" -c 'import llama_cpp.server' 2>/dev/null; then
  # CPU only, no curl, no extra tools: the smallest build that serves HTTP.
  CMAKE_ARGS="${CMAKE_ARGS:--DLLAMA_CURL=OFF -DGGML_OPENMP=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TESTS=OFF}" \
  CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-2}" \
    "$venv/bin/python" -m pip install --quiet --no-binary llama-cpp-python \
    "llama-cpp-python[server]==$LLAMA_CPP_PYTHON_VERSION"
fi
"$venv/bin/python" - <<'PY'
import importlib.metadata as m
for p in ("llama_cpp_python", "gguf", "fastapi", "uvicorn"):
    try:
        print(p, m.version(p.replace("_", "-")))
    except m.PackageNotFoundError:
        print(p, "missing")
PY
