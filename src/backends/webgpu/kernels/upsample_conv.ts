// WGSL kernels of upsampleConv2d (kernels/upsample_conv2d*.wgsl), the same route as the WASM
// kernels (src/backends/wasm/kernels/upsample_conv.ts): the phase weights, a [4*cOut, cIn, 2, 2]
// conv weight folded from the 3x3 one, then conv2d's lowered products (conv.ts) on the
// un-upsampled x with padding 1 over an (h+1) x (w+1) grid, and the interleave between that
// grid and y's 2h x 2w (or its adjoint for the gradients). Scratch buffers hold the phase
// weights and the grid, so nothing outlives the call (no cache across an optimizer update).
import type { ConvGeometry, UpsampleConvAttrs } from '../../../kernels/contract.js';
import type { WgslKernelTable, WgslPass } from '../spec.js';
import { IN, OUT, perElement, SCRATCH, u32 } from './common.js';
import { adjointPass, direct, forwardPass, weightPasses, weightScratch } from './conv.js';

const phaseGeometry = (a: UpsampleConvAttrs): ConvGeometry => ({
  n: a.n, cIn: a.cIn, h: a.h, w: a.w, cOut: 4 * a.cOut, kh: 2, kw: 2,
  oh: a.h + 1, ow: a.w + 1, strideH: 1, strideW: 1, padH: 1, padW: 1,
});
const weightsSize = (a: UpsampleConvAttrs): number => 16 * a.cOut * a.cIn;
const gridSize = (a: UpsampleConvAttrs): number => a.n * 4 * a.cOut * (a.h + 1) * (a.w + 1);

/** wp (scratch `dst`) from the 3x3 weight (input `src`). */
const phaseWeights = (a: UpsampleConvAttrs, src: number, dst: number): WgslPass =>
  perElement('upsample_conv2d_phase_weights', weightsSize(a), [IN(src), SCRATCH(dst)], [u32(a.cOut * a.cIn)]);

/** dz (scratch `dst`) from dy (input 0). */
const deinterleave = (a: UpsampleConvAttrs, dst: number): WgslPass =>
  perElement('upsample_conv2d_grad', gridSize(a), [IN(0), SCRATCH(dst)], [u32(a.cOut), u32(a.h), u32(a.w)]);

export const upsampleConvKernels: WgslKernelTable = {
  // scratch 0: phase weights; 1: z. The phase weights stand in for the bias binding (HAS_BIAS 0).
  upsampleConv2d: {
    scratch: (a) => [weightsSize(a), gridSize(a)],
    passes: (a) => [
      phaseWeights(a, 1, 0),
      forwardPass(direct(phaseGeometry(a)), [IN(0), SCRATCH(0), SCRATCH(0), SCRATCH(1)], false),
      perElement('upsample_conv2d', a.n * a.cOut * 4 * a.h * a.w, [SCRATCH(1), IN(2), OUT(0)], [
        u32(a.cOut),
        u32(a.h),
        u32(a.w),
        u32(a.hasBias ? 1 : 0),
      ]),
    ],
  },
  // scratch 0: phase weights; 1: dz. dx = conv2dGradInput(dz, wp).
  upsampleConv2dGradInput: {
    scratch: (a) => [weightsSize(a), gridSize(a)],
    passes: (a) => [
      phaseWeights(a, 1, 0),
      deinterleave(a, 1),
      adjointPass(direct(phaseGeometry(a)), [SCRATCH(1), SCRATCH(0), SCRATCH(0), OUT(0)], false),
    ],
  },
  // scratch 0: dz; 1: dwp; 2: the weight product's partial sums (when it splits its reduction).
  upsampleConv2dGradWeight: {
    scratch: (a) => [gridSize(a), weightsSize(a), ...weightScratch(direct(phaseGeometry(a)))],
    passes: (a) => [
      deinterleave(a, 0),
      ...weightPasses(direct(phaseGeometry(a)), SCRATCH(0), IN(1), SCRATCH(1), 2),
      perElement('upsample_conv2d_grad_weight', 9 * a.cOut * a.cIn, [SCRATCH(1), OUT(0)], [u32(a.cOut * a.cIn)]),
    ],
  },
};
