// Seeded random tensors (kernels randomUniform, randomNormal): what PyTorch cannot be compared
// on. The stream is Philox-4x32-10 (specified in assembly/random.ts): determinism per seed,
// independence of seeds, known answers, and the statistics of the samples.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/index.js';

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ backend: 'wasm' });
});
afterAll(() => engine.dispose());

function moments(v: Float32Array): { mean: number; std: number; skew: number; kurt: number } {
  let m = 0;
  for (const x of v) m += x;
  m /= v.length;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (const x of v) {
    const d = x - m;
    m2 += d * d;
    m3 += d * d * d;
    m4 += d * d * d * d;
  }
  m2 /= v.length;
  m3 /= v.length;
  m4 /= v.length;
  return { mean: m, std: Math.sqrt(m2), skew: m3 / m2 ** 1.5, kurt: m4 / (m2 * m2) };
}

const sample = (f: () => ReturnType<Engine['rand']>): Float32Array =>
  engine.tidy(() => f().dataSync());

describe('randomUniform (engine.rand)', () => {
  it('reproduces the Philox-4x32-10 known-answer vector (Random123) for seed 0', () => {
    // Key (0, 0), counter (0, 0, 0, 0) -> 6627e8d5 e169c58d bc57ac4c 9b00dbd8; u = (w >>> 8) * 2^-24.
    const u = sample(() => engine.rand([4], { seed: 0 }));
    expect(Array.from(u, (x) => x * 2 ** 24)).toEqual([0x6627e8, 0xe169c5, 0xbc57ac, 0x9b00db]);
  });

  it('is deterministic per seed and element i depends only on (seed, i)', () => {
    const a = sample(() => engine.rand([1000], { seed: 42 }));
    const b = sample(() => engine.rand([1000], { seed: 42 }));
    expect(b).toEqual(a);
    // A prefix of any length (tails not multiples of 4 or 16) and any shape gives the same values.
    for (const n of [1, 3, 15, 16, 17, 33, 999]) {
      expect(sample(() => engine.rand([n], { seed: 42 }))).toEqual(a.subarray(0, n));
    }
    expect(sample(() => engine.rand([3, 5, 7], { seed: 42 }))).toEqual(a.subarray(0, 105));
  });

  it('gives different streams for different seeds', () => {
    const seeds = [0, 1, 2, 0x7fffffff, 0x80000000, 0xffffffff];
    const streams = seeds.map((seed) => sample(() => engine.rand([256], { seed })));
    for (let i = 0; i < seeds.length; i++) {
      for (let j = i + 1; j < seeds.length; j++) {
        let same = 0;
        for (let k = 0; k < 256; k++) if (streams[i][k] === streams[j][k]) same++;
        expect(same, `seeds ${seeds[i]} and ${seeds[j]}`).toBeLessThan(2);
      }
    }
  });

  it('draws 24-bit values in [0, 1) with uniform statistics', () => {
    const n = 100_000;
    const u = sample(() => engine.rand([n], { seed: 7 }));
    const buckets = new Array<number>(10).fill(0);
    let outside = 0;
    for (const x of u) {
      if (!(x >= 0 && x < 1 && Number.isInteger(x * 2 ** 24))) outside++;
      else buckets[Math.floor(x * 10)]++;
    }
    expect(outside).toBe(0);
    const { mean, std } = moments(u);
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005); // standard error 0.0009
    expect(Math.abs(std - Math.sqrt(1 / 12))).toBeLessThan(0.005);
    for (const c of buckets) expect(Math.abs(c / n - 0.1)).toBeLessThan(0.005); // s.e. 0.00095
    // Neighbours are uncorrelated (a counter hash could fail this where a stream does not).
    let cov = 0;
    for (let i = 1; i < n; i++) cov += (u[i] - 0.5) * (u[i - 1] - 0.5);
    expect(Math.abs(cov / (n - 1) / (1 / 12))).toBeLessThan(0.02);
  });

  it('advances the engine stream without a seed, reproducibly from createEngine({ seed })', async () => {
    const a = await createEngine({ backend: 'wasm', seed: 5 });
    const b = await createEngine({ backend: 'wasm', seed: 5 });
    const c = await createEngine({ backend: 'wasm', seed: 6 });
    const a1 = a.rand([64]).dataSync();
    const a2 = a.rand([64]).dataSync();
    expect(a2).not.toEqual(a1);
    expect(b.rand([64]).dataSync()).toEqual(a1);
    expect(b.rand([64]).dataSync()).toEqual(a2);
    expect(c.rand([64]).dataSync()).not.toEqual(a1);
    for (const x of [a, b, c]) x.dispose();
  });

  it('handles empty and 1-element shapes', () => {
    expect(sample(() => engine.rand([0], { seed: 1 })).length).toBe(0);
    expect(sample(() => engine.rand([], { seed: 1 })).length).toBe(1);
  });
});

