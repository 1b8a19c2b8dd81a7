// The Winograd conv kernels beyond PyTorch conformance (test/conformance/winograd.test.ts):
// identical results on 1 and 2 kernel threads, and the filter cache, which must reuse a
// transformed filter while the weight is unchanged and never once the weight was written
// (an Adam step, engine.assign), and free what it holds with the weight.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adamUpdate, conv2d, createEngine, mul, sum, type Engine, type Tensor } from '../../src/index.js';
import type { ConvGeometry } from '../../src/kernels/contract.js';
import { geometry, runConv, maxRelErr } from '../helpers/winograd.js';
import type { WinogradFilterCache } from '../../src/backends/wasm/winograd_cache.js';

const filters = (e: Engine): WinogradFilterCache => (e as unknown as { backends: { wasm: { filters: WinogradFilterCache } } }).backends.wasm.filters;

describe('winograd kernels on kernel threads', () => {
  it.each([4, 2] as const)('F(%i): the same bits on 1 and 2 threads (forward and input gradient, padding 0 and 1)', async (tile) => {
    const one = await createEngine({ backend: 'wasm', wasm: { threads: 1, relaxedSimd: false } });
    const two = await createEngine({ backend: 'wasm', wasm: { threads: 2, relaxedSimd: false } });
    try {
      expect(two.wasmVariant?.threads).toBe(2);
      // Over the 4 MFLOP threshold (src/backends/wasm/backend.ts), so the pool really splits them.
      for (const [n, cIn, h, w, cOut, p] of [
        [2, 30, 19, 23, 26, 1],
        [1, 33, 29, 21, 17, 0],
      ]) {
        const g = geometry(n, cIn, h, w, cOut, p);
        expect(2 * n * cIn * cOut * 9 * g.oh * g.ow).toBeGreaterThan(4e6);
        const results = [one, two].map((e) => {
          const x = e.randn([n, cIn, h, w], { seed: 11 });
          const wt = e.randn([cOut, cIn, 3, 3], { seed: 12, std: 0.1 });
          const b = e.randn([cOut], { seed: 13 });
          const dy = e.randn([n, cOut, g.oh, g.ow], { seed: 14 });
          const r = runConv(e, x, wt, b, dy, g, true, tile);
          const ref = runConv(e, x, wt, b, dy, g, false);
          expect(maxRelErr(r[0], ref[0])).toBeLessThan(1e-4);
          expect(maxRelErr(r[1], ref[1])).toBeLessThan(1e-4);
          for (const t of [x, wt, b, dy]) t.dispose();
          return r;
        });
        expect(results[1][0]).toEqual(results[0][0]);
        expect(results[1][1]).toEqual(results[0][1]);
      }
    } finally {
      one.dispose();
      two.dispose();
    }
  });
});

