#!/usr/bin/env bash
# Exact match of a bundle on held-out question sets through the TypeScript engine, as served (beam 4, the bundle's
# extractive default), each set against an index of its own documents. Prints one row per set and the total.
#   bash scripts/eval-sets.sh [BUNDLE (onnx/demo)] [SET ...]   (default: every held-out set under index-data/: not
#   demo, nor the design sets of index-data/design/, which are named when wanted)
# Indexes depend only on the bundle's context encoder; they are kept in $RAG_EVAL_CACHE (/tmp/rag-eval-indexes),
# keyed by its checksum, so candidates that share it share their indexes. With RAG_EVAL_RECORDS=DIR, each set's
# answers and confidences go to DIR/<set>.jsonl for `rag calibrate`.
set -euo pipefail
cd "$(dirname "$0")/.."
bundle=${1:-onnx/demo}
shift || true
sets=("$@")
if [ ${#sets[@]} -eq 0 ]; then
  mapfile -t sets < <(find index-data -name questions.jsonl -not -path '*/demo/*' -not -path '*/design/*' -printf '%h\n' | sort)
fi
ctx=$(sha256sum "$bundle/ctx_encoder/model.onnx" | cut -c1-12)
cache=${RAG_EVAL_CACHE:-/tmp/rag-eval-indexes}/$ctx
printf '%-32s %9s %9s %7s\n' set questions recall@5 EM
total=0; right=0
for set in "${sets[@]}"; do
  index="$cache/${set//\//_}"
  if [ ! -f "$index/current" ]; then
    npx tsx src/cli/rag.ts index build "$set/documents.jsonl" --out "$index" --model "$bundle" > /dev/null
  fi
  records=()
  if [ -n "${RAG_EVAL_RECORDS:-}" ]; then mkdir -p "$RAG_EVAL_RECORDS"; records=(--records "$RAG_EVAL_RECORDS/${set//\//_}.jsonl"); fi
  out=$(npx tsx src/cli/rag.ts eval "$set/questions.jsonl" --model "$bundle" --index "$index" --beams 4 "${records[@]}")
  n=$(echo "$out" | awk '/^questions/ {print $2}')
  em=$(echo "$out" | awk '/^exact match/ {print $3}')
  r5=$(echo "$out" | awk '/^recall@5/ {print $2}')
  hits=$(awk -v n="$n" -v em="$em" 'BEGIN {printf "%d", n * em + 0.5}')
  printf '%-32s %9s %9s %7s  (%s right)\n' "$set" "$n" "$r5" "$em" "$hits"
  total=$((total + n)); right=$((right + hits))
done
printf '%-32s %9s %9s %7s  (%s right)\n' all "$total" - "$(awk -v r="$right" -v t="$total" 'BEGIN {printf "%.3f", r / t}')" "$right"
