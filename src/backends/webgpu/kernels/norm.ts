// WGSL kernels of instance norm (kernels/instance_norm*.wgsl): one workgroup per (n, c) plane,
// plane statistics by a tree reduction in workgroup memory (see the shaders for the numerics).
import { grid, grid1d } from '../header.js';
import type { WgslKernelTable, WgslPass } from '../spec.js';
import { f32, IN, OUT, SCRATCH, u32, WG } from './common.js';

export const normKernels: WgslKernelTable = {
  instanceNorm2d: {
    passes: (a) => [
      {
        shader: 'instance_norm',
        defines: { WG, AFFINE: a.affine ? 1 : 0 },
        bindings: [IN(0), IN(1), IN(2), OUT(0), OUT(1), OUT(2)],
        params: [u32(a.c), u32(a.hw), u32(a.n * a.c), f32(a.eps)],
        workgroups: grid(a.n * a.c),
      },
    ],
  },
  instanceNorm2dGrad: {
    // Per-plane (Σdy, Σdy*xhat) for dweight and dbias.
    scratch: (a) => [2 * a.n * a.c],
    passes: (a, present) => {
      const [wantDx, wantDw, wantDb] = present.outputs;
      const stats = a.affine && (wantDw || wantDb);
      const planes = a.n * a.c;
      const passes: WgslPass[] = [
        {
          shader: 'instance_norm_grad',
          defines: { WG, AFFINE: a.affine ? 1 : 0, HAS_DX: wantDx ? 1 : 0, HAS_STATS: stats ? 1 : 0 },
          bindings: [IN(0), IN(1), IN(2), IN(3), IN(4), OUT(0), SCRATCH(0)],
          params: [u32(a.c), u32(a.hw), u32(planes)],
          workgroups: grid(planes),
        },
      ];
      if (stats) {
        passes.push({
          shader: 'instance_norm_grad_reduce',
          defines: { WG },
          bindings: [SCRATCH(0), OUT(1), OUT(2)],
          params: [u32(a.n), u32(a.c), u32(wantDw ? 1 : 0), u32(wantDb ? 1 : 0)],
          workgroups: grid1d(a.c, WG),
        });
      }
      return passes;
    },
  },
};
