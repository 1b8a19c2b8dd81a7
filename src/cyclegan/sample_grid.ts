// Sample grids like PyTorch-GAN's sample_images(): each batch laid out along x with
// torchvision's make_grid(nrow=5, normalize=True) (min-max over the whole batch, 2-pixel
// black padding, a lone image unpadded), the four rows real A, fake B, real B, fake A stacked
// along y, and save_image's conversion to bytes (x * 255 + 0.5, clamped). The result is RGBA
// pixel data, the layout of the browser's ImageData, that a PNG encoder or a canvas can take.
import { AttributeError } from '../errors.js';

/** RGBA pixels, row-major, 4 bytes per pixel (ImageData's layout). */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8ClampedArray;
}

/** A CHW float image of 1 or 3 (or any) channels. */
export interface ChwImage {
  channels: number;
  height: number;
  width: number;
  data: Float32Array;
}

export interface MakeGridOptions {
  /** Images per row (default 5, the reference's). */
  nrow?: number;
  /** Pixels between images and around them (default 2, torchvision's). */
  padding?: number;
  /** Min-max normalize the whole batch to [0, 1] (default true, the reference's). */
  normalize?: boolean;
  /** The padding's value (default 0). */
  padValue?: number;
}

/**
 * torchvision.utils.make_grid for a batch of N CHW images (`data` is [N, C, H, W]): returns a
 * 3-channel CHW grid (1-channel images are repeated to 3, as make_grid does).
 */
export function makeGrid(
  data: Float32Array,
  shape: readonly [number, number, number, number] | readonly number[],
  options: MakeGridOptions = {},
): ChwImage {
  const where = 'makeGrid';
  if (shape.length !== 4 || !shape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new AttributeError(where, 'shape', '[N, C, H, W] of positive integers', JSON.stringify(shape));
  }
  const [n, c0, h, w] = shape;
  if (data.length !== n * c0 * h * w) {
    throw new AttributeError(where, 'data', `${n * c0 * h * w} values for shape [${shape}]`, `${data.length} values`);
  }
  const { nrow = 5, padding = 2, normalize = true, padValue = 0 } = options;
  if (!Number.isInteger(nrow) || nrow < 1) throw new AttributeError(where, 'nrow', 'an integer >= 1', String(nrow));
  if (!Number.isInteger(padding) || padding < 0) throw new AttributeError(where, 'padding', 'an integer >= 0', String(padding));
  // make_grid turns single-channel images into three channels.
  const c = c0 === 1 ? 3 : c0;
  let values = data;
  if (c0 === 1) {
    values = new Float32Array(n * 3 * h * w);
    for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) values.set(data.subarray(i * h * w, (i + 1) * h * w), (i * 3 + k) * h * w);
  }
  if (normalize) {
    // norm_range over the whole batch: clamp to [min, max], subtract min, divide by max(max - min, 1e-5).
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of values) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const scale = Math.fround(Math.max(hi - lo, 1e-5));
    const out = new Float32Array(values.length);
    for (let i = 0; i < values.length; i++) out[i] = (Math.min(Math.max(values[i], lo), hi) - lo) / scale;
    values = out;
  }
  if (n === 1) return { channels: c, height: h, width: w, data: values };
  const xmaps = Math.min(nrow, n);
  const ymaps = Math.ceil(n / xmaps);
  const cellH = h + padding;
  const cellW = w + padding;
  const gh = ymaps * cellH + padding;
  const gw = xmaps * cellW + padding;
  const grid = new Float32Array(c * gh * gw).fill(padValue);
  for (let k = 0; k < n; k++) {
    const y0 = Math.floor(k / xmaps) * cellH + padding;
    const x0 = (k % xmaps) * cellW + padding;
    for (let ch = 0; ch < c; ch++) {
      for (let y = 0; y < h; y++) {
        const src = ((k * c + ch) * h + y) * w;
        grid.set(values.subarray(src, src + w), (ch * gh + y0 + y) * gw + x0);
      }
    }
  }
  return { channels: c, height: gh, width: gw, data: grid };
}

/** torch.cat of CHW images along the height (dim 1 of CHW); widths and channels must agree. */
export function stackRows(rows: readonly ChwImage[]): ChwImage {
  if (rows.length === 0) throw new AttributeError('stackRows', 'rows', 'at least one image', 'none');
  const { channels: c, width: w } = rows[0];
  rows.forEach((r, i) => {
    if (r.channels !== c || r.width !== w) {
      throw new AttributeError('stackRows', `rows[${i}]`, `${c} channels and width ${w}`, `${r.channels} channels and width ${r.width}`);
    }
  });
  const h = rows.reduce((s, r) => s + r.height, 0);
  const out = new Float32Array(c * h * w);
  for (let ch = 0; ch < c; ch++) {
    let y = 0;
    for (const r of rows) {
      out.set(r.data.subarray(ch * r.height * w, (ch + 1) * r.height * w), (ch * h + y) * w);
      y += r.height;
    }
  }
  return { channels: c, height: h, width: w, data: out };
}

/** save_image's conversion: x * 255 + 0.5 clamped to [0, 255] and truncated, as RGBA (alpha 255). */
export function toRgba(image: ChwImage): RgbaImage {
  const { channels: c, height: h, width: w, data } = image;
  if (c !== 3 && c !== 1) throw new AttributeError('toRgba', 'image', '1 or 3 channels', `${c} channels`);
  const plane = h * w;
  const out = new Uint8ClampedArray(plane * 4);
  for (let p = 0; p < plane; p++) {
    for (let k = 0; k < 3; k++) {
      const v = Math.fround(Math.fround(data[(c === 1 ? 0 : k) * plane + p] * 255) + 0.5);
      out[p * 4 + k] = Math.trunc(Math.min(Math.max(v, 0), 255));
    }
    out[p * 4 + 3] = 255;
  }
  return { width: w, height: h, data: out };
}

export interface SampleBatches {
  realA: Float32Array;
  fakeB: Float32Array;
  realB: Float32Array;
  fakeA: Float32Array;
  /** [N, C, H, W] of each batch. */
  shape: readonly number[];
}

/** The reference's sample grid: rows real A, fake B, real B, fake A, each a make_grid of its batch. */
export function sampleGrid(batches: SampleBatches, options: MakeGridOptions = {}): RgbaImage {
  const rows = [batches.realA, batches.fakeB, batches.realB, batches.fakeA].map((b) => makeGrid(b, batches.shape, options));
  return toRgba(stackRows(rows));
}
