// Translation of an image of any size with a generator: the image is reflection-padded to the
// network's size multiple (the product of its strides, 4 for the seed's generator) and the
// result cropped back, so the output has the input's size. Images whose activations would not
// fit the memory budget run in tiles with whole-image InstanceNorm statistics (./tiled.ts),
// which gives the untiled result within float rounding (1e-4).
import { AttributeError, ShapeError } from '../errors.js';
import type { Module } from '../nn/module.js';
import type { Sequential } from '../nn/sequential.js';
import { Conv2d } from '../nn/conv.js';
import { slice } from '../ops/data.js';
import { reflectionPad2d } from '../ops/pad.js';
import { formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { activationProfile, countNorms, haloOf, PEAK_ACTIVATIONS, planOf, sizeMultiple, type Step } from './plan.js';
import { translateTiled, type ActivationStoreKind, type TiledPlan, type TiledReport, type TranslateProgress } from './tiled.js';
import { engineOf } from '../engine.js';

export type { ActivationStoreKind, TiledReport, TranslateProgress } from './tiled.js';
export { STORE_IN_MEMORY_BYTES } from './tiled.js';

/** A generator: a module whose layers are the Sequential `model` (GeneratorResNet, ResnetGenerator). */
export type TranslatableGenerator = Module & { readonly model: Sequential };

export interface TranslateOptions {
  /**
   * 'auto' (default): untiled when the estimated activations fit `memoryBudget`, else in tiles
   * sized to it; a number: tiles of that many pixels a side (rounded up to the network's size
   * multiple), whatever the image's size; 'none': never tiled.
   */
  tileSize?: number | 'auto' | 'none';
  /**
   * Bytes the activations of one forward pass may take. Default: an untiled pass may take up to
   * DEFAULT_UNTILED_BYTES (1 GiB), and tiles, when needed, are sized to DEFAULT_MEMORY_BUDGET
   * (384 MiB). Given, it is both the untiled limit and the tiles' size.
   */
  memoryBudget?: number;
  /** Called as the work progresses (after each tile of each pass when tiled). */
  onProgress?: (progress: TranslateProgress) => void;
  /**
   * Where a tiled translation keeps its one whole-image activation (the residual blocks'
   * input, 64 bytes per pixel for the seed's generator): 'memory', 'file' (a temporary file
   * in the OS temp folder, Node only, removed when done or when the process exits), or 'auto'
   * (default): memory up to STORE_IN_MEMORY_BYTES (512 MiB, about 8 megapixels), else a file.
   * The result is the same either way.
   */
  activationStore?: ActivationStoreKind;
  /** Called after a tiled translation of each image with what it did (schedule, store, tiles). */
  onTiled?: (report: TiledReport) => void;
}

/**
 * Default bytes for a tile's forward pass's activations (each segment of ./tiled.ts sizes its
 * tiles to it). Besides them a tiled translation holds the input and output and their host
 * copies (about 36 bytes a pixel), and the stored activation (64 bytes a pixel for the seed's
 * generator; in a temporary file past STORE_IN_MEMORY_BYTES).
 */
export const DEFAULT_MEMORY_BUDGET = 384 * 1024 * 1024;

/**
 * Default limit of an untiled pass's estimated activations. Tiling costs about 2.5 times the
 * multiply-adds of one pass for the seed's generator (./tiled.ts: the front's layers once per
 * norm before the stored activation, each residual block's first convolution three times and
 * its second twice, the back's upsampling layers once per norm after it) plus a halo of
 * recomputed pixels around each tile; a 600x400 photo took 67 s tiled against 25 s untiled (2
 * threads, heavily loaded machine), a 1000x752 one 34 s tiled against 11 s untiled (2 threads,
 * quiet machine). Up to 1 GiB (about 1 megapixel with the seed's generator: 1000x752 grew the
 * heap to 817 MiB) one pass fits a wasm32 memory easily; larger photos are tiled, with tiles
 * sized to DEFAULT_MEMORY_BUDGET so a 12-megapixel one stays small.
 */
export const DEFAULT_UNTILED_BYTES = 1024 * 1024 * 1024;


export interface GeneratorGeometry {
  steps: Step[];
  norms: number;
  /** The multiple image sides must have (product of the strides). */
  multiple: number;
  /** Input pixels a tile needs around its core on each inner side. */
  halo: number;
  inChannels: number;
  floatsPerPixel: number;
  macsPerPixel: number;
  macsToNorm: number[];
}

const geometries = new WeakMap<Sequential, GeneratorGeometry>();

export function generatorGeometry(net: TranslatableGenerator): GeneratorGeometry {
  const cached = geometries.get(net.model);
  if (cached) return cached;
  const steps = planOf(net.model);
  const first = steps.find((s) => s.kind === 'layer' && s.module instanceof Conv2d);
  const inChannels = first && first.kind === 'layer' ? (first.module as Conv2d).inChannels : 0;
  const multiple = sizeMultiple(steps);
  const profile = activationProfile(steps, inChannels);
  const g: GeneratorGeometry = { steps, norms: countNorms(steps), multiple, halo: haloOf(steps, multiple), inChannels, ...profile };
  geometries.set(net.model, g);
  return g;
}

/** Estimated peak bytes of an untiled forward pass on an image of h x w (padded) pixels. */
export function untiledBytes(g: GeneratorGeometry, h: number, w: number): number {
  return g.floatsPerPixel * 4 * h * w * PEAK_ACTIVATIONS;
}

/** The tile side (a multiple of g.multiple) whose tile with its halo fits `budget`. */
export function tileSideFor(g: GeneratorGeometry, budget: number): number {
  const pixels = budget / (g.floatsPerPixel * 4 * PEAK_ACTIVATIONS);
  const side = Math.floor((Math.sqrt(pixels) - 2 * g.halo) / g.multiple) * g.multiple;
  return Math.max(4 * g.multiple, side);
}

type CheckedOptions = Required<Omit<TranslateOptions, 'onProgress' | 'onTiled'>> & Pick<TranslateOptions, 'onProgress' | 'onTiled'> & { untiledLimit: number };

function checkOptions(op: string, options: TranslateOptions): CheckedOptions {
  if (options === null || typeof options !== 'object') throw new AttributeError(op, 'options', 'an object', String(options));
  const { tileSize = 'auto', memoryBudget = DEFAULT_MEMORY_BUDGET, onProgress, activationStore = 'auto', onTiled } = options;
  if (tileSize !== 'auto' && tileSize !== 'none' && !(typeof tileSize === 'number' && Number.isInteger(tileSize) && tileSize >= 1)) {
    throw new AttributeError(op, 'tileSize', "'auto', 'none' or a positive integer", JSON.stringify(tileSize));
  }
  if (typeof memoryBudget !== 'number' || !Number.isFinite(memoryBudget) || memoryBudget <= 0) {
    throw new AttributeError(op, 'memoryBudget', 'a positive number of bytes', JSON.stringify(memoryBudget));
  }
  if (onProgress !== undefined && typeof onProgress !== 'function') throw new AttributeError(op, 'onProgress', 'a function', typeof onProgress);
  if (onTiled !== undefined && typeof onTiled !== 'function') throw new AttributeError(op, 'onTiled', 'a function', typeof onTiled);
  if (activationStore !== 'auto' && activationStore !== 'memory' && activationStore !== 'file') {
    throw new AttributeError(op, 'activationStore', "'auto', 'memory' or 'file'", JSON.stringify(activationStore));
  }
  const untiledLimit = options.memoryBudget === undefined ? DEFAULT_UNTILED_BYTES : memoryBudget;
  return { tileSize, memoryBudget, onProgress, activationStore, onTiled, untiledLimit };
}

/**
 * The tile side for an image of H x W (padded) pixels under `options`, or null for one untiled
 * pass (what translateImage decides; exported for tests).
 */
export function chooseTile(g: GeneratorGeometry, H: number, W: number, options: TranslateOptions = {}, op = 'translate'): number | null {
  const o = checkOptions(op, options);
  if (o.tileSize === 'none') return null;
  if (o.tileSize !== 'auto') return Math.ceil(o.tileSize / g.multiple) * g.multiple;
  return untiledBytes(g, H, W) <= o.untiledLimit ? null : tileSideFor(g, o.memoryBudget);
}

/** Reflection padding [top, bottom] that brings `size` to a multiple of m, split between the ends. */
function padFor(size: number, m: number): [number, number] {
  const total = (m - (size % m)) % m;
  const top = Math.floor(total / 2);
  return [top, total - top];
}

/** Reflection-pads one [C, H, W] image held in `src` at `offset`. */
function reflectPadChw(src: Float32Array, offset: number, c: number, h: number, w: number, pad: [number, number, number, number]): Float32Array {
  const [top, bottom, left, right] = pad;
  const H = h + top + bottom;
  const W = w + left + right;
  const reflect = (i: number, n: number): number => (i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i);
  const out = new Float32Array(c * H * W);
  for (let ch = 0; ch < c; ch++) {
    for (let r = 0; r < H; r++) {
      const sr = reflect(r - top, h);
      const srcRow = offset + ch * h * w + sr * w;
      const dstRow = ch * H * W + r * W;
      for (let k = 0; k < W; k++) out[dstRow + k] = src[srcRow + reflect(k - left, w)];
    }
  }
  return out;
}

/**
 * `net` applied to images [N, C, H, W] (or one [C, H, W]) of any size, in eval mode without
 * gradients; the result (a new tensor the caller disposes) has the input's height and width.
 */
export async function translateImage(net: TranslatableGenerator, image: Tensor, options: TranslateOptions = {}, op = 'translate'): Promise<Tensor> {
  const o = checkOptions(op, options);
  const g = generatorGeometry(net);
  if (!(image instanceof Tensor)) throw new AttributeError(op, 'image', 'a Tensor', typeof image);
  image.assertAlive(op, 'image');
  const c = g.inChannels;
  const rankOk = (image.rank === 4 && image.shape[1] === c && image.shape[0] >= 1) || (image.rank === 3 && image.shape[0] === c);
  const [h, w] = image.shape.slice(-2);
  const [top, bottom] = padFor(h ?? 0, g.multiple);
  const [left, right] = padFor(w ?? 0, g.multiple);
  // Reflection needs more pixels than it adds, and the network's own pads need a few more.
  const min = Math.max(2, g.multiple);
  if (!rankOk || h < min || w < min) {
    throw new ShapeError(op, 'image', `[N, ${c}, H, W] or [${c}, H, W] with H and W at least ${min}`, formatShape(image.shape));
  }
  net.eval();
  const e = engineOf(image);
  const H = h + top + bottom;
  const W = w + left + right;
  const tile = chooseTile(g, H, W, options, op);

  if (tile === null || (tile >= H && tile >= W)) {
    const y = e.noGrad(() =>
      e.tidy(() => {
        const x = image.rank === 3 ? image.reshape([1, ...image.shape]) : image;
        const padded = top + bottom + left + right > 0 ? reflectionPad2d(x, [left, right, top, bottom]) : x;
        let out = net.forward(padded);
        if (top + bottom > 0) out = slice(out, 2, top, top + h);
        if (left + right > 0) out = slice(out, 3, left, left + w);
        return image.rank === 3 ? out.reshape([out.shape[1], h, w]) : out;
      }),
    );
    o.onProgress?.({ fraction: 1, tile: 1, tiles: 1, pass: 1, passes: 1, step: 1, steps: 1 });
    return y;
  }

  const plan: TiledPlan = {
    steps: g.steps,
    inChannels: c,
    multiple: g.multiple,
    tileSize: o.tileSize === 'auto' ? null : tile,
    memoryBudget: o.memoryBudget,
    store: o.activationStore,
  };
  const n = image.rank === 4 ? image.shape[0] : 1;
  const pad: [number, number, number, number] = [top, bottom, left, right];
  const cropped = top + bottom + left + right > 0;
  // The host copy of the input: with one unpadded image it is what the tiles read, handed over
  // (and let go after the front) rather than kept here, so a large photo is not held twice.
  let input: Float32Array | null = await image.data();
  let result: Float32Array | null = null;
  let outC = 0;
  for (let i = 0; i < n; i++) {
    const tiledImage = { data: n === 1 && !cropped ? input : reflectPadChw(input!, i * c * h * w, c, h, w, pad), channels: c, height: H, width: W };
    if (n === 1) input = null;
    const progress = o.onProgress ? (p: TranslateProgress) => o.onProgress!({ ...p, fraction: (i + p.fraction) / n }) : undefined;
    const y = await translateTiled(e, plan, tiledImage, progress);
    o.onTiled?.(y.report);
    outC = y.channels;
    if (n === 1 && !cropped) {
      result = y.data;
      break;
    }
    result ??= new Float32Array(n * outC * h * w);
    for (let ch = 0; ch < outC; ch++) {
      for (let r = 0; r < h; r++) {
        const src = ch * H * W + (r + top) * W + left;
        result.set(y.data.subarray(src, src + w), i * outC * h * w + ch * h * w + r * w);
      }
    }
  }
  return e.tensor(result!, image.rank === 4 ? [n, outC, h, w] : [outC, h, w]);
}
