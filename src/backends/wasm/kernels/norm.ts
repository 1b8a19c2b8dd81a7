// Bindings of this kernel family are being written; see src/kernels/contract.ts.
import type { KernelTable } from '../../../kernels/contract.js';
import type { WasmContext, WasmStorage } from '../storage.js';

export function normKernels(_ctx: WasmContext): KernelTable<WasmStorage> {
  return {};
}
