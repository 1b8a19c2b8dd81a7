// Bicubic resize that reproduces PIL's Image.resize(..., Image.BICUBIC) on 8-bit images, which
// is what the reference's transforms.Resize runs. Same filter (Keys cubic, a = -0.5), same
// antialiasing (the kernel is stretched by the scale when downscaling), same 22-bit fixed-point
// coefficients and the same two passes (horizontal first, rounded to uint8 in between), so
// results match PIL byte for byte (Pillow's Resample.c).
import { AttributeError } from '../errors.js';
import type { RgbImage } from './image.js';

const PRECISION_BITS = 22;
const ONE = 1 << PRECISION_BITS;
const SUPPORT = 2; // bicubic support in source pixels at scale 1

function bicubic(x: number): number {
  const a = -0.5;
  if (x < 0) x = -x;
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

interface Coeffs {
  ksize: number;
  /** Per output pixel: first source index and tap count. */
  bounds: Int32Array;
  /** Fixed-point weights, ksize per output pixel. */
  weights: Int32Array;
}

/** PIL's precompute_coeffs + normalize_coeffs_8bpc for one axis. */
function coefficients(inSize: number, outSize: number): Coeffs {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = SUPPORT * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    // C's (int) truncates toward zero; kept so edge taps match PIL exactly.
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const w = bicubic((x + xmin - center + 0.5) / filterScale);
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < xmax; x++) {
      const w = ww !== 0 ? k[x] / ww : k[x];
      weights[xx * ksize + x] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, weights };
}

function clip8(v: number): number {
  if (v >= ONE * 256) return 255;
  if (v <= 0) return 0;
  return Math.floor(v / ONE);
}

/** Horizontal pass: each output pixel mixes `taps` neighbours in its own row. */
function horizontal(src: Uint8Array, w0: number, h: number, c: number, width: number): Uint8Array {
  const { ksize, bounds, weights } = coefficients(w0, width);
  const dst = new Uint8Array(width * h * c);
  for (let y = 0; y < h; y++) {
    const rowIn = y * w0 * c;
    const rowOut = y * width * c;
    for (let o = 0; o < width; o++) {
      const xmin = bounds[o * 2];
      const taps = bounds[o * 2 + 1];
      for (let ch = 0; ch < c; ch++) {
        let ss = ONE / 2; // rounding offset, as PIL
        for (let t = 0, s = rowIn + xmin * c + ch; t < taps; t++, s += c) ss += src[s] * weights[o * ksize + t];
        dst[rowOut + o * c + ch] = clip8(ss);
      }
    }
  }
  return dst;
}

/** Vertical pass, row by row so memory is read sequentially. */
function vertical(src: Uint8Array, rowLen: number, h0: number, height: number): Uint8Array {
  const { ksize, bounds, weights } = coefficients(h0, height);
  const dst = new Uint8Array(rowLen * height);
  const acc = new Float64Array(rowLen);
  for (let o = 0; o < height; o++) {
    const ymin = bounds[o * 2];
    const taps = bounds[o * 2 + 1];
    acc.fill(ONE / 2);
    for (let t = 0; t < taps; t++) {
      const w = weights[o * ksize + t];
      const off = (ymin + t) * rowLen;
      for (let i = 0; i < rowLen; i++) acc[i] += src[off + i] * w;
    }
    const out = o * rowLen;
    for (let i = 0; i < rowLen; i++) dst[out + i] = clip8(acc[i]);
  }
  return dst;
}

/** Resizes packed RGB (or any interleaved uint8 with `channels`) to width x height, PIL-bicubic. */
export function bicubicResize(img: RgbImage, width: number, height: number, channels = 3): RgbImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new AttributeError('bicubicResize', 'size', 'positive integers', `${width}x${height}`);
  }
  const { width: w0, height: h0 } = img;
  if (w0 === width && h0 === height) return { data: img.data.slice(), width, height };
  let cur = img.data;
  if (width !== w0) cur = horizontal(cur, w0, h0, channels, width);
  if (height !== h0) cur = vertical(cur, width * channels, h0, height);
  return { data: cur, width, height };
}
