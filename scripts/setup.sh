#!/usr/bin/env bash
# Makes a fresh clone runnable, and is a quick no-op once it is: Debian packages (the Python toolchain, libfaiss-dev,
# FOLDOC), npm packages with install scripts skipped (faiss-node's would download a binary and onnxruntime-node's a
# CUDA build, neither reachable here), then faiss-node built from source against libfaiss-dev.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --ignore-scripts --no-audit --no-fund
fi
bash scripts/build-faiss-node.sh
