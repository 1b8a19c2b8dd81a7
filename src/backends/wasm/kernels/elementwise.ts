// Bindings of the elementwise, reduction, loss, Adam, data, random and dropout kernels
// (assembly/elementwise.ts, reduce.ts, loss.ts, adam.ts, data.ts, random.ts, dropout.ts).
import type { KernelTable } from '../../../kernels/contract.js';
import type { WasmContext } from '../context.js';
import { bumpVersion, type WasmStorage } from '../storage.js';

type Fn = (...args: number[]) => void;

export function elementwiseKernels(ctx: WasmContext): KernelTable<WasmStorage> {
  const k = ctx.exports as Record<string, Fn>;
  const memory = ctx.exports.memory as WebAssembly.Memory;
  const flag = (v: boolean): number => (v ? 1 : 0);
  // Seeds are u32; the i32 parameter takes them modulo 2^32, the kernel reads them as u32.
  const seed = (s: number): number => s >>> 0;
  return {
    add: ([a, b], [y], t) => k.add(a!.ptr, b!.ptr, y!.ptr, t.n, flag(t.broadcastA), flag(t.broadcastB)),
    sub: ([a, b], [y], t) => k.sub(a!.ptr, b!.ptr, y!.ptr, t.n, flag(t.broadcastA), flag(t.broadcastB)),
    mul: ([a, b], [y], t) => k.mul(a!.ptr, b!.ptr, y!.ptr, t.n, flag(t.broadcastA), flag(t.broadcastB)),
    addScalar: ([x], [y], t) => k.addScalar(x!.ptr, y!.ptr, t.n, t.value),
    mulScalar: ([x], [y], t) => k.mulScalar(x!.ptr, y!.ptr, t.n, t.value),

    sum: ([x], [s], t) => k.sum(x!.ptr, s!.ptr, t.n),
    mean: ([x], [s], t) => k.mean(x!.ptr, s!.ptr, t.n),
    broadcastScalar: ([x], [y], t) => k.broadcastScalar(x!.ptr, y!.ptr, t.n, t.scale),

    mseLoss: ([x, target], [loss], t) => k.mseLoss(x!.ptr, target!.ptr, loss!.ptr, t.n),
    mseLossGrad: ([x, target, dl], [dx], t) => k.mseLossGrad(x!.ptr, target!.ptr, dl!.ptr, dx!.ptr, t.n),
    l1Loss: ([x, target], [loss], t) => k.l1Loss(x!.ptr, target!.ptr, loss!.ptr, t.n),
    l1LossGrad: ([x, target, dl], [dx], t) => k.l1LossGrad(x!.ptr, target!.ptr, dl!.ptr, dx!.ptr, t.n),

    // The update writes the parameter in place: its version bump drops cached Winograd filters.
    adam: ([p, g, m, v], _, t) => {
      bumpVersion(p!);
      k.adam(p!.ptr, g!.ptr, m!.ptr, v!.ptr, t.n, t.beta1, t.beta2, t.eps, t.weightDecay, t.stepSize, t.biasCorrection2Sqrt);
    },

    concat: (ins, [y], t) => {
      // A table of (byte offset, size along the dim) pairs in scratch memory: one kernel
      // call handles every input.
      const count = ins.length;
      const table = ctx.scratch(Math.max(count, 1) * 8);
      try {
        // The view is made after scratch(), which may have grown (and detached) the buffer.
        const words = new Uint32Array(memory.buffer, table, count * 2);
        for (let i = 0; i < count; i++) {
          words[2 * i] = ins[i]!.ptr;
          words[2 * i + 1] = t.sizes[i];
        }
        k.concat(table, count, y!.ptr, t.outer, t.inner);
      } finally {
        ctx.freeScratch(table);
      }
    },
    slice: ([x], [y], t) => k.slice(x!.ptr, y!.ptr, t.outer, t.inner, t.size, t.start, t.len),
    sliceGrad: ([dy], [dx], t) => k.sliceGrad(dy!.ptr, dx!.ptr, t.outer, t.inner, t.size, t.start, t.len),
    fill: (_, [y], t) => k.fill(y!.ptr, t.n, t.value),
    copy: ([x], [y], t) => k.copy(x!.ptr, y!.ptr, t.n),

    randomUniform: (_, [y], t) => k.randomUniform(y!.ptr, t.n, seed(t.seed)),
    randomNormal: (_, [y], t) => k.randomNormal(y!.ptr, t.n, seed(t.seed), t.mean, t.std),
    dropout: ([x], [y, mask], t) => k.dropout(x!.ptr, y!.ptr, mask!.ptr, t.n, t.p, 1 / (1 - t.p), seed(t.seed)),
  };
}
