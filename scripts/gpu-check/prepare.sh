#!/usr/bin/env bash
# Builds .gpux/bundle.tar.xz: everything scripts/gpu-check/run.sh needs on a GPU machine with no internet and no
# Node: this project compiled to plain JS (no tsx/esbuild there), the node_modules it loads (pruned: tfjs node
# bundles and .wasm files, Dawn's linux-x64 dawn.node), a stripped Node, the Vulkan/EGL loader .debs, and the
# OFA-MobileNetV3 reference fixture (supernet.pth + smallest and largest case). Must stay under the device tool's
# 64 MiB carry limit together with the checkout: the script prints the total and fails above it.
# Usage: bash scripts/gpu-check/prepare.sh      (env: SUPERSERVE_FIXTURES, default ../shared/fixtures)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
FIX=${SUPERSERVE_FIXTURES:-../shared/fixtures}/ofa-mbv3/seed1
G=.gpux; B=$G/build
rm -rf "$B" "$G/bundle.tar.xz"; mkdir -p "$B/debs" "$B/fixture/cases"
say() { echo "[prepare] $*"; }

say "compiling TypeScript to JS"
npx tsc -p scripts/gpu-check/tsconfig.json
A=$B/app
mkdir -p "$A/bin" "$A/data"
cp -r data/pareto "$A/data/"
echo '{ "type": "module", "private": true }' > "$A/package.json"
# The .mjs entry points register tsx to load .ts; the compiled tree imports the .js directly.
cat > "$A/bin/superserve.mjs" <<'EOF'
#!/usr/bin/env node
const { main } = await import('../src/cli.js');
process.exitCode = await main(process.argv.slice(2));
EOF
echo "await import('./thread-entry.js');" > "$A/src/worker/thread-boot.mjs"
echo "await import('./webgpu-probe-entry.js');" > "$A/supernet/backends/webgpu-probe-boot.mjs"

say "copying the node_modules the compiled code loads (pruned)"
NM=$A/node_modules
copy() { mkdir -p "$NM/$1"; for f in "${@:2}"; do mkdir -p "$(dirname "$NM/$1/$f")"; cp -r "node_modules/$1/$f" "$NM/$1/$f"; done; }
copy @tensorflow/tfjs-core package.json dist/tf-core.node.js
copy @tensorflow/tfjs-backend-cpu package.json dist/tf-backend-cpu.node.js
copy @tensorflow/tfjs-backend-wasm package.json dist/tf-backend-wasm.node.js dist/tfjs-backend-wasm.wasm dist/tfjs-backend-wasm-simd.wasm dist/tfjs-backend-wasm-threaded-simd.wasm
copy @tensorflow/tfjs-backend-webgpu package.json dist/tf-backend-webgpu.node.js
copy webgpu package.json index.js dist/linux-x64/dawn.node
for p in fflate seedrandom long node-fetch whatwg-url tr46 webidl-conversions; do
  [ -d "node_modules/$p" ] && { mkdir -p "$NM/$p"; cp -r "node_modules/$p/." "$NM/$p/"; }
done
rm -rf "$NM"/*/test "$NM"/*/coverage "$NM"/*/.nyc_output "$NM"/*/docs "$NM"/fflate/umd 2>/dev/null || true

say "Node $(node --version), stripped"
cp "$(command -v node)" "$B/node"; strip "$B/node" 2>/dev/null || true

say "Vulkan and EGL/GL loader packages (Debian)"
( cd "$B/debs" && apt-get download -qq libvulkan1 libglvnd0 libegl1 libgles2 libgl1 libglx0 libopengl0 2>/dev/null ) \
  || say "apt-get download failed: the bundle goes without loader .debs (run.sh then relies on the machine's own)"

if [ -f "$FIX/supernet.pth" ]; then
  say "fixture: $FIX (supernet.pth + 00-min-r160, 01-max-r224)"
  cp "$FIX/supernet.pth" "$B/fixture/"
  for c in 00-min-r160 01-max-r224; do
    mkdir -p "$B/fixture/cases/$c"; cp "$FIX/cases/$c/"{config.json,input.bin,logits_supernet.bin} "$B/fixture/cases/$c/"
  done
else
  say "no fixture at $FIX: run.sh will check webgpu against wasm on the machine only"
fi

say "compressing (xz -9, a few minutes)"
tar -C "$B" -cf - . | xz -9 -T0 > "$G/bundle.tar.xz"
rm -rf "$B"
bundle=$(stat -c %s "$G/bundle.tar.xz")
tree=$(git ls-files -z | xargs -0 stat -c %s 2>/dev/null | awk '{s+=$1} END {print s}')
total=$((bundle + tree))
say "bundle $((bundle / 1048576)) MiB + checkout $((tree / 1048576)) MiB = $((total / 1048576)) MiB (limit 64 MiB)"
[ "$total" -lt $((64 * 1048576)) ] || { say "too large for the device tool"; exit 1; }
say "ready: device call  command \"bash scripts/gpu-check/run.sh\", carry [\".gpux\"], timeout_s 540"
