// Which algorithm runs a conv2d: the direct (lowered GEMM) kernels, or Winograd's F(4x4, 3x3)
// (assembly/winograd.ts), chosen per shape. Winograd does 4x fewer multiply-adds but pays for
// three transforms per call, which only a large enough channel count and image repay; the
// crossover below was measured on the WASM backend (bench/winograd.mjs, numbers in its header).
// The WebGPU backend has no Winograd kernel yet, so there the direct kernels run for every
// shape (engine._hasKernel says so; dispatchReport() then counts conv2d, not conv2dWinograd).
import type { ConvGeometry } from '../kernels/contract.js';

/** True when the shape is one Winograd F(4x4, 3x3) computes: 3x3, stride 1, the same padding 0 or 1 on both axes. */
export function winogradShape(g: ConvGeometry): boolean {
  return g.kh === 3 && g.kw === 3 && g.strideH === 1 && g.strideW === 1 && g.padH === g.padW && (g.padH === 0 || g.padH === 1);
}

/** Fewest channels on either side of a conv for which Winograd measured faster. */
export const WINOGRAD_MIN_CHANNELS = 16;
/** Fewest output pixels per image for which Winograd measured faster. */
export const WINOGRAD_MIN_PIXELS = 64;

/**
 * True when the forward conv (or, with `gradInput`, its input gradient: a conv from cOut to
 * cIn channels over the input's grid) is faster by Winograd on the WASM backend.
 */
export function winogradPays(g: ConvGeometry, gradInput: boolean): boolean {
  if (!winogradShape(g)) return false;
  const pixels = gradInput ? g.h * g.w : g.oh * g.ow;
  return Math.min(g.cIn, g.cOut) >= WINOGRAD_MIN_CHANNELS && pixels >= WINOGRAD_MIN_PIXELS;
}
