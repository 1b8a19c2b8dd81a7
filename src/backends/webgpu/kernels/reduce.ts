// WGSL kernels of the full reductions and their gradient (kernels/sum.wgsl, mean, broadcast_scalar).
import type { WgslKernelTable } from '../spec.js';
import { IN, OUT, f32, perElement, reduction, reductionScratch } from './common.js';

export const reduceKernels: WgslKernelTable = {
  sum: { scratch: (a) => reductionScratch(a.n), passes: (a) => reduction('sum', a.n, [0]) },
  mean: { scratch: (a) => reductionScratch(a.n), passes: (a) => reduction('mean', a.n, [0]) },
  broadcastScalar: { passes: (a) => [perElement('broadcast_scalar', a.n, [IN(0), OUT(0)], [f32(a.scale)])] },
};
