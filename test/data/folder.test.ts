import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Rng } from '../../src/index.js';
import {
  DatasetFolderError,
  ImageDecodeError,
  UnsupportedImageFormatError,
  decodeImage,
  encodePng,
  loadFolderDataset,
  sniffImageFormat,
} from '../../src/data/index.js';
import { grayPngBytes, jpegBytes, patternRgba, pngBytes, tempDir, writeFiles } from './helpers.js';

let cleanups: (() => void)[] = [];
afterEach(() => {
  cleanups.forEach((c) => c());
  cleanups = [];
});
const temp = (): string => {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
};

describe('decodeImage / encodePng', () => {
  it('decodes PNG and JPEG by magic bytes to RGBA', async () => {
    const png = await decodeImage(pngBytes(6, 4, 1));
    expect([png.width, png.height, png.channels, png.format]).toEqual([6, 4, 4, 'png']);
    expect(Array.from(png.data)).toEqual(Array.from(patternRgba(6, 4, 1)));
    const jpg = await decodeImage(jpegBytes(8, 8));
    expect([jpg.width, jpg.height, jpg.format]).toEqual([8, 8, 'jpeg']);
    const ref = patternRgba(8, 8);
    let maxd = 0;
    for (let i = 0; i < ref.length; i++) maxd = Math.max(maxd, Math.abs(ref[i] - jpg.data[i]));
    expect(maxd).toBeLessThan(40); // lossy, but the same picture
  });

  it('round-trips through encodePng (RGBA and RGB input)', async () => {
    const rgba = patternRgba(5, 7, 3);
    expect(Array.from((await decodeImage(await encodePng(rgba, 5, 7))).data)).toEqual(Array.from(rgba));
    const rgb = new Uint8Array(5 * 7 * 3).map((_, i) => i & 255);
    const back = (await decodeImage(await encodePng(rgb, 5, 7))).data;
    expect(back[3]).toBe(255);
    expect([back[4], back[5], back[6]]).toEqual([3, 4, 5]);
  });

  it('names the source in typed errors', async () => {
    const corrupt = pngBytes(8, 8).slice(0, 40);
    await expect(decodeImage(corrupt, { name: 'x/broken.png' })).rejects.toThrow(ImageDecodeError);
    await expect(decodeImage(corrupt, { name: 'x/broken.png' })).rejects.toThrow(/x\/broken\.png/);
    const text = new TextEncoder().encode('hello, not an image');
    await expect(decodeImage(text, { name: 'notes.png' })).rejects.toThrow(UnsupportedImageFormatError);
    await expect(decodeImage(text, { name: 'notes.png' })).rejects.toThrow(/notes\.png/);
    expect(sniffImageFormat(new TextEncoder().encode('GIF89a...'))).toBe('gif');
    expect(sniffImageFormat(new Uint8Array())).toBe('empty');
    await expect(decodeImage(pngBytes(40, 30), { maxResolutionInMP: 0.001 })).rejects.toThrow(/maxResolutionInMP/);
  });
});

