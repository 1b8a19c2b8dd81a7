// Helpers for the data tests: temp folders and image files encoded with pngjs / jpeg-js.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

/** An RGBA image whose pixels depend on (x, y, seed), so flips and crops are observable. */
export function patternRgba(width: number, height: number, seed = 0): Uint8Array {
  const out = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      out[o] = (x * 255) / Math.max(1, width - 1);
      out[o + 1] = (y * 255) / Math.max(1, height - 1);
      out[o + 2] = (seed * 37 + x * 11 + y * 5) & 255;
      out[o + 3] = 255;
    }
  }
  return out;
}

export function pngBytes(width: number, height: number, seed = 0): Uint8Array {
  const png = new PNG({ width, height });
  png.data = Buffer.from(patternRgba(width, height, seed));
  return PNG.sync.write(png);
}

/** A true 8-bit grayscale PNG (colour type 0). */
export function grayPngBytes(width: number, height: number): Uint8Array {
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, inputHasAlpha: false } as ConstructorParameters<typeof PNG>[0]);
  png.data = Buffer.from(Array.from({ length: width * height }, (_, i) => (i * 7) & 255));
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false });
}

export function jpegBytes(width: number, height: number, seed = 0): Uint8Array {
  return jpeg.encode({ data: Buffer.from(patternRgba(width, height, seed)), width, height }, 95).data;
}

/** A fresh temp dir; call the returned cleanup in afterEach/afterAll. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'cyclegan-data-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function writeFiles(dir: string, files: Record<string, Uint8Array | string>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
}
