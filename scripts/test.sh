#!/usr/bin/env bash
# Runs every uvu test under test/ and ends with the plain "N passed, N failed" line CI reads.
# SUPERSERVE_FIXTURES points at the OFA reference fixtures (default ../shared/fixtures). test/helpers/skip-guard.mjs is
# preloaded: a test that prints SKIPPED while tests run fails (skips are registered with test.skip / testIf).
set -o pipefail
cd "$(dirname "$0")/.."
out=$(mktemp)
node --import tsx --import ./test/helpers/skip-guard.mjs node_modules/uvu/bin.js test '\.test\.ts$' --no-color "$@" 2>&1 | tee "$out"; rc=${PIPESTATUS[0]}
total=$(sed -n 's/^  Total: *\([0-9]*\)$/\1/p' "$out" | tail -1)
passed=$(sed -n 's/^  Passed: *\([0-9]*\)$/\1/p' "$out" | tail -1)
skipped=$(sed -n 's/^  Skipped: *\([0-9]*\)$/\1/p' "$out" | tail -1)
rm -f "$out"
if [ -z "$total" ]; then echo "uvu printed no summary (rc=$rc)"; echo "0 passed, 1 failed"; [ $rc -eq 0 ] && rc=1; exit $rc; fi
failed=$((total - passed))
echo "$passed passed, $failed failed, ${skipped:-0} skipped"
[ $failed -gt 0 ] && [ $rc -eq 0 ] && rc=1
exit $rc
