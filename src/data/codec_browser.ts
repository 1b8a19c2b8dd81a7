// Image decoding in browsers (and workers) with the platform's own decoders: createImageBitmap
// for encoded bytes, then a 2D canvas (OffscreenCanvas where there is one) to read pixels.
// Any format the browser can show works, not only PNG and JPEG.
import { CycleGANError } from '../errors.js';
import { ImageDecodeError, InvalidImageError } from './errors.js';
import type { DecodedImage } from './image.js';
import type { DomHTMLCanvasElement, DomHTMLImageElement, DomImageBitmap, DomImageData, DomOffscreenCanvas } from '../dom_types.js';

/** An image a page holds (the DOM classes resolve to never in a program without the DOM lib). */
export type BrowserImageSource = Blob | DomImageBitmap | DomImageData | DomHTMLCanvasElement | DomOffscreenCanvas | DomHTMLImageElement;

interface Canvas2D {
  getImageData(x: number, y: number, w: number, h: number): ImageData;
  drawImage(img: CanvasImageSource, x: number, y: number): void;
}

function labelOf(source: unknown): string {
  const name = (source as { name?: unknown }).name;
  if (typeof name === 'string' && name) return name; // a File
  return (source as object)?.constructor?.name ?? typeof source;
}

function context2d(width: number, height: number): Canvas2D {
  if (typeof OffscreenCanvas !== 'undefined') {
    const ctx = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
    if (ctx) return ctx as unknown as Canvas2D;
  }
  if (typeof document !== 'undefined') {
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (ctx) return ctx as unknown as Canvas2D;
  }
  throw new CycleGANError('decodeImageBrowser needs OffscreenCanvas or a DOM canvas; in Node use decodeImage');
}

function fromImageData(img: ImageData): DecodedImage {
  const d = img.data;
  return { data: new Uint8Array(d.buffer, d.byteOffset, d.byteLength), width: img.width, height: img.height, channels: 4, format: 'browser' };
}

function isImageData(s: unknown): s is ImageData {
  if (typeof ImageData !== 'undefined' && s instanceof ImageData) return true;
  const o = s as { data?: unknown; width?: unknown; height?: unknown; getContext?: unknown };
  return !!o && o.data instanceof Uint8ClampedArray && typeof o.width === 'number' && typeof o.height === 'number' && !o.getContext;
}

/**
 * Decodes an image in a browser to RGBA: a Blob/File of encoded bytes, an ImageBitmap, an
 * ImageData, a canvas or a loaded <img>. Colours are read without premultiplication or
 * colour-space conversion so pixel values match the file's.
 */
export async function decodeImageBrowser(source: BrowserImageSource): Promise<DecodedImage> {
  const label = labelOf(source);
  if (isImageData(source)) {
    if (source.data.length !== source.width * source.height * 4) {
      throw new InvalidImageError(label, `ImageData has ${source.data.length} bytes for ${source.width}x${source.height}`);
    }
    return fromImageData(source);
  }
  const canvas = source as { getContext?: (t: '2d') => Canvas2D | null; width: number; height: number };
  if (typeof canvas.getContext === 'function') {
    const ctx = canvas.getContext('2d');
    if (ctx) return fromImageData(ctx.getImageData(0, 0, canvas.width, canvas.height));
  }
  let bitmap: ImageBitmap;
  let owned = false; // a bitmap we made, to close once read
  if (typeof Blob !== 'undefined' && source instanceof Blob) {
    if (typeof createImageBitmap !== 'function') throw new CycleGANError('decodeImageBrowser: createImageBitmap is not available here');
    try {
      bitmap = await createImageBitmap(source, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
      owned = true;
    } catch (e) {
      throw new ImageDecodeError(label, source.type || 'image', (e as Error)?.message ?? 'the browser could not decode it');
    }
  } else {
    bitmap = source as ImageBitmap; // ImageBitmap, <img>, or a canvas whose 2D context is unavailable (WebGL)
  }
  const width = (bitmap as { naturalWidth?: number }).naturalWidth || bitmap.width;
  const height = (bitmap as { naturalHeight?: number }).naturalHeight || bitmap.height;
  if (!width || !height) throw new ImageDecodeError(label, 'image', 'it has no pixels (not loaded yet?)');
  const ctx = context2d(width, height);
  ctx.drawImage(bitmap as CanvasImageSource, 0, 0);
  if (owned) bitmap.close?.();
  return fromImageData(ctx.getImageData(0, 0, width, height));
}
