// Autograd: accumulation, shared inputs, noGrad, freed graphs, leaf grads surviving tidy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AutogradError, add, createEngine, mean, mul, relu, ShapeError, sum, type Engine } from '../../src/index.js';

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ backend: 'wasm' });
});
afterAll(() => engine.dispose());

const seeded = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 131 + i * 7.3) * 2);

describe('autograd', () => {
  it('computes d/dx sum(relu(x) * x) = (x > 0) * 2x', () => {
    const v = seeded(10, 1);
    const x = engine.tensor(v, [10], { requiresGrad: true });
    engine.tidy(() => sum(mul(relu(x), x)).backward());
    const g = x.grad!.dataSync();
    v.forEach((xi, i) => expect(g[i]).toBeCloseTo(xi > 0 ? 2 * xi : 0, 5));
    x.dispose();
  });

  it('accumulates .grad across backward calls like PyTorch and zeroGrad clears it', () => {
    const x = engine.tensor(seeded(6, 2), [6], { requiresGrad: true });
    engine.tidy(() => sum(x).backward());
    engine.tidy(() => sum(x).backward());
    expect(Array.from(x.grad!.dataSync())).toEqual([2, 2, 2, 2, 2, 2]);
    x.zeroGrad();
    expect(x.grad).toBeNull();
    x.dispose();
  });

  it('sums gradients of a tensor used twice (add(x, x))', () => {
    const x = engine.tensor(seeded(5, 3), [5], { requiresGrad: true });
    engine.tidy(() => mean(add(x, x)).backward());
    for (const g of x.grad!.dataSync()) expect(g).toBeCloseTo(2 / 5, 6);
    x.dispose();
  });

  it('passes an accumulated gradient through add to both inputs (a residual connection)', () => {
    const xv = seeded(6, 10);
    const wv = seeded(6, 11);
    const x = engine.tensor(xv, [6], { requiresGrad: true });
    const w = engine.tensor(wv, [6], { requiresGrad: true });
    // a feeds relu and mul, so its gradient is a sum; add's backward then hands it to x and w.
    engine.tidy(() => {
      const a = add(x, w);
      sum(add(relu(a), mul(a, 3))).backward();
    });
    const gx = x.grad!.dataSync();
    const gw = w.grad!.dataSync();
    xv.forEach((xi, i) => {
      const expected = (xi + wv[i] > 0 ? 1 : 0) + 3;
      expect(gx[i]).toBeCloseTo(expected, 5);
      expect(gw[i]).toBeCloseTo(expected, 5);
    });
    x.dispose();
    w.dispose();
  });

  it('records nothing under noGrad', () => {
    const x = engine.tensor(seeded(4, 4), [4], { requiresGrad: true });
    const y = engine.noGrad(() => relu(x));
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    expect(() => y.backward()).toThrow(AutogradError);
    y.dispose();
    x.dispose();
  });

  it('refuses a second backward through a freed graph, allows it with retainGraph', () => {
    const x = engine.tensor(seeded(4, 5), [4], { requiresGrad: true });
    const y = sum(relu(x));
    y.backward(undefined, { retainGraph: true });
    y.backward();
    expect(() => y.backward()).toThrow(/already freed/);
    x.dispose();
  });

  it('requires a gradient for non-scalar outputs and checks its shape', () => {
    const x = engine.tensor(seeded(4, 6), [4], { requiresGrad: true });
    const y = relu(x);
    expect(() => y.backward()).toThrow(ShapeError);
    const wrong = engine.ones([5]);
    expect(() => y.backward(wrong)).toThrow(/gradient must have shape \[4\]/);
    const dy = engine.tensor(seeded(4, 7), [4]);
    y.backward(dy);
    const xv = x.dataSync();
    const dv = dy.dataSync();
    x.grad!.dataSync().forEach((g, i) => expect(g).toBeCloseTo(xv[i] > 0 ? dv[i] : 0, 6));
    expect(dy.isDisposed).toBe(false);
    for (const t of [x, y, dy, wrong]) t.dispose();
  });

  it('leaves no tensors behind: a tidy step keeps only the leaf grads', () => {
    const x = engine.tensor(seeded(64, 8), [64], { requiresGrad: true });
    const w = engine.tensor(seeded(64, 9), [64], { requiresGrad: true });
    const step = () =>
      engine.tidy(() => {
        mean(mul(relu(mul(x, w)), relu(x))).backward();
      });
    step();
    const base = engine.memory();
    for (let i = 0; i < 20; i++) step();
    const after = engine.memory();
    expect(after.liveTensors).toBe(base.liveTensors);
    expect(after.liveBytes).toBe(base.liveBytes);
    expect(after.backends.wasm!.reservedBytes).toBe(base.backends.wasm!.reservedBytes);
    x.dispose();
    w.dispose();
  });
});
