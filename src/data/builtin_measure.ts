// How far translations moved between the built-in dataset's two domains (src/data/builtin_draw.ts),
// measured on the two things that tell the domains apart:
//   stripes:    the local amplitude of a vertical pattern with the stripes' period (B's texture):
//               per column, the magnitude of the discrete Fourier coefficient at that period over
//               windows of two periods, averaged over every window; flat shapes give ~0.01, B ~0.2;
//   background: the median luminance of the image's outermost ring of pixels (A light, B dark).
// Both are computed on luminance in [0, 1]. For a direction (A->B, say), progress is
// (fake B - real A) / (real B - real A) per statistic: 0 when the translations kept the source
// domain's look, 1 when they match the target domain's on average.
import { AttributeError } from '../errors.js';
import { BUILTIN_STYLE } from './builtin_draw.js';

export interface StyleStats {
  /** Mean local amplitude of the stripes' period, luminance units (0: no such stripes). */
  stripes: number;
  /** Mean over images of the median luminance of the border ring, in [0, 1]. */
  background: number;
}

/** Luminance in [0, 1] of image `i` of a [n, c, h, w] batch in [-1, 1] (Rec. 601 weights). */
function luminance(batch: Float32Array, i: number, c: number, h: number, w: number): Float32Array {
  const plane = h * w;
  const out = new Float32Array(plane);
  const base = i * c * plane;
  for (let p = 0; p < plane; p++) {
    const v =
      c >= 3 ? 0.299 * batch[base + p] + 0.587 * batch[base + plane + p] + 0.114 * batch[base + 2 * plane + p] : batch[base + p];
    out[p] = Math.min(1, Math.max(0, (v + 1) / 2));
  }
  return out;
}

/** Mean over columns and windows of two periods of |DFT coefficient at 1/period| / window length. */
function stripeAmplitude(lum: Float32Array, h: number, w: number, period: number): number {
  const win = 2 * period;
  if (h < win) return 0;
  const cos = Array.from({ length: win }, (_, k) => Math.cos((2 * Math.PI * k) / period));
  const sin = Array.from({ length: win }, (_, k) => Math.sin((2 * Math.PI * k) / period));
  let sum = 0;
  let count = 0;
  for (let x = 0; x < w; x++) {
    for (let y0 = 0; y0 + win <= h; y0++) {
      let re = 0;
      let im = 0;
      for (let k = 0; k < win; k++) {
        const v = lum[(y0 + k) * w + x];
        re += v * cos[k];
        im -= v * sin[k];
      }
      // A square wave between a and b has a fundamental of (2/pi)|a - b|; this scales the
      // coefficient so that full stripes between a and b read as about |a - b|.
      sum += (Math.hypot(re, im) / win) * (Math.PI / 2) * 2;
      count++;
    }
  }
  return sum / count;
}

function borderMedian(lum: Float32Array, h: number, w: number): number {
  const ring: number[] = [];
  for (let x = 0; x < w; x++) ring.push(lum[x], lum[(h - 1) * w + x]);
  for (let y = 1; y < h - 1; y++) ring.push(lum[y * w], lum[y * w + w - 1]);
  ring.sort((a, b) => a - b);
  return ring[Math.floor(ring.length / 2)];
}

/** The two style statistics, averaged over a [n, c, h, w] batch of images in [-1, 1]. */
export function styleStats(batch: Float32Array, shape: readonly number[], period: number = BUILTIN_STYLE.stripePeriod): StyleStats {
  if (shape.length !== 4 || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new AttributeError('styleStats', 'shape', '[n, c, h, w] of positive integers', JSON.stringify(shape));
  }
  const [n, c, h, w] = shape;
  if (batch.length !== n * c * h * w) throw new AttributeError('styleStats', 'batch', `${n * c * h * w} values`, `${batch.length}`);
  if (!Number.isInteger(period) || period < 2) throw new AttributeError('styleStats', 'period', 'an integer >= 2', String(period));
  let stripes = 0;
  let background = 0;
  for (let i = 0; i < n; i++) {
    const lum = luminance(batch, i, c, h, w);
    stripes += stripeAmplitude(lum, h, w, period);
    background += borderMedian(lum, h, w);
  }
  return { stripes: stripes / n, background: background / n };
}

export interface StatProgress {
  source: number;
  fake: number;
  target: number;
  /** (fake - source) / (target - source): 0 = still the source's look, 1 = the target's. */
  progress: number;
}

export interface TranslationMeasure {
  direction: 'AtoB' | 'BtoA';
  stripes: StatProgress;
  background: StatProgress;
}

const progressOf = (source: number, fake: number, target: number): StatProgress => ({
  source,
  fake,
  target,
  progress: target !== source ? (fake - source) / (target - source) : NaN,
});

/** How far the translations (fake) of source images moved towards the target domain's statistics. */
export function measureTranslation(direction: 'AtoB' | 'BtoA', source: StyleStats, fake: StyleStats, target: StyleStats): TranslationMeasure {
  return {
    direction,
    stripes: progressOf(source.stripes, fake.stripes, target.stripes),
    background: progressOf(source.background, fake.background, target.background),
  };
}

/** One line per statistic, e.g. "A->B stripes 0.01 (real A) -> 0.18 (fake B); real B 0.20: 89% of the way". */
export function formatMeasure(m: TranslationMeasure): string[] {
  const [src, dst] = m.direction === 'AtoB' ? ['A', 'B'] : ['B', 'A'];
  const arrow = `${src}->${dst}`;
  const line = (name: string, s: StatProgress): string =>
    `${arrow} ${name} ${s.source.toFixed(3)} (real ${src}) -> ${s.fake.toFixed(3)} (fake ${dst}); real ${dst} ${s.target.toFixed(3)}: ` +
    `${Number.isFinite(s.progress) ? Math.round(100 * s.progress) : '?'}% of the way`;
  return [line('stripes   ', m.stripes), line('background', m.background)];
}
