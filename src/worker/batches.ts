// Worker side of image batches: wire batches (float CHW or 8-bit RGBA images) become tensors
// of the worker's engine, and results go back in the form the caller sent, with their
// buffers listed for transfer.
import type { Engine } from '../engine.js';
import { AttributeError, ShapeError } from '../errors.js';
import { chwToRgba, rgbaToChw } from '../data/convert.js';
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { WireBatch, WireImage } from './protocol.js';

/** What the receiving network expects: its channels, and its image size when it has a fixed one. */
export interface BatchTarget {
  channels: number;
  height: number | null;
  width: number | null;
  /** Whether the images must have exactly height x width (training) or any size (translation). */
  exact: boolean;
}

function checkImage(op: string, arg: string, img: WireImage): void {
  const ok = img && (img.data instanceof Uint8Array || img.data instanceof Uint8ClampedArray) && Number.isInteger(img.width) && Number.isInteger(img.height);
  if (!ok) throw new AttributeError(op, arg, 'an image { data: Uint8Array | Uint8ClampedArray, width, height }', String(img));
}

/** A tensor [N, C, H, W] (or [C, H, W] for a lone CHW image) from a wire batch. */
export function batchToTensor(engine: Engine, batch: WireBatch, target: BatchTarget, op: string, arg: string): Tensor {
  const { channels: c } = target;
  if (batch.kind === 'rgba') {
    if (!Array.isArray(batch.images) || batch.images.length === 0) throw new AttributeError(op, arg, 'one image or a non-empty array of images', 'an empty array');
    batch.images.forEach((img, i) => checkImage(op, `${arg}[${i}]`, img));
    const { width: w, height: h } = batch.images[0];
    const different = batch.images.findIndex((img) => img.width !== w || img.height !== h);
    if (different >= 0) {
      const img = batch.images[different];
      throw new ShapeError(op, `${arg}[${different}]`, `${w}x${h} like ${arg}[0] (a batch has one size)`, `${img.width}x${img.height}`);
    }
    if (target.exact && (h !== target.height || w !== target.width)) {
      throw new ShapeError(op, arg, `images of ${target.width}x${target.height} (imgWidth x imgHeight)`, `${w}x${h}`);
    }
    const plane = c * h * w;
    const data = new Float32Array(batch.images.length * plane);
    batch.images.forEach((img, i) => data.set(rgbaToChw(img.data, h, w, c), i * plane));
    return engine.tensor(data, [batch.images.length, c, h, w]);
  }
  if (batch.kind !== 'chw' || !(batch.data instanceof Float32Array)) {
    throw new AttributeError(op, arg, 'a Float32Array, { data: Float32Array, shape }, or images', String((batch as { kind?: unknown })?.kind));
  }
  let shape = batch.shape;
  if (shape === null) {
    if (target.height === null || target.width === null) {
      throw new AttributeError(op, arg, '{ data, shape: [N, C, H, W] } (this model has no fixed image size to infer N from)', 'a bare Float32Array');
    }
    const plane = c * target.height * target.width;
    const n = batch.data.length / plane;
    if (!Number.isInteger(n) || n < 1) {
      throw new ShapeError(op, arg, `N x ${c}x${target.height}x${target.width} = a multiple of ${plane} values`, `${batch.data.length} values`);
    }
    shape = [n, c, target.height, target.width];
  }
  const t = engine.tensor(batch.data, shape);
  if (target.exact && (t.rank !== 4 || t.shape[2] !== target.height || t.shape[3] !== target.width)) {
    t.dispose();
    throw new ShapeError(op, arg, `[N, ${c}, ${target.height}, ${target.width}]`, formatShape(shape));
  }
  return t;
}

/** Buffers of a batch that can be transferred (each once). */
export function batchBuffers(batch: WireBatch): ArrayBuffer[] {
  const views = batch.kind === 'chw' ? [batch.data] : batch.images.map((i) => i.data);
  return [...new Set(views.map((v) => v.buffer as ArrayBuffer))];
}

/**
 * The tensor's values in the form of `like` (the batch the caller sent): float CHW with the
 * tensor's shape, or one RGBA image per batch element.
 */
export async function tensorToBatch(t: Tensor, like: WireBatch): Promise<WireBatch> {
  let data = await t.data();
  // Results are transferred: make sure the array owns its whole buffer (never a view of WASM memory).
  if (data.byteOffset !== 0 || data.byteLength !== data.buffer.byteLength) data = data.slice();
  if (like.kind === 'chw') return { kind: 'chw', data, shape: like.shape === null ? null : [...t.shape] };
  const [n, c, h, w] = t.rank === 4 ? t.shape : [1, ...t.shape];
  const plane = c * h * w;
  const images: WireImage[] = [];
  for (let i = 0; i < n; i++) images.push({ data: chwToRgba(data.subarray(i * plane, (i + 1) * plane), c, h, w), width: w, height: h });
  return { kind: 'rgba', images, single: like.single };
}
