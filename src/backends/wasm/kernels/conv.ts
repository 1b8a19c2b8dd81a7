// Bindings of the convolution kernels (assembly/conv2d.ts, assembly/conv_transpose2d.ts).
// Each kernel runs split into parts over the backend's threads (ctx.parallel), each part
// with its own im2col buffer and GEMM panels as one block of scratch, sized by the module
// itself (conv2dScratchBytes / convScratchBytes) so the two sides cannot disagree.
import type { ConvGeometry, KernelTable } from '../../../kernels/contract.js';
import type { WasmContext } from '../context.js';
import type { WasmStorage } from '../storage.js';

type Fn = (...args: number[]) => number;

/** The conv kernels that take (part, parts) and run on the thread pool. */
export const CONV_PARALLEL_KERNELS = [
  'conv2d',
  'conv2dGradInput',
  'conv2dGradWeight',
  'convTranspose2d',
  'convTranspose2dGradInput',
  'convTranspose2dGradWeight',
] as const;

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
  ];

  // Every conv kernel takes its pointers, then `work`, then the geometry. Forward and both
  // gradients of conv2d and convTranspose2d do the same multiply-adds.
  const flops = (g: ConvGeometry): number => 2 * g.n * g.cOut * g.oh * g.ow * g.cIn * g.kh * g.kw;
  const transposedFlops = (g: ConvGeometry): number => 2 * g.n * g.cIn * g.h * g.w * g.cOut * g.kh * g.kw;
  const run = (name: (typeof CONV_PARALLEL_KERNELS)[number], ptrs: number[], bytes: number, g: ConvGeometry): void =>
    ctx.parallel(name, [...ptrs, 0, ...geometry(g)], ptrs.length, bytes, name.startsWith('convTranspose') ? transposedFlops(g) : flops(g));

  return {
    conv2d: ([x, weight, bias], [y], g) =>
      run('conv2d', [x!.ptr, weight!.ptr, g.hasBias ? bias!.ptr : 0, y!.ptr], convBytes(g), g),
    conv2dGradInput: ([dy, weight], [dx], g) => run('conv2dGradInput', [dy!.ptr, weight!.ptr, dx!.ptr], convBytes(g), g),
    conv2dGradWeight: ([dy, x], [dweight], g) =>
      run('conv2dGradWeight', [dy!.ptr, x!.ptr, dweight!.ptr], convBytes(g), g),
    conv2dGradBias: ([dy], [dbias], a) => k.conv2dGradBias(dy!.ptr, dbias!.ptr, a.n, a.c, a.hw),
    convTranspose2d: ([x, weight, bias], [y], g) =>
      run('convTranspose2d', [x!.ptr, weight!.ptr, g.hasBias ? bias!.ptr : 0, y!.ptr], transposedBytes(g), g),
    convTranspose2dGradInput: ([dy, weight], [dx], g) =>
      run('convTranspose2dGradInput', [dy!.ptr, weight!.ptr, dx!.ptr], transposedBytes(g), g),
    convTranspose2dGradWeight: ([dy, x], [dweight], g) =>
      run('convTranspose2dGradWeight', [dy!.ptr, x!.ptr, dweight!.ptr], transposedBytes(g), g),
  };
}