describe('randomNormal (engine.randn)', () => {
  it('is deterministic per seed, prefix-stable, and seeds differ', () => {
    const a = sample(() => engine.randn([1001], { seed: 11 }));
    expect(sample(() => engine.randn([1001], { seed: 11 }))).toEqual(a);
    for (const n of [1, 2, 5, 17, 31]) expect(sample(() => engine.randn([n], { seed: 11 }))).toEqual(a.subarray(0, n));
    const b = sample(() => engine.randn([1001], { seed: 12 }));
    let same = 0;
    for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
    expect(same).toBeLessThan(2);
  });

  it('is Box-Muller over consecutive uniform pairs of the same seed', () => {
    const u = sample(() => engine.rand([64], { seed: 3 }));
    const z = sample(() => engine.randn([64], { seed: 3 }));
    for (let i = 0; i < 64; i++) {
      const p = i & ~1;
      const r = Math.sqrt(-2 * Math.log(1 - u[p]));
      const t = 2 * Math.PI * u[p + 1];
      const want = i % 2 === 0 ? r * Math.cos(t) : r * Math.sin(t);
      expect(Math.abs(z[i] - want)).toBeLessThan(1e-5 * Math.max(1, Math.abs(want)));
    }
  });

  it('has standard normal statistics over 100k samples', () => {
    const n = 100_000;
    const z = sample(() => engine.randn([n], { seed: 2024 }));
    const { mean, std, skew, kurt } = moments(z);
    expect(Math.abs(mean)).toBeLessThan(0.015); // standard error 0.0032
    expect(Math.abs(std - 1)).toBeLessThan(0.01); // s.e. 0.0022
    expect(Math.abs(skew)).toBeLessThan(0.04); // s.e. 0.0077
    expect(Math.abs(kurt - 3)).toBeLessThan(0.08); // s.e. 0.015
    let within1 = 0;
    let within2 = 0;
    let nonFinite = 0;
    for (const x of z) {
      if (!Number.isFinite(x)) nonFinite++;
      if (Math.abs(x) < 1) within1++;
      if (Math.abs(x) < 2) within2++;
    }
    expect(nonFinite).toBe(0);
    expect(Math.abs(within1 / n - 0.6827)).toBeLessThan(0.01);
    expect(Math.abs(within2 / n - 0.9545)).toBeLessThan(0.005);
    // Even and odd elements (cosine and sine halves of a pair) are uncorrelated.
    let cov = 0;
    for (let i = 0; i < n; i += 2) cov += z[i] * z[i + 1];
    expect(Math.abs(cov / (n / 2))).toBeLessThan(0.03);
  });

  it('applies mean and std', () => {
    const z = sample(() => engine.randn([100_000], { seed: 9, mean: 3, std: 0.02 }));
    const m = moments(z);
    expect(Math.abs(m.mean - 3)).toBeLessThan(0.001);
    expect(Math.abs(m.std - 0.02)).toBeLessThan(0.0005);
    const base = sample(() => engine.randn([16], { seed: 9 }));
    base.forEach((x, i) => expect(z[i]).toBeCloseTo(3 + 0.02 * x, 6));
  });
});
