// WGSL kernel of the fused Adam update (kernels/adam.wgsl), in place over inputs 0, 2 and 3.
import type { WgslKernelTable } from '../spec.js';
import { IN, f32, perElement, u32 } from './common.js';

export const adamKernels: WgslKernelTable = {
  adam: {
    // The float64 -> float32 roundings of assembly/adam.ts, (1 - beta) formed in float64 first.
    passes: (a) => [
      perElement('adam', a.n, [IN(0), IN(1), IN(2), IN(3)], [
        u32(a.weightDecay !== 0 ? 1 : 0),
        f32(a.beta1),
        f32(1 - a.beta1),
        f32(a.beta2),
        f32(1 - a.beta2),
        f32(a.eps),
        f32(a.weightDecay),
        f32(-a.stepSize),
        f32(a.biasCorrection2Sqrt),
      ]),
    ],
  },
};
