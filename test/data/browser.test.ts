import { afterEach, describe, expect, it, vi } from 'vitest';
import { Rng } from '../../src/index.js';
import { BlobDataset, ImageDecodeError, decodeImageBrowser } from '../../src/data/index.js';

// Node has no canvas: these check the browser decoder's plumbing with stand-ins for
// createImageBitmap and OffscreenCanvas.
afterEach(() => vi.unstubAllGlobals());

describe('decodeImageBrowser', () => {
  it('takes ImageData as is', async () => {
    const data = new Uint8ClampedArray(2 * 3 * 4).map((_, i) => i);
    const img = await decodeImageBrowser({ data, width: 2, height: 3, colorSpace: 'srgb' } as ImageData);
    expect([img.width, img.height, img.channels]).toEqual([2, 3, 4]);
    expect(Array.from(img.data)).toEqual(Array.from(data));
  });

  it('decodes a Blob through createImageBitmap (no premultiply) and an OffscreenCanvas', async () => {
    const calls: unknown[] = [];
    const bitmap = { width: 2, height: 1, close: vi.fn() };
    vi.stubGlobal('createImageBitmap', async (_b: Blob, opts: unknown) => (calls.push(opts), bitmap));
    vi.stubGlobal(
      'OffscreenCanvas',
      class {
        constructor(readonly width: number, readonly height: number) {}
        getContext() {
          return {
            drawImage: (b: unknown) => calls.push(b),
            getImageData: (_x: number, _y: number, w: number, h: number) => ({ data: new Uint8ClampedArray(w * h * 4).fill(7), width: w, height: h }),
          };
        }
      },
    );
    const img = await decodeImageBrowser(new Blob([new Uint8Array([1, 2, 3])], { type: 'image/png' }));
    expect([img.width, img.height, img.data.length, img.data[0]]).toEqual([2, 1, 8, 7]);
    expect(calls[0]).toEqual({ premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
    expect(calls[1]).toBe(bitmap);
    expect(bitmap.close).toHaveBeenCalled();
  });

  it('names the file when the browser cannot decode it', async () => {
    vi.stubGlobal('createImageBitmap', async () => {
      throw new Error('The source image could not be decoded.');
    });
    const file = new File([new Uint8Array([1, 2, 3])], 'cat.png', { type: 'image/png' });
    const err = await decodeImageBrowser(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageDecodeError);
    expect((err as Error).message).toContain('cat.png');
  });
});

describe('BlobDataset', () => {
  it('decodes each file once, on first use, and samples like the other datasets', async () => {
    let decodes = 0;
    vi.stubGlobal('createImageBitmap', async () => (decodes++, { width: 12, height: 10, close() {} }));
    vi.stubGlobal(
      'OffscreenCanvas',
      class {
        getContext() {
          return {
            drawImage() {},
            getImageData: (_x: number, _y: number, w: number, h: number) => ({ data: new Uint8ClampedArray(w * h * 4).fill(200), width: w, height: h }),
          };
        }
      },
    );
    const files = (n: number) => Array.from({ length: n }, (_, i) => new File([new Uint8Array([i])], `${i}.png`));
    const ds = new BlobDataset({ A: files(2), B: files(3) }, { imgHeight: 8, unaligned: false });
    expect(ds.length).toBe(3);
    const rng = new Rng(0);
    for (let i = 0; i < 6; i++) {
      const p = await ds.get(i, rng);
      expect(p.A.length).toBe(192);
      expect(p.A[0]).toBeCloseTo(200 / 127.5 - 1, 5);
    }
    expect(decodes).toBe(5);
    expect(() => new BlobDataset({ A: [], B: files(1) })).toThrow(/domain A/);
  });
});
