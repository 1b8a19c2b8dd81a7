// WGSL kernels of binary and scalar arithmetic (kernels/add.wgsl, sub, mul, add_scalar, mul_scalar).
import type { BinaryAttrs } from '../../../kernels/contract.js';
import type { WgslKernel, WgslKernelTable } from '../spec.js';
import { IN, OUT, f32, perElement, u32 } from './common.js';

const binary = <K extends 'add' | 'sub' | 'mul'>(shader: string): WgslKernel<K> => ({
  passes: (a: BinaryAttrs) => [
    perElement(shader, a.n, [IN(0), IN(1), OUT(0)], [u32(a.broadcastA ? 1 : 0), u32(a.broadcastB ? 1 : 0)]),
  ],
});

export const elementwiseKernels: WgslKernelTable = {
  add: binary('add'),
  sub: binary('sub'),
  mul: binary('mul'),
  addScalar: { passes: (a) => [perElement('add_scalar', a.n, [IN(0), OUT(0)], [f32(a.value)])] },
  mulScalar: { passes: (a) => [perElement('mul_scalar', a.n, [IN(0), OUT(0)], [f32(a.value)])] },
};
