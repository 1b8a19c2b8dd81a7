// Bindings of the upsampleConv2d kernels (assembly/upsample_conv2d.ts): each is the phase
// weights (a [4*cOut, cIn, 2, 2] conv weight folded from the 3x3 one), one conv2d family kernel
// of assembly/conv2d.ts on the un-upsampled x with padding 1 (threaded over the pool like every
// conv, so 1 and N threads give the same bits), and the interleave between that conv's
// [n, 4*cOut, h+1, w+1] grid and y's [n, cOut, 2h, 2w] (or its adjoint for the gradients).
import type { ConvGeometry, KernelTable, UpsampleConvAttrs } from '../../../kernels/contract.js';
import type { WasmContext } from '../context.js';
import type { WasmStorage } from '../storage.js';

type Fn = (...args: number[]) => number;

/** The 2x2, padding-1 conv of x with the phase weights that upsampleConv2d is made of. */
export const phaseGeometry = (a: UpsampleConvAttrs): ConvGeometry => ({
  n: a.n, cIn: a.cIn, h: a.h, w: a.w, cOut: 4 * a.cOut, kh: 2, kw: 2,
  oh: a.h + 1, ow: a.w + 1, strideH: 1, strideW: 1, padH: 1, padW: 1,
});

export function upsampleConvKernels(ctx: WasmContext): KernelTable<WasmStorage> {
  const k = ctx.exports as Record<string, Fn>;
  const geometry = (g: ConvGeometry): number[] =>
    [g.n, g.cIn, g.h, g.w, g.cOut, g.kh, g.kw, g.oh, g.ow, g.strideH, g.strideW, g.padH, g.padW];
  const convBytes = (g: ConvGeometry): number =>
    k.conv2dScratchBytes(g.cIn, g.h, g.w, g.cOut, g.kh, g.kw, g.oh, g.ow, g.strideH, g.strideW, g.padH, g.padW) >>> 0;
  const flops = (g: ConvGeometry): number => 2 * g.n * g.cOut * g.oh * g.ow * g.cIn * g.kh * g.kw;
  const conv = (name: 'conv2d' | 'conv2dGradInput' | 'conv2dGradWeight', ptrs: number[], g: ConvGeometry): void =>
    ctx.parallel(name, [...ptrs, 0, ...geometry(g)], ptrs.length, convBytes(g), flops(g));
  const weightsBytes = (a: UpsampleConvAttrs): number => 16 * a.cOut * a.cIn * 4;
  const gridBytes = (a: UpsampleConvAttrs): number => a.n * 4 * a.cOut * (a.h + 1) * (a.w + 1) * 4;

  /** Runs body with scratch blocks of the given sizes, freed afterwards. */
  const withScratch = (sizes: number[], body: (ptrs: number[]) => void): void => {
    const ptrs: number[] = [];
    try {
      for (const s of sizes) ptrs.push(ctx.scratch(Math.max(s, 4)));
      body(ptrs);
    } finally {
      for (const p of ptrs) ctx.freeScratch(p);
    }
  };

  return {
    upsampleConv2d: ([x, weight, bias], [y], a) =>
      withScratch([weightsBytes(a), gridBytes(a)], ([wp, z]) => {
        k.upsampleConv2dPhaseWeights(weight!.ptr, wp, a.cOut, a.cIn);
        conv('conv2d', [x!.ptr, wp, 0, z], phaseGeometry(a));
        k.upsampleConv2dInterleave(z, a.hasBias ? bias!.ptr : 0, y!.ptr, a.n, a.cOut, a.h, a.w);
      }),
    upsampleConv2dGradInput: ([dy, weight], [dx], a) =>
      withScratch([weightsBytes(a), gridBytes(a)], ([wp, dz]) => {
        k.upsampleConv2dPhaseWeights(weight!.ptr, wp, a.cOut, a.cIn);
        k.upsampleConv2dDeinterleave(dy!.ptr, dz, a.n, a.cOut, a.h, a.w);
        conv('conv2dGradInput', [dz, wp, dx!.ptr], phaseGeometry(a));
      }),
    upsampleConv2dGradWeight: ([dy, x], [dweight], a) =>
      withScratch([weightsBytes(a), gridBytes(a)], ([dwp, dz]) => {
        k.upsampleConv2dDeinterleave(dy!.ptr, dz, a.n, a.cOut, a.h, a.w);
        conv('conv2dGradWeight', [dz, x!.ptr, dwp], phaseGeometry(a));
        k.upsampleConv2dFoldWeights(dwp, dweight!.ptr, a.cOut, a.cIn);
      }),
  };
}
