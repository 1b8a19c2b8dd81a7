// The reference's transforms (PyTorch-GAN cyclegan.py):
//   Resize(int(img_height * 1.12), BICUBIC) -> RandomCrop((img_height, img_width))
//   -> RandomHorizontalFlip() -> ToTensor() -> Normalize((0.5,)*3, (0.5,)*3)
// split in two: the deterministic resize, whose uint8 result the datasets cache, and the
// random crop + flip + normalise, which runs per sample. Random draws are taken before any
// image is loaded (as uniforms in [0, 1)), so async loading cannot reorder the rng stream.
import { AttributeError } from '../errors.js';
import type { Rng } from '../random/rng.js';
import type { RawImage, RgbImage } from './image.js';
import { toRgb } from './image.js';
import { bicubicResize } from './resize.js';

/**
 * 'train': the reference's random transforms (its test loader uses them too).
 * 'eval': deterministic, for translation: resize so the image covers the target, centre crop, no flip.
 */
export type TransformKind = 'train' | 'eval';

/** The random part of one sample's transform, drawn up front. */
export interface TransformDraw {
  top: number;
  left: number;
  flip: boolean;
}

/** Target geometry of a dataset's samples. */
export interface SampleShape {
  imgHeight: number;
  imgWidth: number;
  /** 3 (RGB, the reference) or 1 (PIL's 'L' luma). */
  channels: 1 | 3;
}

export function checkSampleShape(op: string, s: SampleShape): void {
  for (const k of ['imgHeight', 'imgWidth'] as const) {
    if (!Number.isInteger(s[k]) || s[k] <= 0) throw new AttributeError(op, k, 'a positive integer', String(s[k]));
  }
  if (s.channels !== 1 && s.channels !== 3) throw new AttributeError(op, 'channels', '1 or 3', String(s.channels));
}

/** Three draws for every train sample (crop row, crop column, flip), none for eval. */
export function drawTransform(kind: TransformKind, rng: Rng): TransformDraw | null {
  if (kind === 'eval') return null;
  return { top: rng.next(), left: rng.next(), flip: rng.next() < 0.5 };
}

/**
 * Size after the resize step. Train: torchvision's Resize(int) sets the shorter side to
 * int(imgHeight * 1.12) and the longer to int(short * long / shorter). Where that would still
 * be smaller than the crop (a target much wider than tall), it is scaled up to cover the crop
 * instead of failing as torchvision's RandomCrop would. Eval: the smallest size that covers
 * the target keeping the aspect ratio.
 */
export function resizedSize(kind: TransformKind, width: number, height: number, s: SampleShape): [number, number] {
  const { imgHeight: th, imgWidth: tw } = s;
  if (kind === 'train') {
    const short = Math.trunc(th * 1.12);
    let [w, h] = width <= height ? [short, Math.trunc((short * height) / width)] : [Math.trunc((short * width) / height), short];
    if (w >= tw && h >= th) return [w, h];
    const scale = Math.max(tw / w, th / h);
    [w, h] = [Math.max(tw, Math.round(w * scale)), Math.max(th, Math.round(h * scale))];
    return [w, h];
  }
  if (width * th >= height * tw) return [Math.max(tw, Math.round((width * th) / height)), th];
  return [tw, Math.max(th, Math.round((height * tw) / width))];
}

/** The cacheable step: to RGB, then PIL-bicubic to resizedSize(). */
export function resizeForSample(kind: TransformKind, img: RgbImage, s: SampleShape): RgbImage {
  const [w, h] = resizedSize(kind, img.width, img.height, s);
  if (w === img.width && h === img.height) return img;
  return bicubicResize(img, w, h);
}

// ToTensor then Normalize(0.5, 0.5), each rounded to float32 as torch computes them.
const NORMALISE = new Float32Array(256);
for (let v = 0; v < 256; v++) NORMALISE[v] = Math.fround(Math.fround(Math.fround(v / 255) - 0.5) / 0.5);

/** Python's round(): halves go to the even neighbour (torchvision's CenterCrop uses it). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Crop (random or centred), flip, normalise to CHW float32 in [-1, 1]. */
export function cropToChw(img: RgbImage, draw: TransformDraw | null, s: SampleShape): Float32Array {
  const { imgHeight: th, imgWidth: tw, channels } = s;
  const { width: W, height: H, data } = img;
  if (W < tw || H < th) throw new AttributeError('cropToChw', 'image', `at least ${tw}x${th}`, `${W}x${H}`);
  // RandomCrop draws top in [0, H - th], left in [0, W - tw]; CenterCrop rounds half to even.
  const top = draw ? Math.floor(draw.top * (H - th + 1)) : roundHalfEven((H - th) / 2);
  const left = draw ? Math.floor(draw.left * (W - tw + 1)) : roundHalfEven((W - tw) / 2);
  const flip = draw?.flip ?? false;
  const plane = th * tw;
  const out = new Float32Array(channels * plane);
  for (let y = 0; y < th; y++) {
    const rowIn = ((top + y) * W + left) * 3;
    for (let x = 0; x < tw; x++) {
      const s3 = rowIn + (flip ? tw - 1 - x : x) * 3;
      const o = y * tw + x;
      if (channels === 3) {
        out[o] = NORMALISE[data[s3]];
        out[plane + o] = NORMALISE[data[s3 + 1]];
        out[2 * plane + o] = NORMALISE[data[s3 + 2]];
      } else {
        // PIL's RGB -> L conversion (ITU-R 601-2 luma in 16-bit fixed point).
        out[o] = NORMALISE[(data[s3] * 19595 + data[s3 + 1] * 38470 + data[s3 + 2] * 7471 + 0x8000) >>> 16];
      }
    }
  }
  return out;
}

/** Mirrors a CHW tensor left-right (the flip for inputs given already as tensors). */
export function flipChw(chw: Float32Array, c: number, h: number, w: number): Float32Array {
  const out = new Float32Array(chw.length);
  for (let r = 0; r < c * h; r++) {
    const o = r * w;
    for (let x = 0; x < w; x++) out[o + x] = chw[o + w - 1 - x];
  }
  return out;
}

export interface TransformOptions {
  imgHeight: number;
  imgWidth: number;
  channels?: 1 | 3;
  /** Default 'eval' (deterministic); 'train' needs an rng. */
  kind?: TransformKind;
}

/**
 * One image to a model input: CHW float32 in [-1, 1]. With kind 'eval' (the default) this is
 * the deterministic preprocessing for translation; with 'train', the reference's random one.
 */
export function transformImage(image: RawImage, options: TransformOptions, rng?: Rng): Float32Array {
  const s: SampleShape = { imgHeight: options.imgHeight, imgWidth: options.imgWidth, channels: options.channels ?? 3 };
  checkSampleShape('transformImage', s);
  const kind = options.kind ?? 'eval';
  if (kind === 'train' && !rng) throw new AttributeError('transformImage', 'rng', "an Rng when kind is 'train'", 'undefined');
  const draw = rng ? drawTransform(kind, rng) : null;
  return cropToChw(resizeForSample(kind, toRgb(image), s), draw, s);
}
