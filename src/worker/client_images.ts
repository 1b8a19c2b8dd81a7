// Main-thread side of images: what the worker API's methods accept, turned into wire batches
// whose buffers are transferred (not copied), and the results turned back into the form the
// caller gave. DOM images (<img>, canvases, ImageBitmap, Blob) are drawn to a canvas here, on
// the main thread, because only their pixels can cross into the worker.
import { transfer } from 'comlink';
import { AttributeError } from '../errors.js';
import { decodeImageBrowser, type BrowserImageSource } from '../data/codec_browser.js';
import type { DomHTMLCanvasElement, DomOffscreenCanvas } from '../dom_types.js';
import type { RgbaImage } from '../cyclegan/sample_grid.js';
import type { WireBatch, WireImage } from './protocol.js';

/** Float32 values with their shape: [N, C, H, W] or [C, H, W], in [-1, 1]. */
export interface TensorLike {
  data: Float32Array;
  shape: readonly number[];
}

/** 8-bit pixels, RGBA (or RGB or gray, told apart by length): ImageData, or what Node codecs give. */
export interface PixelImage {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
}

/** One image: pixels, or (in a browser) an <img>, a canvas, an ImageBitmap or an encoded Blob. */
export type WorkerImage = PixelImage | BrowserImageSource;

/**
 * A batch: a Float32Array [N, C, H, W] of the model's size (N inferred), values with a shape,
 * one image, or an array of images of one size.
 */
export type BatchInput = Float32Array | TensorLike | WorkerImage | readonly WorkerImage[];

/** What translate() gives back for an input: the same form (images as ImageData in browsers). */
export type BatchOutput<T> = T extends Float32Array
  ? Float32Array
  : T extends TensorLike
    ? TensorLike
    : T extends readonly unknown[]
      ? RgbaImage[]
      : RgbaImage;

type Form = 'array' | 'tensor' | 'image' | 'images';

export interface EncodedBatch {
  batch: WireBatch;
  form: Form;
}

/** Collects the buffers of one call for transfer, each once (a buffer listed twice is an error). */
export class TransferList {
  readonly buffers = new Set<ArrayBuffer>();

  constructor(private readonly copy: boolean) {}

  /**
   * The view, or a copy of it, whose buffer can be transferred. Copied when the caller asked
   * for copies, when the view covers only part of its buffer (transferring would detach the
   * rest) or when the memory is shared.
   */
  take<T extends Uint8Array | Uint8ClampedArray | Float32Array>(view: T): T {
    const buffer = view.buffer;
    const whole = view.byteOffset === 0 && view.byteLength === buffer.byteLength;
    const shared = typeof SharedArrayBuffer !== 'undefined' && buffer instanceof SharedArrayBuffer;
    const own = this.copy || !whole || shared ? (view.slice() as T) : view;
    this.buffers.add(own.buffer as ArrayBuffer);
    return own;
  }

  /** Bytes of any view or an ArrayBuffer, ready to transfer. */
  takeBytes(source: ArrayBuffer | ArrayBufferView): Uint8Array {
    const bytes = source instanceof ArrayBuffer ? new Uint8Array(source) : new Uint8Array(source.buffer as ArrayBuffer, source.byteOffset, source.byteLength);
    return this.take(bytes);
  }

  get list(): ArrayBuffer[] {
    return [...this.buffers];
  }

  /**
   * Marks `value` (one argument of the call) as carrying every collected buffer; comlink then
   * transfers them with the message. Collected per call so a buffer used twice is listed once.
   */
  attach<T>(value: T): T {
    if (this.buffers.size === 0 || value === null || typeof value !== 'object') return value;
    return transfer(value, this.list);
  }
}

function isPixelImage(x: unknown): x is PixelImage {
  const o = x as PixelImage;
  return !!o && typeof o === 'object' && (o.data instanceof Uint8Array || o.data instanceof Uint8ClampedArray) && typeof o.width === 'number' && typeof o.height === 'number';
}

function isTensorLike(x: unknown): x is TensorLike {
  const o = x as TensorLike;
  return !!o && typeof o === 'object' && o.data instanceof Float32Array && Array.isArray(o.shape);
}

