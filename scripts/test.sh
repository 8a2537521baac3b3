#!/usr/bin/env bash
# The whole test suite: the type check, the Python toolchain's tests, the fixtures the engine is held to, and the
# TypeScript tests. Ends with one summary line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHON=/usr/bin/python3
status=0
passed=0
failed=0

echo "== type check"
npx tsc --noEmit || { status=1; failed=$((failed + 1)); }

echo "== python toolchain tests"
py_out=$(cd onnx && $PYTHON -m pytest -q -p no:cacheprovider 2>&1); py_status=$?
echo "$py_out" | tail -n 30
py_passed=$(echo "$py_out" | grep -Eo '[0-9]+ passed' | tail -1 | grep -Eo '[0-9]+' || echo 0)
py_failed=$(echo "$py_out" | grep -Eo '[0-9]+ (failed|error)' | awk '{s+=$1} END {print s+0}')
passed=$((passed + py_passed)); failed=$((failed + py_failed))
[ $py_status -eq 0 ] || status=1

echo "== fixtures (tiny bundle made by the toolchain)"
if [ -f onnx/ragkit/fixtures.py ]; then
  (cd onnx && $PYTHON -m ragkit.fixtures --out=build/tiny) || { status=1; failed=$((failed + 1)); }
fi

echo "== typescript tests"
ts_out=$(npx tap --reporter=terse 2>&1); ts_status=$?
echo "$ts_out" | tail -n 40
ts_passed=$(echo "$ts_out" | grep -Eo 'pass: [0-9]+' | tail -1 | grep -Eo '[0-9]+' || echo 0)
ts_failed=$(echo "$ts_out" | grep -Eo 'fail: [0-9]+' | tail -1 | grep -Eo '[0-9]+' || echo 0)
passed=$((passed + ts_passed)); failed=$((failed + ts_failed))
[ $ts_status -eq 0 ] || status=1

echo "$passed passed, $failed failed"
exit $status