describe('loadFolderDataset', () => {
  it('reads the PyTorch-GAN layout (train/A, train/B) with PNG and JPEG files, sorted', async () => {
    const root = temp();
    writeFiles(join(root, 'train', 'A'), { 'b.png': pngBytes(12, 10, 1), 'a.jpg': jpegBytes(10, 12, 2), 'c.JPEG': jpegBytes(9, 9), 'skip.txt': 'x' });
    writeFiles(join(root, 'train', 'B'), { '1.png': pngBytes(10, 10, 3), '2.png': grayPngBytes(11, 10) });
    writeFiles(join(root, 'test', 'A'), { 't.png': pngBytes(10, 10) });
    writeFiles(join(root, 'test', 'B'), { 't.png': pngBytes(10, 10) });
    const ds = await loadFolderDataset(root, { imgHeight: 8 });
    expect(ds.layout).toBe('pytorch-gan');
    expect(ds.files.A.map((f) => f.slice(root.length + 1))).toEqual(['train/A/a.jpg', 'train/A/b.png', 'train/A/c.JPEG']);
    expect([ds.length, ds.channels, ds.height, ds.width]).toEqual([3, 3, 8, 8]);
    const rng = new Rng(0);
    for (let i = 0; i < 6; i++) {
      const p = await ds.get(i, rng);
      expect(p.A.length).toBe(3 * 64);
      expect(p.B.length).toBe(3 * 64);
      expect(p.A.every((v) => v >= -1 && v <= 1) && p.B.every((v) => v >= -1 && v <= 1)).toBe(true);
    }
    // Grayscale PNG in B: three identical channels.
    const aligned = await loadFolderDataset(root, { imgHeight: 8, unaligned: false, transform: 'eval' });
    const gray = (await aligned.get(1, rng)).B;
    expect(gray.subarray(0, 64)).toEqual(gray.subarray(64, 128));
    const test = await loadFolderDataset(root, { mode: 'test', imgHeight: 8 });
    expect(test.length).toBe(1);
  });

  it('reads the original CycleGAN layout (trainA, trainB, testA, testB)', async () => {
    const root = temp();
    writeFiles(join(root, 'trainA'), { '1.png': pngBytes(10, 10) });
    writeFiles(join(root, 'trainB'), { '1.jpg': jpegBytes(10, 10), '2.jpg': jpegBytes(10, 10, 4) });
    writeFiles(join(root, 'testA'), { '1.png': pngBytes(10, 10) });
    writeFiles(join(root, 'testB'), { '1.png': pngBytes(10, 10) });
    const ds = await loadFolderDataset(root, { imgHeight: 8 });
    expect(ds.layout).toBe('cyclegan');
    expect(ds.length).toBe(2);
    expect((await ds.get(0, new Rng(1))).B.length).toBe(192);
    expect((await loadFolderDataset(root, { mode: 'test', imgHeight: 8 })).files.B).toEqual([join(root, 'testB', '1.png')]);
  });

  it('samples deterministically per seed, whatever the load order', async () => {
    const root = temp();
    writeFiles(join(root, 'trainA'), Object.fromEntries([0, 1, 2].map((i) => [`${i}.png`, pngBytes(10, 10, i)])));
    writeFiles(join(root, 'trainB'), Object.fromEntries([0, 1, 2, 3].map((i) => [`${i}.png`, pngBytes(10, 10, 10 + i)])));
    const run = async (seed: number, concurrent: boolean) => {
      const ds = await loadFolderDataset(root, { imgHeight: 8 });
      const rng = new Rng(seed);
      if (concurrent) return Promise.all(Array.from({ length: 8 }, (_, i) => ds.get(i, rng)));
      const out = [];
      for (let i = 0; i < 8; i++) out.push(await ds.get(i, rng));
      return out;
    };
    const a = await run(3, false);
    expect(await run(3, true)).toEqual(a);
    expect(await run(4, false)).not.toEqual(a);
  });

  it('gives typed errors naming the path', async () => {
    const root = temp();
    await expect(loadFolderDataset(join(root, 'nope'))).rejects.toThrow(DatasetFolderError);
    await expect(loadFolderDataset(join(root, 'nope'))).rejects.toThrow(/nope.*does not exist/);
    await expect(loadFolderDataset(root)).rejects.toThrow(/trainA and trainB/);

    writeFiles(join(root, 'train', 'A'), { 'a.png': pngBytes(10, 10) });
    await expect(loadFolderDataset(root)).rejects.toThrow(new RegExp(`${join(root, 'train', 'B')}.*does not exist`));

    writeFiles(join(root, 'train', 'B'), { 'readme.txt': 'no images here' });
    const empty = await loadFolderDataset(root).catch((e: unknown) => e);
    expect(empty).toBeInstanceOf(DatasetFolderError);
    expect((empty as DatasetFolderError).problem).toBe('empty');
    expect((empty as Error).message).toContain(join(root, 'train', 'B'));

    // A text file named .png fails while listing, or at first use without verify.
    writeFiles(join(root, 'train', 'B'), { 'fake.png': 'this is text' });
    const fake = join(root, 'train', 'B', 'fake.png');
    await expect(loadFolderDataset(root)).rejects.toThrow(UnsupportedImageFormatError);
    await expect(loadFolderDataset(root)).rejects.toThrow(fake);
    const lazy = await loadFolderDataset(root, { verify: false, imgHeight: 8 });
    await expect(Promise.resolve(lazy.get(0, new Rng(0)))).rejects.toThrow(fake);

    // Corrupt PNG bytes (valid signature, truncated body) fail at decode, naming the file.
    writeFiles(join(root, 'train', 'B'), { 'fake.png': pngBytes(10, 10).slice(0, 50) });
    const ds = await loadFolderDataset(root, { imgHeight: 8 });
    const err = await Promise.resolve(ds.get(0, new Rng(0))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageDecodeError);
    expect((err as Error).message).toContain(fake);
  });
});
