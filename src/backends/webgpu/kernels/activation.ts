// WGSL kernels of the activations and dropout (kernels/relu*.wgsl, leaky_relu*, tanh*, dropout).
import type { WgslKernelTable } from '../spec.js';
import { IN, OUT, f32, perBlock, perElement, u32 } from './common.js';

export const activationKernels: WgslKernelTable = {
  relu: { passes: (a) => [perElement('relu', a.n, [IN(0), OUT(0)])] },
  reluGrad: { passes: (a) => [perElement('relu_grad', a.n, [IN(0), IN(1), OUT(0)])] },
  leakyRelu: { passes: (a) => [perElement('leaky_relu', a.n, [IN(0), OUT(0)], [f32(a.negativeSlope)])] },
  leakyReluGrad: { passes: (a) => [perElement('leaky_relu_grad', a.n, [IN(0), IN(1), OUT(0)], [f32(a.negativeSlope)])] },
  tanh: { passes: (a) => [perElement('tanh', a.n, [IN(0), OUT(0)])] },
  tanhGrad: { passes: (a) => [perElement('tanh_grad', a.n, [IN(0), IN(1), OUT(0)])] },
  // p and scale rounded to float32 here exactly as the WASM binding passes them.
  dropout: {
    passes: (a) => [perBlock('dropout', a.n, [IN(0), OUT(0), OUT(1)], [u32(a.seed), f32(a.p), f32(1 / (1 - a.p))])],
  },
};
