import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/index.js';
import { EmptyDomainError, InMemoryDataset, InvalidImageError, type ImagePair } from '../../src/data/index.js';
import { patternRgba } from './helpers.js';

// Small RGBA images whose blue channel encodes the image id, to tell which one was drawn.
const make = (id: number) => ({ data: patternRgba(10, 10, id), width: 10, height: 10 });
const A = [0, 1, 2].map(make);
const B = [10, 11, 12, 13, 14].map(make);

const sync = (p: ImagePair | Promise<ImagePair>): ImagePair => {
  expect(p).not.toBeInstanceOf(Promise);
  return p as ImagePair;
};

describe('InMemoryDataset', () => {
  it('has length max(|A|, |B|) and the sample shape', () => {
    const ds = new InMemoryDataset({ A, B }, { imgHeight: 8 });
    expect([ds.length, ds.channels, ds.height, ds.width]).toEqual([5, 3, 8, 8]);
  });

  it('unaligned sampling is deterministic per seed and draws B at random', () => {
    const run = (seed: number) => {
      const ds = new InMemoryDataset({ A, B }, { imgHeight: 8 });
      const rng = new Rng(seed);
      return Array.from({ length: 12 }, (_, i) => sync(ds.get(i, rng)));
    };
    const a = run(5);
    const b = run(5);
    const c = run(6);
    expect(a).toEqual(b);
    expect(a.map((p) => Array.from(p.B))).not.toEqual(c.map((p) => Array.from(p.B)));
  });

  it('picks B with rng.nextInt(|B|) when unaligned and index % |B| when aligned', () => {
    const tensors = (ids: number[]) => ids.map((id) => new Float32Array(3 * 4 * 4).fill(id / 100));
    const ta = tensors([0, 1, 2]);
    const tb = tensors([10, 11, 12, 13, 14]);
    const un = new InMemoryDataset({ A: ta, B: tb }, { imgHeight: 4, transform: 'eval' });
    const rng = new Rng(9);
    const mirror = new Rng(9);
    for (let i = 0; i < 10; i++) {
      const p = sync(un.get(i, rng));
      expect(p.A[0]).toBeCloseTo((i % 3) / 100, 6);
      expect(p.B[0]).toBeCloseTo((10 + mirror.nextInt(5)) / 100, 6);
    }
    const al = new InMemoryDataset({ A: ta, B: tb }, { imgHeight: 4, unaligned: false, transform: 'eval' });
    for (let i = 0; i < 10; i++) expect(sync(al.get(i, rng)).B[0]).toBeCloseTo((10 + (i % 5)) / 100, 6);
  });

  it('takes CHW float tensors at the sample size, flipping them in train mode', () => {
    const t = new Float32Array(3 * 2 * 3).map((_, i) => (i % 3) / 3 - 0.5);
    const ds = new InMemoryDataset({ A: [t], B: [t] }, { imgHeight: 2, imgWidth: 3 });
    const seen = new Set<string>();
    const rng = new Rng(1);
    for (let i = 0; i < 20; i++) seen.add(Array.from(sync(ds.get(0, rng)).A.subarray(0, 3)).join(','));
    expect(seen.size).toBe(2); // as given, and mirrored
    expect(() => new InMemoryDataset({ A: [new Float32Array(5)], B: [t] }, { imgHeight: 2, imgWidth: 3 }).get(0, rng)).toThrow(/A\[0\]/);
    const bad = new Float32Array(18).fill(2);
    expect(() => new InMemoryDataset({ A: [t], B: [bad] }, { imgHeight: 2, imgWidth: 3, unaligned: false }).get(0, rng)).toThrow(InvalidImageError);
  });

  it('rejects empty domains and malformed images, naming them', () => {
    expect(() => new InMemoryDataset({ A, B: [] })).toThrow(EmptyDomainError);
    expect(() => new InMemoryDataset({ A: [], B })).toThrow(/domain A/);
    const broken = { data: new Uint8Array(7), width: 10, height: 10 };
    expect(() => new InMemoryDataset({ A, B: [B[0], broken] })).toThrow(/B\[1\]/);
  });

  it('rejects bad indices and options', () => {
    const ds = new InMemoryDataset({ A, B }, { imgHeight: 8 });
    expect(() => ds.get(-1, new Rng(0))).toThrow(/index/);
    expect(() => ds.get(1.5, new Rng(0))).toThrow(/index/);
    expect(() => new InMemoryDataset({ A, B }, { imgHeight: 0 })).toThrow(/imgHeight/);
  });

  it('offers one-channel (luma) samples', () => {
    const ds = new InMemoryDataset({ A, B }, { imgHeight: 8, channels: 1 });
    expect(sync(ds.get(0, new Rng(0))).A.length).toBe(64);
  });
});
