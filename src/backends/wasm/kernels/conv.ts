// Bindings of the convolution kernels (assembly/conv2d.ts, assembly/conv_transpose2d.ts).
// Each kernel gets its im2col buffer and GEMM panels as one block of scratch, sized by the
// module itself (convScratchBytes) so the two sides cannot disagree, and freed on return.
import type { ConvGeometry, KernelTable } from '../../../kernels/contract.js';
import type { WasmContext, WasmStorage } from '../storage.js';

type Fn = (...args: number[]) => number;

export function convKernels(ctx: WasmContext): KernelTable<WasmStorage> {
  const k = ctx.exports as Record<string, Fn>;

  // conv2d lowers x (cIn*kh*kw rows) over y's grid; convTranspose2d lowers y (cOut*kh*kw
  // rows) over x's grid.
  const window = (g: ConvGeometry): number[] => [g.kh, g.kw, g.strideH, g.strideW, g.padH, g.padW];
  const convBytes = (g: ConvGeometry): number =>
    k.conv2dScratchBytes(g.cIn, g.h, g.w, g.cOut, g.kh, g.kw, g.oh, g.ow, g.strideH, g.strideW, g.padH, g.padW) >>> 0;
  const transposedBytes = (g: ConvGeometry): number =>
    k.convScratchBytes(g.cOut * g.kh * g.kw, g.h * g.w, g.w, g.cIn, ...window(g)) >>> 0;

  const geometry = (g: ConvGeometry): number[] => [
    g.n,
    g.cIn,
    g.h,
    g.w,
    g.cOut,
    g.kh,
    g.kw,
    g.oh,
    g.ow,
    g.strideH,
    g.strideW,
    g.padH,
    g.padW,
    0, // part
    1, // of parts
  ];

  const withScratch = (bytes: number, run: (work: number) => void): void => {
    const work = ctx.scratch(bytes);
    try {
      run(work);
    } finally {
      ctx.freeScratch(work);
    }
  };

  return {
    conv2d: ([x, weight, bias], [y], g) =>
      withScratch(convBytes(g), (work) =>
        k.conv2d(x!.ptr, weight!.ptr, g.hasBias ? bias!.ptr : 0, y!.ptr, work, ...geometry(g)),
      ),
    conv2dGradInput: ([dy, weight], [dx], g) =>
      withScratch(convBytes(g), (work) => k.conv2dGradInput(dy!.ptr, weight!.ptr, dx!.ptr, work, ...geometry(g))),
    conv2dGradWeight: ([dy, x], [dweight], g) =>
      withScratch(convBytes(g), (work) => k.conv2dGradWeight(dy!.ptr, x!.ptr, dweight!.ptr, work, ...geometry(g))),
    conv2dGradBias: ([dy], [dbias], a) => k.conv2dGradBias(dy!.ptr, dbias!.ptr, a.n, a.c, a.hw),
    convTranspose2d: ([x, weight, bias], [y], g) =>
      withScratch(transposedBytes(g), (work) =>
        k.convTranspose2d(x!.ptr, weight!.ptr, g.hasBias ? bias!.ptr : 0, y!.ptr, work, ...geometry(g)),
      ),
    convTranspose2dGradInput: ([dy, weight], [dx], g) =>
      withScratch(transposedBytes(g), (work) =>
        k.convTranspose2dGradInput(dy!.ptr, weight!.ptr, dx!.ptr, work, ...geometry(g)),
      ),
    convTranspose2dGradWeight: ([dy, x], [dweight], g) =>
      withScratch(transposedBytes(g), (work) =>
        k.convTranspose2dGradWeight(dy!.ptr, x!.ptr, dweight!.ptr, work, ...geometry(g)),
      ),
  };
}
