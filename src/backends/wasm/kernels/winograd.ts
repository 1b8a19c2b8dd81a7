// Bindings of the Winograd convolution kernels (assembly/winograd.ts, winograd_filter.ts):
// conv2dWinograd, upsampleConv2dWinograd (the same kernel reading an upsampled x in place),
// and conv2dGradInputWinograd, which is the same AssemblyScript kernel run on dy with the
// input gradient's filter (flipped, channels swapped) and padding 2 - p. The filters come from
// the backend's cache (../winograd_cache.ts), made at most once per weight version;
// the kernel runs split into parts over the thread pool like the other convs.
// conv2dGradWeightWinograd (assembly/winograd_grad_weight.ts) runs in steps over one buffer:
// per chunk of tiles the transforms of x and dy, then the 16 products, each step split over
// the threads; then Gᵀ M G on this thread (cOut*cIn small transforms).
import type { ConvGeometry, KernelTable } from '../../../kernels/contract.js';
import type { WasmContext } from '../context.js';
import type { WasmStorage } from '../storage.js';

type Fn = (...args: number[]) => number;

export const WINOGRAD_PARALLEL_KERNELS = [
  'conv2dWinograd',
  'upsampleConv2dWinograd',
  'conv2dGradWeightWinogradTransform',
  'conv2dGradWeightWinogradProducts',
] as const;

export function winogradKernels(ctx: WasmContext): KernelTable<WasmStorage> {
  const k = ctx.exports as Record<string, Fn>;
  // The direct conv's multiply-adds: what decides whether waking the threads pays.
  const flops = (g: ConvGeometry): number => 2 * g.n * g.cOut * g.oh * g.ow * g.cIn * 9;
  const run = (x: number, u: number, bias: number, y: number, n: number, cIn: number, h: number, w: number,
    cOut: number, oh: number, ow: number, pad: number, tile: number, f: number): void => {
    const bytes = k.conv2dWinogradScratchBytes(n, cIn, cOut, oh, ow, tile) >>> 0;
    ctx.parallel('conv2dWinograd', [x, u, bias, y, 0, n, cIn, h, w, cOut, oh, ow, pad, tile], 4, bytes, f);
  };
  const gradWeight = (dy: number, x: number, dweight: number, g: ConvGeometry): void => {
    const { n, cIn, h, w, cOut, oh, ow } = g;
    const total = n * ((oh + 1) >> 1) * ((ow + 1) >> 1);
    const chunk = k.conv2dGradWeightWinogradChunkTiles(n, cIn, cOut, oh, ow);
    const buf = ctx.scratch(k.conv2dGradWeightWinogradBytes(cIn, cOut, chunk) >>> 0);
    const work = k.conv2dGradWeightWinogradWorkBytes();
    try {
      for (let t0 = 0; t0 < total; t0 += chunk) {
        const tc = Math.min(chunk, total - t0);
        // About 40 operations per tile and channel for the transforms; 2 per multiply-add for the products.
        ctx.parallel('conv2dGradWeightWinogradTransform', [x, dy, buf, 0, n, cIn, h, w, cOut, oh, ow, g.padH, t0, tc], 3, 1024,
          40 * tc * (cIn + cOut));
        ctx.parallel('conv2dGradWeightWinogradProducts', [buf, 0, cIn, cOut, tc, t0 === 0 ? 1 : 0], 1, work,
          2 * 16 * tc * cIn * cOut);
      }
      k.conv2dGradWeightWinograd(buf, dweight, cIn, cOut);
    } finally {
      ctx.freeScratch(buf);
    }
  };
  return {
    conv2dGradWeightWinograd: ([dy, x], [dweight], g) => gradWeight(dy!.ptr, x!.ptr, dweight!.ptr, g),
    conv2dWinograd: ([x, weight, bias], [y], g) => {
      const u = ctx.filters.filter(weight!, false, g.cIn, g.cOut, g.tile);
      run(x!.ptr, u, g.hasBias ? bias!.ptr : 0, y!.ptr, g.n, g.cIn, g.h, g.w, g.cOut, g.oh, g.ow, g.padH, g.tile, flops(g));
    },
    // upsampleConv2d's forward as F(4x4, 3x3) over the upsampled image, which the kernel reads
    // from x in place (assembly/winograd.ts): the filter is the 3x3 conv's, cached like conv2d's.
    upsampleConv2dWinograd: ([x, weight, bias], [y], a) => {
      const u = ctx.filters.filter(weight!, false, a.cIn, a.cOut, 4);
      const bytes = k.conv2dWinogradScratchBytes(a.n, a.cIn, a.cOut, 2 * a.h, 2 * a.w, 4) >>> 0;
      const direct = 2 * a.n * a.cOut * 4 * a.h * a.w * a.cIn * 9;
      ctx.parallel('upsampleConv2dWinograd', [x!.ptr, u, a.hasBias ? bias!.ptr : 0, y!.ptr, 0, a.n, a.cIn, a.h, a.w, a.cOut], 4, bytes, direct);
    },
    conv2dGradInputWinograd: ([dy, weight], [dx], g) => {
      const u = ctx.filters.filter(weight!, true, g.cIn, g.cOut, g.tile);
      run(dy!.ptr, u, 0, dx!.ptr, g.n, g.cOut, g.oh, g.ow, g.cIn, g.h, g.w, 2 - g.padH, g.tile, flops(g));
    },
  };
}
