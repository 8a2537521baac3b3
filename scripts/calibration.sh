#!/usr/bin/env bash
# How well a bundle's answer confidence predicts exact match, in one command: every held-out question set through
# the TypeScript engine as served (scripts/eval-sets.sh, answers and confidences recorded), then `rag calibrate`
# with unseen-dev and unseen-dev2 as the dev sets that choose a min_confidence for the target precision.
#   bash scripts/calibration.sh [BUNDLE (onnx/demo)] [PRECISION (0.5)]
set -euo pipefail
cd "$(dirname "$0")/.."
bundle=${1:-onnx/demo}
precision=${2:-0.5}
records=$(mktemp -d /tmp/rag-calibration-XXXXXX)
trap 'rm -rf "$records"' EXIT
RAG_EVAL_RECORDS="$records" bash scripts/eval-sets.sh "$bundle" > /dev/null
dev="$records/index-data_unseen-dev.jsonl,$records/index-data_unseen-dev2.jsonl"
echo "== dev sets (unseen-dev, unseen-dev2)"
npx tsx src/cli/rag.ts calibrate "$records/index-data_unseen-dev.jsonl" "$records/index-data_unseen-dev2.jsonl"
echo "== held-out sets (styles, definitions, unseen), min_confidence chosen on the dev sets"
npx tsx src/cli/rag.ts calibrate "$records"/*.jsonl --dev "$dev" --precision "$precision"
