#!/usr/bin/env bash
# The deploy suite (test/deploy: the image, kube-local), minutes long: builds the local base and the image
# (podman's layer cache keeps an unchanged tree quick), runs the container and kube-local tests, and records
# what it measured (image size, podman kube play start-to-ready, suite time) in bench/results/deploy-cold.json
# when it started without any of the images, else bench/results/deploy-warm.json.
# Without podman its tests are registered as skipped. CI runs it when deploy/, Containerfile or
# scripts/container|kube changed (.ci/run).
set -o pipefail
cd "$(dirname "$0")/.."
t0=$SECONDS
measured=$(mktemp)
start=warm
for img in localhost/superserve-base:node20 localhost/superserve:dev localhost/superserve-nats:local; do
  command -v podman >/dev/null && podman image exists "$img" || start=cold
done
out=$(mktemp)
SUPERSERVE_DEPLOY_TESTS=1 SUPERSERVE_DEPLOY_RESULTS=$measured \
  node --import tsx node_modules/uvu/bin.js test '^deploy/(container|kube-local)\.test\.ts$' --no-color "$@" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
# uvu exits 0 when a suite's before hook throws (its tests then neither pass nor fail): count from its summary.
total=$(sed -n 's/^  Total: *\([0-9]*\)$/\1/p' "$out" | tail -1)
passed=$(sed -n 's/^  Passed: *\([0-9]*\)$/\1/p' "$out" | tail -1)
skipped=$(sed -n 's/^  Skipped: *\([0-9]*\)$/\1/p' "$out" | tail -1)
rm -f "$out"
if [ -z "$total" ] || [ $(( ${passed:-0} + ${skipped:-0} )) -lt "$total" ]; then rc=1; fi
suite_s=$((SECONDS - t0))
if command -v podman >/dev/null && podman image exists localhost/superserve:dev; then
  node -e '
    const fs = require("fs");
    const [file, imageBytes, baseBytes, suiteS, rc, start] = process.argv.slice(1);
    const lines = fs.readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
    const out = Object.assign({ what: "scripts/test-deploy.sh", start, date: new Date().toISOString(), cores: require("os").availableParallelism(),
      imageBytes: Number(imageBytes), baseImageBytes: Number(baseBytes), suiteSeconds: Number(suiteS), suitePassed: rc === "0" }, ...lines);
    fs.writeFileSync(`bench/results/deploy-${start}.json`, JSON.stringify(out, null, 2) + "\n");
    console.log(`deploy suite (${start}): ${suiteS} s; image ${(imageBytes / 1e6).toFixed(0)} MB; results in bench/results/deploy-${start}.json`);
  ' "$measured" "$(podman image inspect localhost/superserve:dev --format '{{.Size}}')" \
    "$(podman image inspect localhost/superserve-base:node20 --format '{{.Size}}')" "$suite_s" "$rc" "$start"
fi
rm -f "$measured"
exit $rc
