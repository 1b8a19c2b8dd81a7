// The WebGPU backend's kernel table: every family's WGSL kernel descriptions. A kernel missing
// here runs on WASM under 'auto' (counted in the dispatch report) and fails under 'webgpu'.
import type { WgslKernelTable } from '../spec.js';
import { activationKernels } from './activation.js';
import { adamKernels } from './adam.js';
import { convKernels } from './conv.js';
import { dataKernels } from './data.js';
import { elementwiseKernels } from './elementwise.js';
import { lossKernels } from './loss.js';
import { normKernels } from './norm.js';
import { padKernels } from './pad.js';
import { randomKernels } from './random.js';
import { reduceKernels } from './reduce.js';
import { upsampleConvKernels } from './upsample_conv.js';
import { winogradKernels } from './winograd.js';

export const wgslKernels: WgslKernelTable = {
  ...activationKernels,
  ...convKernels,
  ...normKernels,
  ...padKernels,
  ...upsampleConvKernels,
  ...winogradKernels,
  ...elementwiseKernels,
  ...reduceKernels,
  ...lossKernels,
  ...adamKernels,
  ...dataKernels,
  ...randomKernels,
};
