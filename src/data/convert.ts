// Conversions between model tensors (CHW float32 in [-1, 1]) and canvas/PNG pixels (RGBA uint8).
import { AttributeError } from '../errors.js';

function checkDims(op: string, c: number, h: number, w: number): void {
  if (c !== 1 && c !== 3) throw new AttributeError(op, 'c', '1 or 3', String(c));
  for (const [k, v] of [['h', h], ['w', w]] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new AttributeError(op, k, 'a positive integer', String(v));
  }
}

/**
 * CHW float32 in [-1, 1] to RGBA uint8 (alpha 255); one channel becomes gray. Rounds like
 * torchvision's save_image (x * 255 + 0.5, clamped), after mapping [-1, 1] to [0, 1].
 */
export function chwToRgba(chw: Float32Array, c: number, h: number, w: number): Uint8ClampedArray {
  checkDims('chwToRgba', c, h, w);
  const plane = h * w;
  if (chw.length !== c * plane) throw new AttributeError('chwToRgba', 'chw', `length ${c}x${h}x${w} = ${c * plane}`, String(chw.length));
  const out = new Uint8ClampedArray(plane * 4);
  const to8 = (v: number): number => {
    const x = Math.floor((v + 1) * 0.5 * 255 + 0.5);
    return x > 255 ? 255 : x >= 0 ? x : 0; // NaN -> 0
  };
  for (let p = 0; p < plane; p++) {
    const r = to8(chw[p]);
    out[p * 4] = r;
    out[p * 4 + 1] = c === 3 ? to8(chw[plane + p]) : r;
    out[p * 4 + 2] = c === 3 ? to8(chw[2 * plane + p]) : r;
    out[p * 4 + 3] = 255;
  }
  return out;
}

/**
 * RGBA (or RGB, told apart by length) uint8 of h x w pixels to CHW float32 in [-1, 1] with c
 * channels (3, or 1 for PIL's luma). No resizing: see transformImage for that.
 */
export function rgbaToChw(rgba: Uint8Array | Uint8ClampedArray, h: number, w: number, c = 3): Float32Array {
  checkDims('rgbaToChw', c, h, w);
  const plane = h * w;
  const stride = rgba.length === plane * 4 ? 4 : rgba.length === plane * 3 ? 3 : 0;
  if (!stride) throw new AttributeError('rgbaToChw', 'rgba', `length ${h}x${w}x4 (or x3)`, String(rgba.length));
  const out = new Float32Array(c * plane);
  const norm = (v: number): number => Math.fround(Math.fround(v / 255) - 0.5) / 0.5;
  for (let p = 0, s = 0; p < plane; p++, s += stride) {
    if (c === 3) {
      out[p] = norm(rgba[s]);
      out[plane + p] = norm(rgba[s + 1]);
      out[2 * plane + p] = norm(rgba[s + 2]);
    } else {
      out[p] = norm((rgba[s] * 19595 + rgba[s + 1] * 38470 + rgba[s + 2] * 7471 + 0x8000) >>> 16);
    }
  }
  return out;
}
