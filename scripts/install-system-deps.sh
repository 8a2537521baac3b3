#!/usr/bin/env bash
# Installs the Debian packages the project needs: the Python model toolchain (torch, onnx, numpy,
# sentencepiece, faiss), libfaiss-dev to build faiss-node, OpenBLAS (Debian's torch is 13x slower on
# reference BLAS), FOLDOC (the embedded default's corpus) and an English word list (open relations of its
# synthetic training documents). Idempotent; a no-op when all are present.
set -euo pipefail
packages=(python3-torch python3-onnx python3-numpy python3-sentencepiece python3-faiss python3-pytest python3-regex
  libfaiss-dev libopenblas0-pthread dict-foldoc wamerican chromium fonts-dejavu-core)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo_cmd apt-get update -qq
$sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