function isBrowserImage(x: unknown): x is BrowserImageSource {
  const g = globalThis as Record<string, unknown>;
  for (const name of ['ImageBitmap', 'HTMLImageElement', 'HTMLCanvasElement', 'OffscreenCanvas', 'Blob', 'ImageData']) {
    const cls = g[name];
    if (typeof cls === 'function' && x instanceof (cls as new () => unknown)) return true;
  }
  return false;
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x !== 'object') return typeof x;
  return (x as object).constructor?.name ?? 'object';
}

const EXPECTED = 'a Float32Array, { data: Float32Array, shape }, an image ({ data, width, height }, ImageData, <img>, canvas, ImageBitmap) or an array of images';

/** One image's pixels, read from the DOM when it is a DOM image. */
export async function pixelsOf(image: WorkerImage, list: TransferList, op: string, arg: string): Promise<WireImage> {
  if (isPixelImage(image)) return { data: list.take(image.data), width: image.width, height: image.height };
  if (isBrowserImage(image)) {
    // Fresh pixels of our own: transferred as they are.
    const decoded = await decodeImageBrowser(image);
    list.buffers.add(decoded.data.buffer as ArrayBuffer);
    return { data: decoded.data, width: decoded.width, height: decoded.height };
  }
  throw new AttributeError(op, arg, EXPECTED, describe(image));
}

export async function encodeBatch(input: BatchInput, list: TransferList, op: string, arg: string): Promise<EncodedBatch> {
  if (input instanceof Float32Array) return { batch: { kind: 'chw', data: list.take(input), shape: null }, form: 'array' };
  if (isTensorLike(input)) return { batch: { kind: 'chw', data: list.take(input.data), shape: [...input.shape] }, form: 'tensor' };
  if (Array.isArray(input)) {
    const images = await Promise.all(input.map((img, i) => pixelsOf(img as WorkerImage, list, op, `${arg}[${i}]`)));
    return { batch: { kind: 'rgba', images, single: false }, form: 'images' };
  }
  const image = await pixelsOf(input as WorkerImage, list, op, arg);
  return { batch: { kind: 'rgba', images: [image], single: true }, form: 'image' };
}

/** An RGBA result as ImageData where the platform has it (browsers, workers), else a plain object. */
export function toImageResult(image: { data: Uint8Array | Uint8ClampedArray; width: number; height: number }): RgbaImage {
  const data =
    image.data instanceof Uint8ClampedArray ? image.data : new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  if (typeof ImageData === 'function') return new ImageData(data as Uint8ClampedArray<ArrayBuffer>, image.width, image.height) as RgbaImage;
  return { data, width: image.width, height: image.height };
}

export function decodeBatch(batch: WireBatch, form: Form): Float32Array | TensorLike | RgbaImage | RgbaImage[] {
  if (batch.kind === 'chw') return form === 'array' ? batch.data : { data: batch.data, shape: batch.shape ?? [] };
  const images = batch.images.map(toImageResult);
  return form === 'images' ? images : images[0];
}

/**
 * Draws an RGBA result onto a canvas (a new one when none is given: an OffscreenCanvas where
 * there is no DOM), sized to the image, and returns the canvas.
 */
export function drawToCanvas<C extends DomHTMLCanvasElement | DomOffscreenCanvas>(image: RgbaImage, canvas?: C): C {
  let target: HTMLCanvasElement | OffscreenCanvas | undefined = canvas;
  if (!target) {
    if (typeof document !== 'undefined') target = document.createElement('canvas');
    else if (typeof OffscreenCanvas !== 'undefined') target = new OffscreenCanvas(image.width, image.height);
    else throw new AttributeError('drawToCanvas', 'canvas', 'a canvas (this environment cannot create one)', 'none');
  }
  target.width = image.width;
  target.height = image.height;
  const ctx = target.getContext('2d') as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
  if (!ctx) throw new AttributeError('drawToCanvas', 'canvas', 'a canvas with a 2D context', 'one whose 2D context is unavailable');
  // Where a canvas exists so does ImageData, so toImageResult gives one.
  ctx.putImageData(toImageResult(image) as ImageData, 0, 0);
  return target as C;
}
