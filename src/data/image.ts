// Image containers. Everything the datasets cache is packed 8-bit RGB: a third smaller than
// RGBA and what the reference works on once its to_rgb() has run.
import { InvalidImageError } from './errors.js';

/** A raw 8-bit image: 1 (gray), 2 (gray + alpha), 3 (RGB) or 4 (RGBA) interleaved channels. */
export interface RawImage {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  /** Interleaved channels per pixel; inferred from data.length when omitted. */
  channels?: 1 | 2 | 3 | 4;
}

/** A decoded image: RGBA, as both pngjs and jpeg-js (and canvas getImageData) produce. */
export interface DecodedImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 4;
  /** Which decoder produced it. */
  format: 'png' | 'jpeg' | 'browser';
}

/** Packed 8-bit RGB, row-major. The datasets' cache format. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Channels of a raw image, checked against its data length. */
export function rawChannels(img: RawImage, name: string): 1 | 2 | 3 | 4 {
  const { width, height } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new InvalidImageError(name, `width and height must be positive integers, got ${width}x${height}`);
  }
  if (!(img.data instanceof Uint8Array || img.data instanceof Uint8ClampedArray)) {
    throw new InvalidImageError(name, 'data must be a Uint8Array or Uint8ClampedArray');
  }
  const pixels = width * height;
  const c = img.channels ?? img.data.length / pixels;
  if (c !== 1 && c !== 2 && c !== 3 && c !== 4) {
    throw new InvalidImageError(name, `cannot infer channels: ${img.data.length} bytes for ${width}x${height} pixels`);
  }
  if (img.data.length !== pixels * c) {
    throw new InvalidImageError(name, `data has ${img.data.length} bytes, expected ${width}x${height}x${c} = ${pixels * c}`);
  }
  return c;
}

/**
 * Converts any raw image to packed RGB the way the reference's to_rgb() (PIL paste into an RGB
 * image) does: gray is copied into all three channels, alpha is dropped without compositing.
 */
export function toRgb(img: RawImage, name = 'image'): RgbImage {
  const c = rawChannels(img, name);
  const { width, height } = img;
  const src = img.data;
  if (c === 3) return { data: new Uint8Array(src.buffer, src.byteOffset, src.length), width, height };
  const n = width * height;
  const out = new Uint8Array(n * 3);
  for (let p = 0, s = 0, d = 0; p < n; p++, s += c, d += 3) {
    if (c <= 2) {
      const g = src[s];
      out[d] = g;
      out[d + 1] = g;
      out[d + 2] = g;
    } else {
      out[d] = src[s];
      out[d + 1] = src[s + 1];
      out[d + 2] = src[s + 2];
    }
  }
  return { data: out, width, height };
}
