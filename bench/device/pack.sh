#!/usr/bin/env bash
# Packs what bench/device/run.sh needs on the lent GPU machine (x86-64, no Node, nothing
# reachable) into .device/ at the repository root, which ignores itself (.device/.gitignore).
# Run here, after `npm run build`:   bash bench/device/pack.sh
# Then carry `.device` (and the lead's `.gl` folder of Vulkan loader debs) to the machine and
# run `bash bench/device/run.sh` there from the repository root.
#
# Contents (about 35 MiB): node (xz), dist/ without source maps, bench/, and the node_modules
# the run imports: benchmark + lodash + platform, and webgpu with only its linux-x64 Dawn
# (dawn.node xz-compressed). TF.js and ONNX Runtime Web stay behind (80 and 140 MiB): on the
# GPU machine the peer is PyTorch on CUDA, which is installed there.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -f dist/index.js ] || { echo "pack.sh: dist/ missing: run npm run build first" >&2; exit 1; }

rm -rf .device
mkdir -p .device/node_modules
echo '*' > .device/.gitignore

echo "pack: node $(node --version) (xz)"
xz -T2 -c /usr/bin/node > .device/node.xz

echo "pack: dist/, bench/"
mkdir -p .device/dist
(cd dist && find . -type f ! -name '*.map' -exec cp --parents {} ../.device/dist/ \;)
# bench/ without its local cache, scratch files and earlier results
tar -C . --exclude='bench/.cache' --exclude='bench/scratch' --exclude='bench/results' -cf - bench | tar -C .device -xf -

# what bench/lib/machine.mjs reads (no .git there), and the PyTorch model the peer imports
cp package.json .device/
git rev-parse HEAD > .device/commit.txt 2>/dev/null || true
mkdir -p .device/test/reference && cp test/reference/pytorch_gan.py .device/test/reference/

echo "pack: node_modules (benchmark, lodash, platform, webgpu linux-x64)"
nm=.device/node_modules
cp -r node_modules/benchmark node_modules/platform "$nm/"
mkdir -p "$nm/lodash" && cp node_modules/lodash/package.json node_modules/lodash/lodash.js node_modules/lodash/LICENSE "$nm/lodash/"
mkdir -p "$nm/webgpu/dist/linux-x64"
cp node_modules/webgpu/package.json node_modules/webgpu/index.js node_modules/webgpu/LICENSE.md "$nm/webgpu/"
xz -T2 -c node_modules/webgpu/dist/linux-x64/dawn.node > "$nm/webgpu/dist/linux-x64/dawn.node.xz"

du -sh .device
size=$(du -sm .device | cut -f1)
if [ "$size" -ge 60 ]; then echo "pack.sh: .device is ${size} MiB, over the 60 MiB budget" >&2; exit 1; fi
echo "pack: done (${size} MiB)"
