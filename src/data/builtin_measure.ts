// How far translations moved between the built-in dataset's two domains (src/data/builtin_draw.ts),
// measured on the two things that tell the domains apart:
//   stripes:    the local amplitude of a vertical pattern with the stripes' period (B's texture):
//               per column, the magnitude of the discrete Fourier coefficient at that period over
//               windows of two periods, averaged over every window; flat shapes give ~0.01, B ~0.2;
//   background: the dark level of the image's outermost ring of pixels: the 25th percentile of
//               its luminance (A light; B dark, also where half of B's background is light
//               stripes). Not the median, which jumps between the two levels on evenly striped
//               borders, and not the mean, which reads a uniform grey (an untrained generator's
//               output) as half-light, half-dark stripes.
// Both are computed on luminance in [0, 1]. For a direction (A->B, say), progress is
// (fake B - real A) / (real B - real A) per statistic: 0 when the translations kept the source
// domain's look, 1 when they match the target domain's on average.
import { AttributeError } from '../errors.js';
import { BUILTIN_STYLE } from './builtin_draw.js';

export interface StyleStats {
  /** Mean local amplitude of the stripes' period, luminance units (0: no such stripes). */
  stripes: number;
  /** Mean over images of the border ring's dark level (25th percentile of luminance), in [0, 1]. */
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

/** The border ring's luminance at this quantile (its dark level at 0.25). */
const BORDER_QUANTILE = 0.25;

function borderLevel(lum: Float32Array, h: number, w: number): number {
  const ring: number[] = [];
  for (let x = 0; x < w; x++) ring.push(lum[x], lum[(h - 1) * w + x]);
  for (let y = 1; y < h - 1; y++) ring.push(lum[y * w], lum[y * w + w - 1]);
  ring.sort((a, b) => a - b);
  return ring[Math.floor(ring.length * BORDER_QUANTILE)];
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
    background += borderLevel(lum, h, w);
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
  /** Whether the outputs kept their inputs' shapes and colours (when measured). */
  kept?: ShapeKeeping;
}

const progressOf = (source: number, fake: number, target: number): StatProgress => ({
  source,
  fake,
  target,
  progress: target !== source ? (fake - source) / (target - source) : NaN,
});

/** How far the translations (fake) of source images moved towards the target domain's statistics. */
export function measureTranslation(
  direction: 'AtoB' | 'BtoA',
  source: StyleStats,
  fake: StyleStats,
  target: StyleStats,
  kept?: ShapeKeeping,
): TranslationMeasure {
  return {
    direction,
    stripes: progressOf(source.stripes, fake.stripes, target.stripes),
    background: progressOf(source.background, fake.background, target.background),
    ...(kept ? { kept } : {}),
  };
}

/** One line per statistic, e.g. "A->B stripes 0.01 (real A) -> 0.18 (fake B); real B 0.20: 89% of the way". */
export function formatMeasure(m: TranslationMeasure): string[] {
  const [src, dst] = m.direction === 'AtoB' ? ['A', 'B'] : ['B', 'A'];
  const arrow = `${src}->${dst}`;
  const line = (name: string, s: StatProgress): string =>
    `${arrow} ${name} ${s.source.toFixed(3)} (real ${src}) -> ${s.fake.toFixed(3)} (fake ${dst}); real ${dst} ${s.target.toFixed(3)}: ` +
    `${Number.isFinite(s.progress) ? Math.round(100 * s.progress) : '?'}% of the way`;
  return [line('stripes   ', m.stripes), line('background', m.background), ...(m.kept ? [formatShapeKeeping(m.direction, m.kept)] : [])];
}

/**
 * Whether translations kept the source's shapes in place and in their colours, per image pair
 * (input i, output i), averaged over the batch:
 *   shapeIoU: intersection over union of the two foreground masks; 1 when the output's shapes
 *             cover exactly the input's pixels; a blurred blob or a shape drawn elsewhere reads
 *             lower. A pixel is foreground ('border' rule, for stripes inside the shapes) when its
 *             colour differs from the image's median border colour by more than
 *             FOREGROUND_DIFFERENCE in some channel, or ('chroma' rule, for stripes on the
 *             background, which are grey like it) when it is colourful: max - min channel above
 *             FOREGROUND_CHROMA (every shape colour is saturated, every background near grey);
 *   hueError: the circular difference in degrees between the hues of the mean foreground colours
 *             of input and output; B's light stripes are tints of the shape's colour (same hue),
 *             so a faithful translation reads near 0 in both directions.
 */
export interface ShapeKeeping {
  shapeIoU: number;
  hueError: number;
}

/** In [0, 1] colour units: saturated shapes differ from either background by far more. */
const FOREGROUND_DIFFERENCE = 0.25;
/** Shapes have chroma >= 0.6 (src/data/builtin_draw.ts: saturation >= 0.75, value >= 0.8). */
const FOREGROUND_CHROMA = 0.3;

/** Which pixels are a shape's (see ShapeKeeping). */
export type ForegroundRule = 'border' | 'chroma';

function foreground(batch: Float32Array, i: number, c: number, h: number, w: number, rule: ForegroundRule): { mask: Uint8Array; mean: number[] } {
  const plane = h * w;
  const base = i * c * plane;
  const at = (ch: number, p: number): number => (batch[base + ch * plane + p] + 1) / 2;
  const border: number[] = [];
  for (let ch = 0; ch < c; ch++) {
    const ring: number[] = [];
    for (let x = 0; x < w; x++) ring.push(at(ch, x), at(ch, (h - 1) * w + x));
    for (let y = 1; y < h - 1; y++) ring.push(at(ch, y * w), at(ch, y * w + w - 1));
    ring.sort((a, b) => a - b);
    border.push(ring[Math.floor(ring.length / 2)]);
  }
  const mask = new Uint8Array(plane);
  const sum = new Array<number>(c).fill(0);
  let count = 0;
  for (let p = 0; p < plane; p++) {
    if (rule === 'border') {
      let d = 0;
      for (let ch = 0; ch < c; ch++) d = Math.max(d, Math.abs(at(ch, p) - border[ch]));
      if (d <= FOREGROUND_DIFFERENCE) continue;
    } else {
      let lo = Infinity;
      let hi = -Infinity;
      for (let ch = 0; ch < c; ch++) {
        lo = Math.min(lo, at(ch, p));
        hi = Math.max(hi, at(ch, p));
      }
      if (hi - lo <= FOREGROUND_CHROMA) continue;
    }
    mask[p] = 1;
    for (let ch = 0; ch < c; ch++) sum[ch] += at(ch, p);
    count++;
  }
  return { mask, mean: sum.map((s) => (count ? s / count : 0)) };
}

/** Hue in degrees of an RGB colour in [0, 1], NaN when it is grey. */
function hueOf([r, g, b]: number[]): number {
  const max = Math.max(r, g, b);
  const d = max - Math.min(r, g, b);
  if (d < 1e-6) return NaN;
  const h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return (h * 60 + 360) % 360;
}

/** How well outputs kept their inputs' shapes and colours ([n, c, h, w] batches in [-1, 1]). */
export function shapeKeeping(input: Float32Array, output: Float32Array, shape: readonly number[], rule: ForegroundRule = 'border'): ShapeKeeping {
  if (shape.length !== 4 || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new AttributeError('shapeKeeping', 'shape', '[n, c, h, w] of positive integers', JSON.stringify(shape));
  }
  const [n, c, h, w] = shape;
  for (const [name, t] of [['input', input], ['output', output]] as const) {
    if (t.length !== n * c * h * w) throw new AttributeError('shapeKeeping', name, `${n * c * h * w} values`, `${t.length}`);
  }
  if (c < 3) throw new AttributeError('shapeKeeping', 'shape', 'colour images (3 channels)', JSON.stringify(shape));
  let iou = 0;
  let hue = 0;
  let hues = 0;
  for (let i = 0; i < n; i++) {
    const a = foreground(input, i, c, h, w, rule);
    const b = foreground(output, i, c, h, w, rule);
    let inter = 0;
    let union = 0;
    for (let p = 0; p < h * w; p++) {
      inter += a.mask[p] & b.mask[p];
      union += a.mask[p] | b.mask[p];
    }
    iou += union ? inter / union : 1;
    const ha = hueOf(a.mean);
    const hb = hueOf(b.mean);
    // An output without any foreground (or a grey one) has lost the colour: the worst error.
    const dh = Number.isNaN(ha) ? 0 : Number.isNaN(hb) ? 180 : Math.abs(ha - hb);
    hue += Math.min(dh, 360 - dh);
    hues++;
  }
  return { shapeIoU: iou / n, hueError: hue / hues };
}

/** One line, e.g. "A->B shapes kept: 0.91 of the input's shape pixels (IoU), hue off by 6 degrees". */
export function formatShapeKeeping(direction: 'AtoB' | 'BtoA', k: ShapeKeeping): string {
  const arrow = direction === 'AtoB' ? 'A->B' : 'B->A';
  return `${arrow} shapes     IoU ${k.shapeIoU.toFixed(2)} of input and output shapes (1: in place), hue off by ${Math.round(k.hueError)} degrees`;
}
