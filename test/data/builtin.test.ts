import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/index.js';
import { builtinDataset, type ImagePair, type RgbImage } from '../../src/data/index.js';
import { formatMeasure, measureTranslation, shapeKeeping, styleStats } from '../../src/data/builtin_measure.js';
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
/** The first n pairs of a test split as two batches [n, 3, h, w] (plane = h * w). */
function batches(ds: ReturnType<typeof builtinDataset>, n: number, plane: number): { a: Float32Array; b: Float32Array } {
  const a = new Float32Array(n * 3 * plane);
  const b = new Float32Array(n * 3 * plane);
  for (let i = 0; i < n; i++) {
    const p = sync(ds.get(i, new Rng(i)));
    a.set(p.A, i * 3 * plane);
    b.set(p.B, i * 3 * plane);
  }
  return { a, b };
}

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

  it('measures whether translations kept the shapes in place and their colours', () => {
    const n = 8;
    const shape = [n, 3, 32, 32];
    const plane = 32 * 32;
    const ds = builtinDataset({ seed: 3, imgHeight: 32, size: n, mode: 'test', unaligned: false });
    const { a, b } = batches(ds, n, plane);
    // An image kept as it is: every shape pixel in place, no hue change.
    expect(shapeKeeping(a, a, shape)).toEqual({ shapeIoU: 1, hueError: 0 });
    // A's shapes restyled as B would draw them (dark background, every other band of rows
    // lightened towards white, the hue kept): still in place, same hue.
    const restyled = new Float32Array(a);
    const bg = (i: number, ch: number): number => a[i * 3 * plane + ch * plane]; // corner pixel
    for (let i = 0; i < n; i++) {
      for (let p = 0; p < plane; p++) {
        const o = i * 3 * plane + p;
        const isShape = [0, 1, 2].some((ch) => Math.abs(a[o + ch * plane] - bg(i, ch)) > 0.5);
        for (let ch = 0; ch < 3; ch++) {
          const v = a[o + ch * plane];
          const light = Math.floor(p / 32 / (BUILTIN_STYLE.stripePeriod / 2)) % 2 === 1;
          restyled[o + ch * plane] = !isShape ? -0.8 : light ? v + 0.8 * (1 - v) : v;
        }
      }
    }
    const k = shapeKeeping(a, restyled, shape);
    expect(k.shapeIoU).toBeGreaterThan(0.95);
    expect(k.hueError).toBeLessThan(3);
    // Shapes moved: another image's shapes (B's) overlap little; a flat image has none left.
    expect(shapeKeeping(a, b, shape).shapeIoU).toBeLessThan(0.6);
    expect(shapeKeeping(a, new Float32Array(a.length).fill(0.9), shape)).toEqual({ shapeIoU: 0, hueError: 180 });
    // A hue rotation (RGB -> GBR, 120 degrees) keeps the shapes and reads as 120 degrees off.
    const rotated = new Float32Array(a.length);
    for (let i = 0; i < n; i++) {
      for (let ch = 0; ch < 3; ch++) rotated.set(a.subarray(i * 3 * plane + ((ch + 1) % 3) * plane, i * 3 * plane + ((ch + 1) % 3 + 1) * plane), i * 3 * plane + ch * plane);
    }
    const r = shapeKeeping(a, rotated, shape);
    expect(r.shapeIoU).toBeGreaterThan(0.9);
    expect(r.hueError).toBeGreaterThan(100);
    expect(() => shapeKeeping(a, b.subarray(1), shape)).toThrow(/output/);
  });

  it('draws stripes on the background when asked, and the chroma rule still finds the shapes', () => {
    const n = 8;
    const plane = 32 * 32;
    const shape = [n, 3, 32, 32];
    const ds = builtinDataset({ seed: 5, imgHeight: 32, size: n, mode: 'test', unaligned: false, style: { stripesOn: 'background', stripePeriod: 8, maxShapes: 1 } });
    const { a, b } = batches(ds, n, plane);
    const sa = styleStats(a, shape, 8);
    const sb = styleStats(b, shape, 8);
    expect(sb.stripes).toBeGreaterThan(2 * sa.stripes);
    expect(sb.background).toBeLessThan(0.3); // three quarters of the rows are dark
    expect(sa.background).toBeGreaterThan(0.8);
    // B's top-left pixel column: light rows every 8, the rest dark, wherever no shape is.
    const img = ds.image('B', 0);
    const rows = Array.from({ length: 32 }, (_, y) => img.data[y * 32 * 3]);
    expect(rows.filter((v) => v > 150).length).toBeGreaterThanOrEqual(6);
    expect(rows.filter((v) => v < 80).length).toBeGreaterThanOrEqual(16);
    // A's shapes on B's striped background (each pixel: A's where A has a shape, else B's
    // background row): the chroma rule finds exactly A's shapes; the border rule takes the
    // light stripes for shapes too.
    const onStripes = new Float32Array(a);
    for (let i = 0; i < n; i++) {
      for (let p = 0; p < plane; p++) {
        const o = i * 3 * plane + p;
        const colourful = Math.max(...[0, 1, 2].map((ch) => a[o + ch * plane])) - Math.min(...[0, 1, 2].map((ch) => a[o + ch * plane])) > 0.6;
        const row = Math.floor(p / 32);
        for (let ch = 0; ch < 3; ch++) if (!colourful) onStripes[o + ch * plane] = b[i * 3 * plane + ch * plane + row * 32];
      }
    }
    expect(shapeKeeping(a, onStripes, shape, 'chroma').shapeIoU).toBeGreaterThan(0.95);
    expect(shapeKeeping(a, onStripes, shape, 'border').shapeIoU).toBeLessThan(0.8);
  });

  it("draws bold, even background stripes with backgroundStripeShare 0.5 (the demo's), which the measure tells apart from A", () => {
    const n = 8;
    const plane = 32 * 32;
    const shape = [n, 3, 32, 32];
    const style = { stripesOn: 'background' as const, stripePeriod: 8, maxShapes: 1, backgroundStripeShare: 0.5 };
    const ds = builtinDataset({ seed: 5, imgHeight: 32, size: n, mode: 'test', unaligned: false, style });
    const { a, b } = batches(ds, n, plane);
    // Left column of each B image: 4 light rows in every 8, wherever no shape covers it.
    for (let i = 0; i < n; i++) {
      const img = ds.image('B', i);
      const rows = Array.from({ length: 32 }, (_, y) => img.data[y * 32 * 3]);
      expect(rows.filter((v) => v > 150).length, `image ${i}`).toBeLessThanOrEqual(16);
      expect(rows.filter((v) => v < 80).length, `image ${i}`).toBeLessThanOrEqual(16);
    }
    const sa = styleStats(a, shape, 8);
    const sb = styleStats(b, shape, 8);
    expect(sb.stripes).toBeGreaterThan(4 * sa.stripes);
    // Half of the border is light, half dark: the measure's background (the border's dark
    // level) reads B's dark rows; a uniform mid-grey image reads half way to A's light.
    expect(sb.background).toBeLessThan(0.25);
    expect(sa.background).toBeGreaterThan(0.8);
    const grey = styleStats(new Float32Array(a.length).fill(0), shape, 8).background;
    expect(grey).toBeCloseTo(0.5, 6);
    expect(() => builtinDataset({ style: { backgroundStripeShare: 1 } })).toThrow(/backgroundStripeShare/);
  });

  it('takes a style, each field checked', () => {
    const thin = builtinDataset({ seed: 1, imgHeight: 32, size: 4, style: { stripePeriod: 4, maxShapes: 2 } });
    expect(thin.style).toEqual({ ...BUILTIN_STYLE, stripePeriod: 4, maxShapes: 2 });
    const thick = builtinDataset({ seed: 1, imgHeight: 32, size: 4, style: { stripePeriod: 8, maxShapes: 2 } });
    expect(thin.image('B', 0).data).not.toEqual(thick.image('B', 0).data);
    // The period only changes B; A's flat shapes are the same.
    expect(thin.image('A', 0).data).toEqual(thick.image('A', 0).data);
    expect(() => builtinDataset({ style: { stripePeriod: 5 } })).toThrow(/stripePeriod/);
    expect(() => builtinDataset({ style: { maxShapes: 0 } })).toThrow(/maxShapes/);
    expect(() => builtinDataset({ style: { radius: [0.3, 0.2] } })).toThrow(/radius/);
    expect(() => builtinDataset({ style: { stripeLightness: 2 } })).toThrow(/stripeLightness/);
    expect(() => builtinDataset({ style: { stripes: 4 } as never })).toThrow(/stripes/);
    expect(() => builtinDataset({ style: { stripesOn: 'shape' as never } })).toThrow(/stripesOn/);
  });

  it('rejects bad options', () => {
    expect(() => builtinDataset({ size: 0 })).toThrow(/size/);
    expect(() => builtinDataset({ seed: 0.5 })).toThrow(/seed/);
    expect(() => builtinDataset({ imgHeight: -3 })).toThrow(/imgHeight/);
  });
});
