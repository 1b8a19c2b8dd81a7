// Bindings of the pad kernels (assembly/pad.ts) and nearest upsampling (assembly/upsample.ts).
import type { KernelTable, PadAttrs } from '../../../kernels/contract.js';
import type { WasmContext } from '../context.js';
import type { WasmStorage } from '../storage.js';

type Fn = (...args: number[]) => void;

export function padKernels(ctx: WasmContext): KernelTable<WasmStorage> {
  const k = ctx.exports as Record<string, Fn>;
  // Every pad kernel, forward or backward, takes (in, out, nc, h, w, left, right, top, bottom).
  const pad =
    (fn: Fn) =>
    ([x]: readonly (WasmStorage | null)[], [y]: readonly (WasmStorage | null)[], a: PadAttrs): void =>
      fn(x!.ptr, y!.ptr, a.nc, a.h, a.w, a.left, a.right, a.top, a.bottom);
  return {
    reflectionPad2d: pad(k.reflectionPad2d),
    reflectionPad2dGrad: pad(k.reflectionPad2dGrad),
    zeroPad2d: pad(k.zeroPad2d),
    zeroPad2dGrad: pad(k.zeroPad2dGrad),
    upsampleNearest2d: ([x], [y], a) => k.upsampleNearest2d(x!.ptr, y!.ptr, a.nc, a.h, a.w, a.scale),
    upsampleNearest2dGrad: ([dy], [dx], a) => k.upsampleNearest2dGrad(dy!.ptr, dx!.ptr, a.nc, a.h, a.w, a.scale),
  };
}
