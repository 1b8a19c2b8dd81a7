// Bindings of the instance norm kernels (assembly/instance_norm.ts).
import type { KernelTable } from '../../../kernels/contract.js';
import type { WasmContext } from '../context.js';
import type { WasmStorage } from '../storage.js';

type Fn = (...args: number[]) => void;

/** Byte offset of an optional storage; 0 tells the kernel it is absent. */
const ptrOr0 = (s: WasmStorage | null | undefined): number => (s ? s.ptr : 0);

export function normKernels(ctx: WasmContext): KernelTable<WasmStorage> {
  const k = ctx.exports as Record<string, Fn>;
  return {
    instanceNorm2d: ([x, weight, bias], [y, mean, invStd], a) =>
      k.instanceNorm2d(
        x!.ptr,
        ptrOr0(weight),
        ptrOr0(bias),
        y!.ptr,
        mean!.ptr,
        invStd!.ptr,
        a.n,
        a.c,
        a.hw,
        a.eps,
        a.affine ? 1 : 0,
      ),
    // dx, dweight and dbias may each be null (not wanted); the kernel skips what is absent.
    instanceNorm2dGrad: ([dy, x, mean, invStd, weight], [dx, dweight, dbias], a) =>
      k.instanceNorm2dGrad(
        dy!.ptr,
        x!.ptr,
        mean!.ptr,
        invStd!.ptr,
        ptrOr0(weight),
        ptrOr0(dx),
        ptrOr0(dweight),
        ptrOr0(dbias),
        a.n,
        a.c,
        a.hw,
        a.affine ? 1 : 0,
      ),
  };
}
