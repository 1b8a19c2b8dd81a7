import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/index.js';
import { builtinDataset, type ImagePair, type RgbImage } from '../../src/data/index.js';
import { formatMeasure, measureTranslation, styleStats } from '../../src/data/builtin_measure.js';
import { BUILTIN_STYLE } from '../../src/data/builtin_draw.js';

/** The stripes' period in pixels, and half of it. */
const P = BUILTIN_STYLE.stripePeriod;
const H = P / 2;

const sync = (p: ImagePair | Promise<ImagePair>): ImagePair => {
  expect(p).not.toBeInstanceOf(Promise);
  return p as ImagePair;
};

/** Exact equality of two samples, compared as bytes (deep-equal on big typed arrays is slow). */
const same = (a: ImagePair, b: ImagePair): boolean =>
  Buffer.from(a.A.buffer).equals(Buffer.from(b.A.buffer)) && Buffer.from(a.B.buffer).equals(Buffer.from(b.B.buffer));
const inRange = (t: Float32Array): boolean => t.every((v) => v >= -1 && v <= 1);

const mean = (img: RgbImage): number => img.data.reduce((s, v) => s + v, 0) / img.data.length;

/** Mean |I(p) - I(p + d)| over the image, summed over channels. */
function contrast(img: RgbImage, dx: number, dy: number): number {
  const { data, width: w, height: h } = img;
  let sum = 0;
  let n = 0;
  for (let y = Math.max(0, -dy); y < h - Math.max(0, dy); y++) {
    for (let x = Math.max(0, -dx); x < w - Math.max(0, dx); x++) {
      for (let c = 0; c < 3; c++) sum += Math.abs(data[(y * w + x) * 3 + c] - data[((y + dy) * w + x + dx) * 3 + c]);
      n++;
    }
  }
  return sum / n;
}

describe('builtinDataset', () => {
  it('has the documented defaults and returns samples synchronously', () => {
    const ds = builtinDataset();
    expect([ds.length, ds.channels, ds.height, ds.width]).toEqual([200, 3, 64, 64]);
    const p = sync(ds.get(0, new Rng(0)));
    expect(p.A.length).toBe(3 * 64 * 64);
    expect(inRange(p.A) && inRange(p.B)).toBe(true);
    const small = builtinDataset({ imgHeight: 32, imgWidth: 48, size: 7 });
    expect([small.length, small.height, small.width, sync(small.get(6, new Rng(0))).B.length]).toEqual([7, 32, 48, 3 * 32 * 48]);
  });

  it('is deterministic per seed; seeds and splits give different images', () => {
    const a = builtinDataset({ seed: 4, size: 10 });
    const b = builtinDataset({ seed: 4, size: 10 });
    const r1 = new Rng(1);
    const r2 = new Rng(1);
    for (let i = 0; i < 10; i++) expect(same(sync(a.get(i, r1)), sync(b.get(i, r2)))).toBe(true);
    expect(builtinDataset({ seed: 5 }).image('A', 0).data).not.toEqual(a.image('A', 0).data);
    expect(builtinDataset({ seed: 4, mode: 'test' }).image('A', 0).data).not.toEqual(a.image('A', 0).data);
    expect(a.image('A', 1).data).not.toEqual(a.image('A', 0).data);
  });

  it('draws B at random from the rng (unaligned) or by index (aligned)', () => {
    const ds = builtinDataset({ seed: 2, size: 6, unaligned: false });
    const p = sync(ds.get(3, new Rng(0)));
    const again = sync(builtinDataset({ seed: 2, size: 6, unaligned: false }).get(3, new Rng(99)));
    expect(same(p, again)).toBe(true);
    const un = builtinDataset({ seed: 2, size: 6 });
    const bs = new Set(Array.from({ length: 20 }, (_, i) => sync(un.get(i % 6, new Rng(i))).B.slice(0, 64).join()));
    expect(bs.size).toBeGreaterThan(2);
  });

  it('domains differ in style: A light and flat, B dark and striped', () => {
    const ds = builtinDataset({ seed: 0 });
    let textureA = 0;
    let textureB = 0;
    for (let i = 0; i < 20; i++) {
      const a = ds.image('A', i);
      const b = ds.image('B', i);
      expect(mean(a)).toBeGreaterThan(mean(b) + 60);
      // Stripes are horizontal with a period of P pixels: their contrast shows P/2 rows apart
      // (half a period), not P rows apart (a whole period) nor along them (+P/2, 0). Shape
      // edges give twice the contrast at P rows as at P/2, so half of it is taken off.
      textureA += contrast(a, 0, H) - contrast(a, 0, P) / 2;
      textureB += contrast(b, 0, H) - contrast(b, 0, P) / 2;
      expect(contrast(b, 0, H)).toBeGreaterThan(2 * contrast(b, H, 0));
    }
    expect(textureB / 20).toBeGreaterThan(10);
    expect(Math.abs(textureA / 20)).toBeLessThan(2);
  });

  it('the style measure tells the domains apart on stripes and background', () => {
    const ds = builtinDataset({ seed: 1, imgHeight: 32, size: 12, mode: 'test', unaligned: false });
    const n = 12;
    const a = new Float32Array(n * 3 * 32 * 32);
    const b = new Float32Array(n * 3 * 32 * 32);
    for (let i = 0; i < n; i++) {
      const p = sync(ds.get(i, new Rng(i)));
      a.set(p.A, i * 3 * 32 * 32);
      b.set(p.B, i * 3 * 32 * 32);
    }
    const sa = styleStats(a, [n, 3, 32, 32]);
    const sb = styleStats(b, [n, 3, 32, 32]);
    expect(sb.stripes).toBeGreaterThan(3 * sa.stripes);
    expect(sa.background).toBeGreaterThan(0.8);
    expect(sb.background).toBeLessThan(0.2);
    // Real B measured as a "translation" of A is all the way there; A of itself, none of it.
    const there = measureTranslation('AtoB', sa, sb, sb);
    expect([there.stripes.progress, there.background.progress]).toEqual([1, 1]);
    const none = measureTranslation('AtoB', sa, sa, sb);
    expect(none.stripes.progress).toBeCloseTo(0, 12);
    expect(none.background.progress).toBeCloseTo(0, 12);
    expect(formatMeasure(there)[0]).toMatch(/^A->B stripes .*\(real A\) -> .*\(fake B\); real B .*: 100% of the way$/);
    expect(() => styleStats(a, [n, 3, 32])).toThrow(/shape/);
  });

  it('rejects bad options', () => {
    expect(() => builtinDataset({ size: 0 })).toThrow(/size/);
    expect(() => builtinDataset({ seed: 0.5 })).toThrow(/seed/);
    expect(() => builtinDataset({ imgHeight: -3 })).toThrow(/imgHeight/);
  });
});
