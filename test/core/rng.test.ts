import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/index.js';

describe('Rng', () => {
  it('is deterministic per seed and differs across seeds', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const c = new Rng(8);
    const xs = Array.from({ length: 5 }, () => a.nextU32());
    expect(Array.from({ length: 5 }, () => b.nextU32())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.nextU32())).not.toEqual(xs);
  });

  it('restores its state exactly', () => {
    const r = new Rng(3);
    r.next();
    const saved = r.getState();
    const ahead = [r.next(), r.nextInt(10), r.next()];
    r.setState(saved);
    expect([r.next(), r.nextInt(10), r.next()]).toEqual(ahead);
    expect(() => r.setState([1, 2, 3])).toThrow(RangeError);
  });

  it('draws uniform values in [0, 1) with the right mean', () => {
    const r = new Rng(11);
    let sum = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) {
      const v = r.next();
      expect(v >= 0 && v < 1).toBe(true);
      sum += v;
    }
    expect(Math.abs(sum / n - 0.5)).toBeLessThan(0.005);
    const counts = new Array(10).fill(0);
    for (let i = 0; i < n; i++) counts[r.nextInt(10)]++;
    for (const k of counts) expect(Math.abs(k / n - 0.1)).toBeLessThan(0.005);
  });
});
