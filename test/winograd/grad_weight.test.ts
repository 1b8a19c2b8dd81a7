// The Winograd weight gradient (conv2dGradWeightWinograd, assembly/winograd_grad_weight.ts)
// beyond PyTorch conformance (test/conformance/winograd.test.ts): the same bits on 1 and 2
// kernel threads, agreement with the direct kernel on shapes whose tiles span several of the
// GEMM's reduction slices and several chunks of the kernel's buffer, and the op's choice.
import { describe, expect, it } from 'vitest';
import { conv2d, createEngine, mul, sum, type Engine } from '../../src/index.js';
import type { ConvGeometry } from '../../src/kernels/contract.js';
import { geometry, maxRelErr } from '../helpers/winograd.js';
import { winogradGradWeightPays } from '../../src/ops/conv2d_algorithm.js';

/** The weight gradient by Winograd and by the direct kernel, for seeded x and dy. */
function gradients(e: Engine, g: ConvGeometry, seed: number): [Float32Array, Float32Array] {
  const x = e.randn([g.n, g.cIn, g.h, g.w], { seed });
  const dy = e.randn([g.n, g.cOut, g.oh, g.ow], { seed: seed + 1 });
  const shape = [g.cOut, g.cIn, 3, 3];
  const [wino] = e.runKernel('test', 'conv2dGradWeightWinograd', [dy, x], [shape], g);
  const [direct] = e.runKernel('test', 'conv2dGradWeight', [dy, x], [shape], g);
  const r: [Float32Array, Float32Array] = [wino.dataSync(), direct.dataSync()];
  for (const t of [x, dy, wino, direct]) t.dispose();
  return r;
}

describe('winograd weight gradient', () => {
  it('gives the same bits on 1 and 2 threads, and agrees with the direct kernel', async () => {
    const one = await createEngine({ backend: 'wasm', wasm: { threads: 1, relaxedSimd: false } });
    const two = await createEngine({ backend: 'wasm', wasm: { threads: 2, relaxedSimd: false } });
    try {
      expect(two.wasmVariant?.threads).toBe(2);
      // 720 tiles (3 reduction slices of 256) with padding 1; odd outputs (partial tiles) with padding 0.
      for (const g of [geometry(2, 30, 40, 36, 26, 1), geometry(1, 33, 29, 21, 17, 0)]) {
        expect(2 * g.n * g.cIn * g.cOut * 9 * g.oh * g.ow).toBeGreaterThan(4e6); // the pool really splits it
        const [w1, d1] = gradients(one, g, 41);
        const [w2] = gradients(two, g, 41);
        expect(maxRelErr(w1, d1)).toBeLessThan(1e-4);
        expect(w2).toEqual(w1);
      }
    } finally {
      one.dispose();
      two.dispose();
    }
  });

  it('sums over several chunks of tiles (256 channels, 1152 tiles: the buffer holds 1024)', async () => {
    const e = await createEngine({ backend: 'wasm', wasm: { threads: 1, relaxedSimd: false } });
    try {
      const [wino, direct] = gradients(e, geometry(2, 256, 48, 48, 256, 1), 51);
      expect(maxRelErr(wino, direct)).toBeLessThan(1e-4);
    } finally {
      e.dispose();
    }
  });

  it('is what conv2d backward runs where the rule says it pays, and the direct kernel elsewhere', async () => {
    const e = await createEngine({ backend: 'wasm', wasm: { threads: 1 } });
    try {
      for (const [g, expected] of [
        [geometry(1, 64, 16, 16, 64, 1), true],
        [geometry(1, 64, 8, 8, 64, 1), false], // 16 tiles
        [geometry(1, 16, 32, 32, 16, 1), false], // too few channels
        [geometry(1, 64, 16, 16, 64, 2), false], // padding 2: not a Winograd shape
      ] as const) {
        expect(winogradGradWeightPays(g)).toBe(expected);
        const x = e.randn([g.n, g.cIn, g.h, g.w], { seed: 61 });
        const w = e.randn([g.cOut, g.cIn, 3, 3], { seed: 62, std: 0.1, requiresGrad: true });
        const r = e.randn([g.n, g.cOut, g.oh, g.ow], { seed: 63 });
        e.resetDispatchReport();
        const loss = e.tidy(() => sum(mul(conv2d(x, w, null, { padding: g.padH }), r)));
        loss.backward();
        const kernels = Object.keys(e.dispatchReport().kernels);
        expect(kernels).toContain(expected ? 'conv2dGradWeightWinograd' : 'conv2dGradWeight');
        expect(kernels).not.toContain(expected ? 'conv2dGradWeight' : 'conv2dGradWeightWinograd');
        // dL/dw is the weight gradient of dy = r: the direct kernel's within 1e-4.
        const [ref] = e.runKernel('test', 'conv2dGradWeight', [r, x], [w.shape], g);
        expect(maxRelErr(w.grad!.dataSync(), ref.dataSync())).toBeLessThan(1e-4);
        for (const t of [x, w, r, loss, ref]) t.dispose();
      }
    } finally {
      e.dispose();
    }
  });
});
