// WGSL kernels of the seeded random streams (kernels/random_uniform.wgsl, random_normal.wgsl):
// Philox-4x32-10 as assembly/random.ts specifies it, from the shared header's cg_philox.
import type { WgslKernelTable } from '../spec.js';
import { OUT, f32, perBlock, u32 } from './common.js';

export const randomKernels: WgslKernelTable = {
  randomUniform: { passes: (a) => [perBlock('random_uniform', a.n, [OUT(0)], [u32(a.seed)])] },
  randomNormal: { passes: (a) => [perBlock('random_normal', a.n, [OUT(0)], [u32(a.seed), f32(a.mean), f32(a.std)])] },
};
