// Bindings of the activation kernels (assembly/activation.ts).
import type { KernelTable } from '../../../kernels/contract.js';
import type { WasmContext } from '../context.js';
import type { WasmStorage } from '../storage.js';

type Fn = (...args: number[]) => void;

export function activationKernels(ctx: WasmContext): KernelTable<WasmStorage> {
  const k = ctx.exports as Record<string, Fn>;
  return {
    relu: ([x], [y], a) => k.relu(x!.ptr, y!.ptr, a.n),
    reluGrad: ([dy, x], [dx], a) => k.reluGrad(dy!.ptr, x!.ptr, dx!.ptr, a.n),
    leakyRelu: ([x], [y], a) => k.leakyRelu(x!.ptr, y!.ptr, a.n, a.negativeSlope),
    leakyReluGrad: ([dy, x], [dx], a) => k.leakyReluGrad(dy!.ptr, x!.ptr, dx!.ptr, a.n, a.negativeSlope),
    tanh: ([x], [y], a) => k.tanh(x!.ptr, y!.ptr, a.n),
    tanhGrad: ([dy, y], [dx], a) => k.tanhGrad(dy!.ptr, y!.ptr, dx!.ptr, a.n),
  };
}
