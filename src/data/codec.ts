// Image decoding and PNG encoding. In Node: PNG through pngjs, JPEG through jpeg-js, chosen
// by magic bytes rather than file names (a .jpg that is really a PNG still loads). Both
// libraries are imported lazily through computed specifiers, so browser bundles neither pull
// them in nor try to resolve their Node built-ins (zlib, stream).
import { CycleGANError } from '../errors.js';
import { ImageDecodeError, UnsupportedImageFormatError } from './errors.js';
import { decodeImageBrowser } from './codec_browser.js';
import type { DecodedImage } from './image.js';
import { rawChannels, toRgb } from './image.js';

export type SniffedFormat = 'png' | 'jpeg' | 'gif' | 'webp' | 'bmp' | 'tiff' | 'empty' | 'unknown';

/** What the first bytes of a file say it is. */
export function sniffImageFormat(bytes: Uint8Array): SniffedFormat {
  const b = bytes;
  const at = (i: number, s: string): boolean => [...s].every((ch, k) => b[i + k] === ch.charCodeAt(0));
  if (b.length === 0) return 'empty';
  if (b.length >= 8 && b[0] === 0x89 && at(1, 'PNG\r\n\x1a\n')) return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (at(0, 'GIF8')) return 'gif';
  if (at(0, 'RIFF') && at(8, 'WEBP')) return 'webp';
  if (at(0, 'BM')) return 'bmp';
  if (at(0, 'II*\0') || at(0, 'MM\0*')) return 'tiff';
  return 'unknown';
}

export interface DecodeOptions {
  /** File path or label used in error messages. */
  name?: string;
  /** Refuse images over this many megapixels before allocating them (default 100, jpeg-js's). */
  maxResolutionInMP?: number;
  /** jpeg-js's memory cap for one decode (default 512). */
  maxMemoryUsageInMB?: number;
}

interface PngModule {
  PNG: {
    new (opts: { width: number; height: number }): { data: Uint8Array };
    sync: {
      read(buf: Uint8Array): { width: number; height: number; data: Uint8Array };
      write(png: { data: Uint8Array }, opts?: { colorType?: number; filterType?: number }): Uint8Array;
    };
  };
}
interface JpegModule {
  decode(
    data: Uint8Array,
    opts: { useTArray: true; formatAsRGBA: true; maxResolutionInMP: number; maxMemoryUsageInMB: number },
  ): { width: number; height: number; data: Uint8Array };
}

let codecs: Promise<{ png: PngModule; jpeg: JpegModule }> | undefined;

async function importCjs<T>(specifier: string, key: keyof T): Promise<T> {
  // Computed so bundlers leave it alone; CJS packages arrive with their exports on `default`.
  const mod = (await import(/* @vite-ignore */ specifier)) as T & { default?: T };
  return (mod[key] !== undefined ? mod : mod.default) as T;
}

function loadCodecs(): Promise<{ png: PngModule; jpeg: JpegModule }> {
  codecs ??= Promise.all([importCjs<PngModule>('pngjs', 'PNG'), importCjs<JpegModule>('jpeg-js', 'decode')])
    .then(([png, jpeg]) => ({ png, jpeg }))
    .catch((e: unknown) => {
      codecs = undefined;
      throw new CycleGANError(`decodeImage/encodePng need Node.js with pngjs and jpeg-js installed (${(e as Error).message}); in a browser use decodeImageBrowser`);
    });
  return codecs;
}

function toBuffer(bytes: Uint8Array): Uint8Array {
  // pngjs reads with Buffer methods; a Buffer view over the same memory avoids a copy.
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const isNode = (): boolean => typeof process !== 'undefined' && typeof process.versions?.node === 'string';

/**
 * Decodes PNG or JPEG bytes to RGBA. Damaged data, an over-size image or bytes of another kind
 * raise ImageDecodeError / UnsupportedImageFormatError naming `options.name`. Outside Node the
 * bytes go to the browser's decoder (decodeImageBrowser) instead, so one call works everywhere.
 */
export async function decodeImage(bytes: Uint8Array | ArrayBuffer, options: DecodeOptions = {}): Promise<DecodedImage> {
  const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const name = options.name ?? '<bytes>';
  const maxMP = options.maxResolutionInMP ?? 100;
  const format = sniffImageFormat(data);
  if (!isNode() && format !== 'empty' && format !== 'unknown') {
    try {
      return await decodeImageBrowser(new Blob([data as Uint8Array<ArrayBuffer>]));
    } catch (e) {
      if (e instanceof ImageDecodeError) throw new ImageDecodeError(name, format, e.detail);
      throw e;
    }
  }
  if (format !== 'png' && format !== 'jpeg') throw new UnsupportedImageFormatError(name, format);
  const { png, jpeg } = await loadCodecs();
  try {
    if (format === 'png') {
      // pngjs has no size cap: read IHDR's width and height first so a hostile header cannot
      // make us allocate gigabytes.
      if (data.length >= 24) {
        const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
        const mp = (view.getUint32(16) * view.getUint32(20)) / 1e6;
        if (mp > maxMP) throw new ImageDecodeError(name, 'PNG', `${mp.toFixed(1)} megapixels exceeds maxResolutionInMP = ${maxMP}`);
      }
      const img = png.PNG.sync.read(toBuffer(data));
      const rgba = new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength);
      return { data: rgba, width: img.width, height: img.height, channels: 4, format: 'png' };
    }
    const img = jpeg.decode(data, {
      useTArray: true,
      formatAsRGBA: true,
      maxResolutionInMP: maxMP,
      maxMemoryUsageInMB: options.maxMemoryUsageInMB ?? 512,
    });
    return { data: img.data, width: img.width, height: img.height, channels: 4, format: 'jpeg' };
  } catch (e) {
    if (e instanceof CycleGANError) throw e;
    throw new ImageDecodeError(name, format === 'png' ? 'PNG' : 'JPEG', (e as Error)?.message ?? String(e));
  }
}

/**
 * Encodes 8-bit pixels (RGBA, RGB or gray, told apart by length) of width x height as an RGBA
 * PNG file's bytes.
 */
export async function encodePng(pixels: Uint8Array | Uint8ClampedArray, width: number, height: number): Promise<Uint8Array> {
  const c = rawChannels({ data: pixels, width, height }, 'encodePng input');
  let rgba: Uint8Array;
  if (c === 4) rgba = new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.length);
  else {
    const rgb = toRgb({ data: pixels, width, height, channels: c }).data;
    rgba = new Uint8Array(width * height * 4);
    for (let p = 0; p < width * height; p++) {
      rgba.set(rgb.subarray(p * 3, p * 3 + 3), p * 4);
      rgba[p * 4 + 3] = c === 2 ? pixels[p * 2 + 1] : 255; // keep gray+alpha's alpha
    }
  }
  const { png } = await loadCodecs();
  const out = new png.PNG({ width, height });
  out.data = toBuffer(rgba);
  // One filter (Paeth) for every row instead of pngjs's default, which tries all five per row
  // and keeps the smallest: a 512x512 photo encodes in about half the time, the file ~0.5% larger.
  const file = png.PNG.sync.write(out, { colorType: 6, filterType: 4 });
  return new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
}
