// The WASM backend's kernel table: the union of every family's bindings.
import type { KernelTable } from '../../../kernels/contract.js';
import type { WasmContext } from '../context.js';
import type { WasmStorage } from '../storage.js';
import { activationKernels } from './activation.js';
import { CONV_PARALLEL_KERNELS, convKernels } from './conv.js';
import { elementwiseKernels } from './elementwise.js';
import { normKernels } from './norm.js';
import { padKernels } from './pad.js';
import { upsampleConvKernels } from './upsample_conv.js';
import { WINOGRAD_PARALLEL_KERNELS, winogradKernels } from './winograd.js';

export function wasmKernels(ctx: WasmContext): KernelTable<WasmStorage> {
  return {
    ...activationKernels(ctx),
    ...convKernels(ctx),
    ...normKernels(ctx),
    ...padKernels(ctx),
    ...upsampleConvKernels(ctx),
    ...elementwiseKernels(ctx),
    ...winogradKernels(ctx),
  };
}

/** The kernels that run split over the thread pool (each takes part, parts last). */
export const PARALLEL_KERNELS: readonly string[] = [...CONV_PARALLEL_KERNELS, ...WINOGRAD_PARALLEL_KERNELS];
