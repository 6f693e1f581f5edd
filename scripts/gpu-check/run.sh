#!/usr/bin/env bash
# On a machine with an NVIDIA GPU, no internet and no Node (the device tool's), from the repository root:
#   bash scripts/gpu-check/run.sh        (carry .gpux, built here by scripts/gpu-check/prepare.sh; results in $OUT)
# 1. the project's own `run-subnet --backend webgpu` on the OFA-MobileNetV3 reference fixture (and --backend wasm),
#    max abs diff against PyTorch's logits;  2. `bench:subnetact` sections 5 (wasm stock / wasm N threads / webgpu,
#    batch 1, 8, 32, first-call cost per shape) and 6 (worker x thread layouts of this machine's cores).
# Env: GPUX_QUICK=1 fewer repeats and no layouts; GPUX_NO_DEBS=1 do not unpack the loader .debs into /;
#      GPUX_CARRIED_NODE=1 use the carried Node even if the machine has one.
set -uo pipefail
R="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"; OUT="${OUT:-$(mktemp -d)}"; mkdir -p "$OUT"; OUT="$(cd "$OUT" && pwd)"
W=$(mktemp -d); T0=$(date +%s); rc=0
say() { echo "[gpu-check +$(( $(date +%s) - T0 ))s] $*" | tee -a "$OUT/summary.txt"; }
[ -f "$R/.gpux/bundle.tar.xz" ] || { echo "no .gpux/bundle.tar.xz: run scripts/gpu-check/prepare.sh first and carry .gpux"; exit 2; }
if command -v xz >/dev/null; then tar -xJf "$R/.gpux/bundle.tar.xz" -C "$W"
else python3 -c 'import sys,tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$R/.gpux/bundle.tar.xz" "$W"; fi || { say "unpack failed"; exit 3; }
if [ "${GPUX_NO_DEBS:-0}" != 1 ] && ls "$W"/debs/*.deb >/dev/null 2>&1; then for f in "$W"/debs/*.deb; do dpkg -x "$f" /; done; ldconfig; fi
NODE="$(command -v node || true)"
if [ "${GPUX_CARRIED_NODE:-0}" = 1 ] || [ -z "$NODE" ] || ! "$NODE" -e 'process.exit(+process.versions.node.split(".")[0]>=20?0:1)'; then NODE="$W/node"; fi
# Dawn opens the unversioned libEGL.so (a -dev package's link) for its OpenGL route: provide it.
mkdir -p "$W/lib"; egl=$(ldconfig -p | awk '/libEGL.so.1 /{print $NF; exit}'); [ -n "$egl" ] && ln -sf "$egl" "$W/lib/libEGL.so"
export LD_LIBRARY_PATH="$W/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
{ say "node $NODE $($NODE --version)"; head -2 /etc/os-release; nproc; free -g | head -2
  nvidia-smi --query-gpu=name,driver_version,memory.used,memory.total --format=csv 2>&1
  ldconfig -p | grep -E 'libvulkan|libEGL|libnvidia-glcore' | head
  ls /usr/share/vulkan/icd.d /etc/vulkan/icd.d /usr/local/nvidia/share/vulkan/icd.d 2>&1; } > "$OUT/env.txt" 2>&1
cd "$W/app"
CLI=("$NODE" bin/superserve.mjs)

if [ -f "$W/fixture/supernet.pth" ]; then
  say "1. run-subnet on the OFA-MobileNetV3 fixture: webgpu, then wasm"
  for c in 00-min-r160 01-max-r224; do
    for be in webgpu wasm; do
      o="$OUT/$c-$be.f32"
      timeout 300 "${CLI[@]}" run-subnet --checkpoint "$W/fixture/supernet.pth" --arch ofa-mbv3-w1.0 --backend "$be" \
        --subnet "$W/fixture/cases/$c/config.json" --input "$W/fixture/cases/$c/input.bin" --output "$o" >>"$OUT/fixtures.txt" 2>&1 || rc=1
      if [ -f "$o" ]; then line=$("$NODE" "$R/scripts/gpu-check/compare.mjs" "$o" "$W/fixture/cases/$c/logits_supernet.bin" 1e-4 2>&1) || rc=1
      else line="FAILED: $(tail -3 "$OUT/fixtures.txt" | tr '\n' ' ')"; rc=1; fi
      say "  $c $be: $line"
    done
  done
  grep -m1 'backend: webgpu' "$OUT/fixtures.txt" | tee -a "$OUT/summary.txt"
else
  say "1. (no fixture in the bundle) skipped"
fi

say "2. bench:subnetact sections 5 and 6"
sections=5,6; quick=(); [ "${GPUX_QUICK:-0}" = 1 ] && { sections=5; quick=(--quick); }
timeout 420 "$NODE" scripts/bench-subnetact.js --only "$sections" "${quick[@]}" 2>&1 | grep -v '^Warning: max' | tee "$OUT/bench.txt"
[ "${PIPESTATUS[0]}" = 0 ] || rc=1
cp bench/results/subnetact.json "$OUT/" 2>/dev/null
if [ -d node_modules/onnxruntime-node ] && [ -f scripts/gpu-check/engines.js ]; then
  say "3. engines: tfjs-webgpu vs ONNX Runtime WebGPU EP, smallest and largest sub-network, batch 1, 8, 32"
  OUT="$OUT" timeout 300 "$NODE" scripts/gpu-check/engines.js 2>&1 | tee "$OUT/engines.txt"; [ "${PIPESTATUS[0]}" = 0 ] || rc=1
else
  say "3. engines: skipped (onnxruntime-node is not in the bundle: see docs/engines.md)"
fi
nvidia-smi --query-gpu=memory.used --format=csv,noheader 2>&1 | sed 's/^/gpu memory after: /' >> "$OUT/summary.txt"
say "done rc=$rc"
exit $rc
