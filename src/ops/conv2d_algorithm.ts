// Which algorithm runs a conv2d: the direct (lowered GEMM) kernels, or Winograd's F(4x4, 3x3)
// (assembly/winograd.ts), chosen per shape. Winograd does 4x fewer multiply-adds but pays for
// three transforms per call, which only a large enough channel count and image repay; the
// crossover below was measured on the WASM backend (bench/winograd.mjs, numbers in its header).
// The WebGPU backend has WGSL kernels of the same names (src/backends/webgpu/kernels/winograd.ts)
// and its own threshold on top (WEBGPU_WINOGRAD_MIN_WORK, from bench/winograd_webgpu.mjs).
// The weight gradient's Winograd kernel (conv2dGradWeightWinograd) exists on WASM only, with its
// own rule (winogradGradWeightPays, below); WebGPU runs the direct weight gradient.
import type { BackendName } from '../backends/backend.js';
import type { ConvGeometry, WinogradTile } from '../kernels/contract.js';

/** True when the shape is one Winograd F(4x4, 3x3) computes: 3x3, stride 1, the same padding 0 or 1 on both axes. */
export function winogradShape(g: ConvGeometry): boolean {
  return g.kh === 3 && g.kw === 3 && g.strideH === 1 && g.strideW === 1 && g.padH === g.padW && (g.padH === 0 || g.padH === 1);
}

/**
 * Fewest output pixels (all images of the batch together) for which Winograd is used. Measured
 * on one thread, 3x3 padding-1 convs with 4 to 32 channels on 3x3 to 32x32 images
 * (CPU time; bench/winograd.mjs has the larger shapes): from 8x8 outputs on,
 * Winograd was 1.7-3.7x faster with its filter cached and 0.84-2.5x with a new filter (a
 * weight changed since the previous call); at 4x4 and below it was 0.7-1.3x, so those stay
 * direct. Channel counts did not move the crossover (4 channels: 1.7x at 8x8, 2.5x at 16x16).
 */
export const WINOGRAD_MIN_PIXELS = 64;

/**
 * On WebGPU, the least work (cIn x cOut x output pixels, the batch's) for which Winograd is used.
 * Its four passes (filter, input, GEMM per position, output) cost launches and scratch traffic
 * that only enough arithmetic repays. Measured on SwiftShader against the direct WGSL kernels
 * (bench/winograd_webgpu.mjs, 2 loaded cores, median of 9): 256->256 at 16x16 (16.8M) forward
 * 1.58x (F4) / 1.34x (F2) faster, input gradient 1.57x / 1.29x; 64->32 at 64x64 (8.4M) 2.1x /
 * 1.4x; but 16->16 at 16x16 and 32x32, 32->32 at 16x16 and 64->64 at 8x8 (65K to 262K) 1.5x to
 * 10x slower. The threshold sits between the two groups. No real GPU was measured yet
 * (bench/device/ runs the same bench where one is lent).
 */
export const WEBGPU_WINOGRAD_MIN_WORK = 1 << 22;

/**
 * True when the forward conv (or, with `gradInput`, its input gradient: a conv from cOut to
 * cIn channels over the input's grid) is faster by Winograd on `backend` (the engine's active
 * one, `engine.backend`; WASM when not given).
 */
export function winogradPays(g: ConvGeometry, gradInput: boolean, backend: BackendName = 'wasm'): boolean {
  if (!winogradShape(g)) return false;
  const pixels = g.n * (gradInput ? g.h * g.w : g.oh * g.ow);
  if (pixels < WINOGRAD_MIN_PIXELS) return false;
  return backend !== 'webgpu' || g.cIn * g.cOut * pixels >= WEBGPU_WINOGRAD_MIN_WORK;
}

/**
 * The Winograd tile: F(4x4, 3x3) for inference, F(2x2, 3x3) where gradients are recorded.
 * Measured with these kernels against PyTorch in float64 (bench/winograd_error.mjs), 256 channels, 32x32 and 64x64
 * outputs (max |ours - torch| / max |torch|, forward and input gradient): direct 3.5e-7,
 * F(2x2) 5.7e-7 to 7.1e-7, F(4x4) 1.0e-5 to 1.65e-5. F(4x4) fits the 1e-4 bound of one conv
 * and of a whole generator's forward, but its larger error, carried back through every
 * residual block, put the first conv's weight gradient of the training-parity test
 * (test/training/pytorch_parity.test.ts) at 1.16e-3 against PyTorch, over that test's 1e-3;
 * F(2x2) stays within 2x of the direct conv's error.
 */
export function winogradTile(recordsGradients: boolean): WinogradTile {
  return recordsGradients ? 2 : 4;
}

/**
 * When the weight gradient runs as Winograd F(2x2, 3x3) (assembly/winograd_grad_weight.ts) on
 * the WASM backend: at least WINOGRAD_GRAD_WEIGHT_MIN_TILES 2x2 output tiles (all images
 * together) and a harmonic mean of the channel counts, 2*cIn*cOut / (cIn + cOut), of at least
 * WINOGRAD_GRAD_WEIGHT_MIN_CHANNELS: its transforms cost per tile in proportion to cIn + cOut,
 * its 16 products in proportion to cIn * cOut. Measured on one thread (CPU time, loaded
 * 2-core machine, `node bench/winograd_grad_weight.mjs`), direct time / Winograd time:
 *   residual conv 256->256, padding 0: 1.36x at 16x16 outputs, 1.76x at 32x32, 1.85x at 64x64;
 *   padding 1, 128 and 256 channels: 0.64-1.00x at 4x4 to 8x8 outputs (<= 16 tiles), 1.30-1.82x
 *   from 12x12 (36 tiles) to 32x32; 64 channels: 0.83-1.09x up to 8x8, 1.15-1.39x from 12x12;
 *   8 and 32 channels: 0.68-1.47x, not reliably faster (and the time is tiny), so they stay
 *   direct. A whole training step (64x64, 6 blocks, batch 1, one thread): 2863 -> 2463 ms
 *   (1.16x) on the plain SIMD build, 2076 -> 1909 ms (1.09x) on the relaxed one.
 * Its error against PyTorch in float64 (bench/winograd_error.mjs, 256 channels, 32x32 and 64x64):
 * 7.1e-7 to 8.2e-7 of the gradient's largest magnitude, the direct kernel's 4.0e-7 to 4.2e-7.
 */
export const WINOGRAD_GRAD_WEIGHT_MIN_TILES = 36;
export const WINOGRAD_GRAD_WEIGHT_MIN_CHANNELS = 64;

/** True when the weight gradient of this conv is faster by Winograd F(2x2, 3x3) on the WASM backend. */
export function winogradGradWeightPays(g: ConvGeometry): boolean {
  if (!winogradShape(g)) return false;
  const tiles = g.n * ((g.oh + 1) >> 1) * ((g.ow + 1) >> 1);
  return tiles >= WINOGRAD_GRAD_WEIGHT_MIN_TILES && (2 * g.cIn * g.cOut) / (g.cIn + g.cOut) >= WINOGRAD_GRAD_WEIGHT_MIN_CHANNELS;
}
