// WGSL kernels of data handling (kernels/concat.wgsl, slice, slice_grad, fill, copy).
import type { WgslKernelTable, WgslPass } from '../spec.js';
import { IN, OUT, f32, perElement, u32 } from './common.js';

export const dataKernels: WgslKernelTable = {
  // One pass per input, so any number of inputs fits the storage-buffer limit.
  concat: {
    passes: (a) => {
      const total = a.sizes.reduce((s, v) => s + v, 0);
      const passes: WgslPass[] = [];
      let offset = 0;
      a.sizes.forEach((size, k) => {
        const chunk = size * a.inner;
        if (chunk > 0 && a.outer > 0) {
          passes.push(perElement('concat', a.outer * chunk, [IN(k), OUT(0)], [u32(chunk), u32(total * a.inner), u32(offset * a.inner)]));
        }
        offset += size;
      });
      return passes;
    },
  },
  slice: {
    passes: (a) => [
      perElement('slice', a.outer * a.len * a.inner, [IN(0), OUT(0)], [u32(a.len * a.inner), u32(a.size * a.inner), u32(a.start * a.inner)]),
    ],
  },
  sliceGrad: {
    passes: (a) => [
      perElement('slice_grad', a.outer * a.size * a.inner, [IN(0), OUT(0)], [u32(a.len * a.inner), u32(a.size * a.inner), u32(a.start * a.inner)]),
    ],
  },
  fill: { passes: (a) => [perElement('fill', a.n, [OUT(0)], [f32(a.value)])] },
  copy: { passes: (a) => [perElement('copy', a.n, [IN(0), OUT(0)])] },
};
