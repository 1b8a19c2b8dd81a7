// upsampleConv2d beyond the PyTorch fixtures: the same bits on 1 and N kernel threads at sizes
// that run on the pool, agreement with upsampleNearest2d + conv2d (the unfused route) forward
// and backward, typed errors for what it does not compute, and the generator's fused pairs
// (same state_dict keys, same output as running its children one by one).
import { describe, expect, it } from 'vitest';
import {
  AttributeError,
  conv2d,
  createEngine,
  GeneratorResNet,
  ShapeError,
  upsampleConv2d,
  upsampleNearest2d,
  type Engine,
  type Tensor,
} from '../../src/index.js';
import { enableRelaxedSimd } from '../helpers/relaxed_simd.js';

function maxRel(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return d / (m + 1e-6);
}

/** Output and the three gradients of upsampleConv2d (fused) or upsample + conv2d. */
function run(e: Engine, fused: boolean, shape: [number, number, number, number], cOut: number): Float32Array[] {
  return e.tidy(() => {
    const [, cIn] = shape;
    const x = e.randn(shape);
    const w = e.randn([cOut, cIn, 3, 3]);
    const b = e.randn([cOut]);
    const dy = e.randn([shape[0], cOut, 2 * shape[2], 2 * shape[3]]);
    for (const t of [x, w, b]) t.requiresGrad = true;
    const y: Tensor = fused ? upsampleConv2d(x, w, b) : conv2d(upsampleNearest2d(x, 2), w, b, { padding: 1 });
    y.backward(dy);
    return [y.dataSync(), x.grad!.dataSync(), w.grad!.dataSync(), b.grad!.dataSync()];
  });
}

describe('upsampleConv2d on the WASM kernel threads', () => {
  it('gives the same bits on 1 and 3 threads (forward, dx, dweight), above the parallel threshold', async () => {
    const results: Float32Array[][] = [];
    for (const threads of [1, 3]) {
      const e = await createEngine({ backend: 'wasm', seed: 21, wasm: { threads, relaxedSimd: false } });
      try {
        expect(e.wasmVariant?.threads).toBe(threads);
        // Each phase-conv product: 2 * n 2 * (4*20) * (18*16) * (13*4) = 4.8 MFLOP, above the
        // 4 MFLOP under which the backend stays on one thread.
        results.push(run(e, true, [2, 13, 17, 15], 20));
      } finally {
        e.dispose();
      }
    }
    for (let k = 0; k < 4; k++) expect(results[1][k], `result ${k}`).toEqual(results[0][k]);
  });

  it('agrees with upsampleNearest2d + conv2d, forward and backward, on the relaxed build too', async () => {
    const relaxed = (await enableRelaxedSimd()) === null;
    for (const relaxedSimd of relaxed ? [false, true] : [false]) {
      const e = await createEngine({ backend: 'wasm', seed: 5, wasm: { threads: 2, relaxedSimd } });
      try {
        const fused = run(e, true, [2, 7, 9, 6], 10);
        const e2 = await createEngine({ backend: 'wasm', seed: 5, wasm: { threads: 1, relaxedSimd: false } });
        try {
          const plain = run(e2, false, [2, 7, 9, 6], 10);
          ['y', 'dx', 'dweight', 'dbias'].forEach((name, k) => expect(maxRel(fused[k], plain[k]), name).toBeLessThan(1e-5));
        } finally {
          e2.dispose();
        }
      } finally {
        e.dispose();
      }
    }
  });
});

describe('upsampleConv2d refuses what it does not compute', () => {
  it('throws typed errors naming the argument', async () => {
    const e = await createEngine({ backend: 'wasm', wasm: { threads: 1 } });
    try {
      const x = e.randn([1, 3, 4, 4]);
      const w = e.randn([5, 3, 3, 3]);
      expect(() => upsampleConv2d(x, w, null, { scale: 3 })).toThrow(AttributeError);
      expect(() => upsampleConv2d(x, w, null, { padding: 0 })).toThrow(/padding/);
      expect(() => upsampleConv2d(x, w, null, { stride: 2 } as never)).toThrow(AttributeError);
      expect(() => upsampleConv2d(x, e.randn([5, 3, 5, 5]))).toThrow(ShapeError);
      expect(() => upsampleConv2d(x, e.randn([5, 4, 3, 3]))).toThrow(/weight/);
      expect(() => upsampleConv2d(x, w, e.randn([4]))).toThrow(/bias/);
      expect(() => upsampleConv2d(e.randn([3, 4, 4]), w)).toThrow(ShapeError);
    } finally {
      e.dispose();
    }
  });
});

describe('GeneratorResNet runs its Upsample + Conv2d pairs fused', () => {
  it('keeps the modules and keys, and equals running the children one by one', async () => {
    const e = await createEngine({ backend: 'wasm', seed: 8, wasm: { threads: 1 } });
    try {
      const g = new GeneratorResNet(e, [3, 16, 16], 1);
      const keys = Object.keys(g.stateDict());
      for (const i of [12, 16]) {
        expect(keys).toContain(`model.${i}.weight`);
        expect(keys).toContain(`model.${i}.bias`);
      }
      expect(g.model.at(11).constructor.name).toBe('Upsample');
      const x = e.randn([2, 3, 16, 16]);
      const fused = e.noGrad(() => g.forward(x)).dataSync();
      const plain = e.noGrad(() => {
        let h = x;
        for (const layer of g.model) h = layer.forward(h);
        return h;
      }).dataSync();
      // The children one by one run the upsampling convs as Winograd F(4x4, 3x3) under noGrad
      // (src/ops/conv2d_algorithm.ts), whose own error is about 1.6e-5 of the largest output
      // (docs/design.md): the two routes agree to the op tolerance, not to rounding.
      expect(maxRel(fused, plain)).toBeLessThan(1e-4);
      // Under noGrad the fused pairs run as upsampleConv2dWinograd (src/ops/upsample_conv2d.ts,
      // upsampleWinogradPays) or, below its size threshold, the phase convs: either way 2 calls.
      const fusedCalls = (): number => {
        const k = e.dispatchReport().kernels;
        return (k.upsampleConv2d?.wasm ?? 0) + (k.upsampleConv2dWinograd?.wasm ?? 0);
      };
      const before = fusedCalls();
      e.noGrad(() => g.forward(x)).dispose();
      expect(fusedCalls() - before).toBe(2);
    } finally {
      e.dispose();
    }
  });
});