describe('winograd filter cache', () => {
  let e: Engine;
  beforeAll(async () => {
    e = await createEngine({ backend: 'wasm', wasm: { threads: 1, relaxedSimd: false } });
  });
  afterAll(() => e?.dispose());

  const g = geometry(1, 12, 10, 10, 20, 1);
  const make = () => ({
    x: e.randn([1, 12, 10, 10], { seed: 21 }),
    w: e.randn([20, 12, 3, 3], { seed: 22, std: 0.1 }),
    b: e.randn([20], { seed: 23 }),
    dy: e.randn([1, 20, 10, 10], { seed: 24 }),
  });

  it('transforms a filter once while the weight is unchanged, for the forward and the input gradient each', () => {
    const { x, w, b, dy } = make();
    const c = filters(e);
    const before = c.transforms;
    runConv(e, x, w, b, dy, g, true);
    expect(c.transforms).toBe(before + 2);
    runConv(e, x, w, b, dy, g, true);
    runConv(e, x, w, b, dy, g, true);
    expect(c.transforms).toBe(before + 2);
    // The F(2x2) filters are others, cached as well.
    runConv(e, x, w, b, dy, g, true, 2);
    runConv(e, x, w, b, dy, g, true, 2);
    expect(c.transforms).toBe(before + 4);
    for (const t of [x, w, b, dy]) t.dispose();
  });

  it('is invalidated by an Adam step on the weight: the next conv uses the new values', () => {
    const { x, w, b, dy } = make();
    const c = filters(e);
    const stale = runConv(e, x, w, b, dy, g, true);
    const grad = e.randn(w.shape, { seed: 25 });
    const m = e.zeros(w.shape);
    const v = e.zeros(w.shape);
    const before = c.transforms;
    adamUpdate(w, grad, m, v, { lr: 0.05, beta1: 0.5, beta2: 0.999, eps: 1e-8, step: 1 });
    const fresh = runConv(e, x, w, b, dy, g, true);
    const direct = runConv(e, x, w, b, dy, g, false);
    expect(c.transforms).toBe(before + 2);
    expect(maxRelErr(fresh[0], direct[0])).toBeLessThan(1e-4);
    expect(maxRelErr(fresh[1], direct[1])).toBeLessThan(1e-4);
    // The step moved the weights far enough that a stale filter would be caught.
    expect(maxRelErr(stale[0], direct[0])).toBeGreaterThan(1e-2);
    for (const t of [x, w, b, dy, grad, m, v]) t.dispose();
  });

  it('is invalidated by engine.assign (and by loading weights, which assigns)', () => {
    const { x, w, b, dy } = make();
    const c = filters(e);
    runConv(e, x, w, b, dy, g, true);
    const before = c.transforms;
    const values = new Float32Array(w.size).map((_, i) => Math.sin(i) * 0.2);
    e.assign(w, values);
    const fresh = runConv(e, x, w, b, dy, g, true);
    const direct = runConv(e, x, w, b, dy, g, false);
    expect(c.transforms).toBe(before + 2);
    expect(maxRelErr(fresh[0], direct[0])).toBeLessThan(1e-4);
    expect(maxRelErr(fresh[1], direct[1])).toBeLessThan(1e-4);
    for (const t of [x, w, b, dy]) t.dispose();
  });

  it('frees the filters with the weight, and keeps engine.memory() tensor counts unchanged', () => {
    const c = filters(e);
    const { x, w, b, dy } = make();
    const live = e.memory().liveTensors;
    const bytes = c.bytes;
    runConv(e, x, w, b, dy, g, true);
    expect(c.bytes).toBeGreaterThan(bytes);
    expect(e.memory().liveTensors).toBe(live);
    w.dispose();
    expect(c.bytes).toBe(bytes);
    for (const t of [x, b, dy]) t.dispose();
  });

  it('a training-style sequence (3 forwards, Adam, 3 forwards) matches the direct conv throughout', () => {
    const x = e.randn([2, 8, 9, 11], { seed: 31 });
    const w = e.randn([8, 8, 3, 3], { seed: 32, std: 0.2, requiresGrad: true });
    const m = e.zeros(w.shape);
    const v = e.zeros(w.shape);
    const gg = geometry(2, 8, 9, 11, 8, 1);
    for (let step = 1; step <= 2; step++) {
      for (let k = 0; k < 3; k++) {
        engineCheck(x, w, gg);
      }
      const loss = e.tidy(() => sum(mul(conv2d(x, w, null, { padding: 1 }), x)));
      loss.backward();
      loss.dispose();
      adamUpdate(w, w.grad!, m, v, { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, step });
      w.zeroGrad();
    }
    engineCheck(x, w, gg);
    for (const t of [x, w, m, v]) t.dispose();
  });

  function engineCheck(x: Tensor, w: Tensor, gg: ConvGeometry): void {
    e.resetDispatchReport();
    // Recording (w requires grad): the F(2x2) path of training.
    const y = conv2d(x, w, null, { padding: 1 });
    expect(Object.keys(e.dispatchReport().kernels)).toContain('conv2dWinograd');
    const [ref] = e.runKernel('test', 'conv2d', [x, w, null], [y.shape], { ...gg, hasBias: false });
    expect(maxRelErr(y.dataSync(), ref.dataSync())).toBeLessThan(1e-4);
    const y4 = e.noGrad(() => conv2d(x, w, null, { padding: 1 }));
    expect(maxRelErr(y4.dataSync(), ref.dataSync())).toBeLessThan(1e-4);
    for (const t of [y, y4, ref]) t.dispose();
  }
});
