// dropout: mask values, kept fraction, y = x * mask, dx = dy * mask, seeding, eval identity.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttributeError, createEngine, dropout, sum, mul, type Engine, type Tensor } from '../../src/index.js';

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ backend: 'wasm' });
});
afterAll(() => engine.dispose());

/** The mask a dropout output implies: y / x, from a nonzero x. */
function maskOf(x: Float32Array, y: Float32Array): Float32Array {
  return Float32Array.from(y, (v, i) => (v === 0 ? 0 : v / x[i]));
}

describe('dropout', () => {
  for (const p of [0.2, 0.5, 0.8]) {
    it(`p = ${p}: mask in {0, 1/(1-p)}, kept fraction ~ 1-p, y = x * mask`, () => {
      const n = 100_003; // not a multiple of 16: the tail path runs too
      engine.tidy(() => {
        const x = engine.randn([n], { seed: 1, mean: 2 }); // |x| > 0: zeros in y come from the mask
        const xd = x.dataSync();
        const y = dropout(x, { p, seed: 77 }).dataSync();
        const scale = Math.fround(1 / (1 - p));
        let kept = 0;
        let wrong = 0;
        for (let i = 0; i < n; i++) {
          if (y[i] === 0) continue;
          kept++;
          if (y[i] !== Math.fround(xd[i] * scale)) wrong++;
        }
        expect(wrong).toBe(0);
        // Binomial standard error sqrt(p(1-p)/n) <= 0.0016.
        expect(Math.abs(kept / n - (1 - p))).toBeLessThan(0.01);
      });
    });
  }

  it('draws the mask from the uniform stream of its seed: keep where u >= p', () => {
    engine.tidy(() => {
      const n = 1000;
      const u = engine.rand([n], { seed: 123 }).dataSync();
      const x = engine.randn([n], { seed: 2, mean: 3 });
      const m = maskOf(x.dataSync(), dropout(x, { p: 0.3, seed: 123 }).dataSync());
      for (let i = 0; i < n; i++) expect(m[i] !== 0).toBe(u[i] >= Math.fround(0.3));
    });
  });

  it('backward: dx = dy * mask, the mask saved by the forward', () => {
    engine.tidy(() => {
      const n = 37;
      const x = engine.randn([3, n], { seed: 4, mean: 1, requiresGrad: true });
      const y = dropout(x, { p: 0.4, seed: 9 });
      const dy = engine.randn([3, n], { seed: 5 });
      y.backward(dy);
      const mask = maskOf(x.dataSync(), y.dataSync());
      const dyd = dy.dataSync();
      const dx = x.grad!.dataSync();
      for (let i = 0; i < 3 * n; i++) expect(dx[i]).toBe(Math.fround(dyd[i] * (mask[i] === 0 ? 0 : Math.fround(1 / 0.6))));
      x.zeroGrad();
    });
  });

  it('frees its saved mask with the graph (no leaked tensors)', () => {
    const x = engine.randn([64], { seed: 1, requiresGrad: true });
    const before = engine.memory().liveTensors;
    engine.tidy(() => sum(mul(dropout(x, { p: 0.5, seed: 3 }), 2)).backward());
    x.zeroGrad();
    expect(engine.memory().liveTensors).toBe(before);
    // Without grad recording the mask is not kept at all.
    const y = engine.noGrad(() => dropout(x, { seed: 3 }));
    expect(engine.memory().liveTensors).toBe(before + 1);
    y.dispose();
    x.dispose();
  });

  it('is deterministic per seed; without a seed it draws from the engine stream', async () => {
    const e1 = await createEngine({ backend: 'wasm', seed: 10 });
    const e2 = await createEngine({ backend: 'wasm', seed: 10 });
    const run = (e: Engine, seed?: number): Float32Array =>
      e.tidy(() => dropout(e.ones([256]), { p: 0.5, seed }).dataSync());
    expect(run(e1, 8)).toEqual(run(e2, 8));
    expect(run(e1, 8)).not.toEqual(run(e1, 9));
    const a = run(e1);
    const b = run(e1);
    expect(b).not.toEqual(a); // each call draws a new seed
    expect(run(e2)).toEqual(a); // the same sequence from the same engine seed
    expect(run(e2)).toEqual(b);
    e1.dispose();
    e2.dispose();
  });

  it('is the identity in eval mode and for p = 0: same values, gradient passes through', () => {
    for (const options of [{ training: false }, { p: 0 }, { training: false, p: 0.9 }]) {
      const x = engine.randn([2, 5, 3], { seed: 6, requiresGrad: true });
      const y = dropout(x, options);
      expect(y.shape).toEqual(x.shape);
      expect(y.dataSync()).toEqual(x.dataSync());
      const dy = engine.randn([2, 5, 3], { seed: 8 });
      y.backward(dy);
      expect(x.grad!.dataSync()).toEqual(dy.dataSync());
      // Disposing the output leaves x usable.
      y.dispose();
      expect(x.dataSync().length).toBe(30);
      for (const t of [x, dy] as Tensor[]) t.dispose();
    }
  });

  it('draws no seed from the engine stream in eval mode (like PyTorch, which draws no mask)', async () => {
    const a = await createEngine({ backend: 'wasm', seed: 3 });
    const b = await createEngine({ backend: 'wasm', seed: 3 });
    a.tidy(() => dropout(a.ones([8]), { training: false }));
    expect(a.rand([8]).dataSync()).toEqual(b.rand([8]).dataSync());
    a.dispose();
    b.dispose();
  });

  it('rejects p outside [0, 1), bad training flags and bad seeds with AttributeError', () => {
    const x = engine.ones([4]);
    for (const p of [-0.1, 1, 1.5, Number.NaN]) expect(() => dropout(x, { p })).toThrow(AttributeError);
    expect(() => dropout(x, { training: 'yes' as unknown as boolean })).toThrow(AttributeError);
    for (const seed of [-1, 0.5, 2 ** 32]) expect(() => dropout(x, { seed })).toThrow(AttributeError);
    x.dispose();
  });
});
