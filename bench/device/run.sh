#!/usr/bin/env bash
# The benchmark on a lent GPU machine (one NVIDIA H200, x86-64, Python with torch CUDA, no Node,
# nothing reachable), run ONCE from the repository root after bench/device/pack.sh made .device/:
#
#   bash bench/device/run.sh          # there: results JSON, SVG and log into $OUT/
#   bash bench/device/run.sh --dry    # here: the same path on SwiftShader, CPU torch, tiny shapes
#
# It unpacks node and Dawn, installs the Vulkan loader from the lead's .gl/*.deb, points Vulkan
# at the NVIDIA driver, then runs bench/run.mjs (preset `device`: every op at 128 and 256 and
# every end-to-end case, on WASM and on WebGPU (Dawn on Vulkan), next to PyTorch on CUDA and on
# the CPU), inside a hard time limit so that it ends, with what it has, in under 7 minutes.
set -euo pipefail
cd "$(dirname "$0")/../.."
D="$PWD/.device"
DRY=0
[ "${1:-}" = "--dry" ] && DRY=1
OUT="${OUT:-$D/out}"
mkdir -p "$OUT"
log() { echo "[device $(date +%H:%M:%S)] $*"; }
[ -f "$D/node.xz" ] || { echo "run.sh: $D/node.xz missing: run bench/device/pack.sh first" >&2; exit 1; }

log "unpacking node and Dawn"
mkdir -p "$D/bin"
xz -dc "$D/node.xz" > "$D/bin/node"
chmod +x "$D/bin/node"
dawn="$D/node_modules/webgpu/dist/linux-x64/dawn.node"
[ -f "$dawn" ] || xz -dc "$dawn.xz" > "$dawn"
NODE="$D/bin/node"
log "node $("$NODE" --version)"

if [ "$DRY" = 1 ]; then
  export VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json
  PRESET=test
  TORCH=cpu
  PYTHON=/usr/bin/python3
  LIMIT=600
else
  if compgen -G ".gl/*.deb" > /dev/null; then
    log "installing the Vulkan loader from .gl/"
    for f in .gl/*.deb; do dpkg -x "$f" /; done
    ldconfig
  else
    log "no .gl/*.deb: using whatever Vulkan loader is installed"
  fi
  unset VK_ICD_FILENAMES
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  PRESET=device
  TORCH=cuda  # the GPU is the point here; CPU peers are measured on the CPU machines
  PYTHON=$(command -v python3)
  LIMIT=400
  command -v nvidia-smi > /dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$OUT/nvidia-smi.csv" || true
fi
"$PYTHON" -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())' || true

log "bench/run.mjs --preset $PRESET (limit ${LIMIT} s)"
# SIGINT first so the run can still print; the JSON is written only at the end, so the limit
# leaves a margin under the 7 minutes for it.
set +e
timeout -s INT -k 20 "$LIMIT" "$NODE" "$D/bench/run.mjs" --preset "$PRESET" --peers torch --torch-devices "$TORCH" \
  --python "$PYTHON" --out "$OUT" 2>&1 | tee "$OUT/log.txt"
code=${PIPESTATUS[0]}
set -e
log "exit $code; files in $OUT:"
ls -la "$OUT"
exit "$code"
