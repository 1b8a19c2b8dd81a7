// Bindings of the elementwise, reduction, loss, Adam, data and random kernels
// (assembly/elementwise.ts, reduce.ts, loss.ts, adam.ts, data.ts, random.ts, dropout.ts).
import type { KernelTable } from '../../../kernels/contract.js';
import type { WasmContext, WasmStorage } from '../storage.js';

type Fn = (...args: number[]) => void;

export function elementwiseKernels(ctx: WasmContext): KernelTable<WasmStorage> {
  const k = ctx.exports as Record<string, Fn>;
  const b = (v: boolean): number => (v ? 1 : 0);
  return {
    add: ([x, y], [z], a) => k.add(x!.ptr, y!.ptr, z!.ptr, a.n, b(a.broadcastA), b(a.broadcastB)),
    sub: ([x, y], [z], a) => k.sub(x!.ptr, y!.ptr, z!.ptr, a.n, b(a.broadcastA), b(a.broadcastB)),
    mul: ([x, y], [z], a) => k.mul(x!.ptr, y!.ptr, z!.ptr, a.n, b(a.broadcastA), b(a.broadcastB)),
    addScalar: ([x], [y], a) => k.addScalar(x!.ptr, y!.ptr, a.n, a.value),
    mulScalar: ([x], [y], a) => k.mulScalar(x!.ptr, y!.ptr, a.n, a.value),
    fill: (_, [y], a) => k.fill(y!.ptr, a.n, a.value),
    copy: ([x], [y], a) => k.copy(x!.ptr, y!.ptr, a.n),
  };
}
