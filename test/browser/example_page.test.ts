// Issue #6, item 8: the example page (examples/web/) in headless Chromium, driven as a person
// would: choose the WASM backend, train a tiny model on the built-in dataset (the loss chart
// fills as steps arrive), see the translation, then pick an image file and see it translated.
// Screenshots of the page and of the output canvas are taken; the output must be a picture,
// not a blank or one-colour canvas.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import type { Page } from 'playwright-core';
import { afterAll, expect, it } from 'vitest';
import { builtinDataset, encodePng } from '../../src/index.js';
import { withConsole } from '../helpers/chromium.js';
import { describeBrowser, openPage, openSession, ROOT, type Session } from './env.js';

const STEPS = 3;

/** Per-channel variance and the number of distinct colours of an RGBA image. */
function pictureStats(rgba: Uint8Array | number[]): { variance: number; colours: number } {
  const n = rgba.length / 4;
  let sum = 0;
  let sq = 0;
  const colours = new Set<number>();
  for (let p = 0; p < n; p++) {
    for (let c = 0; c < 3; c++) {
      const v = rgba[p * 4 + c];
      sum += v;
      sq += v * v;
    }
    colours.add((rgba[p * 4] << 16) | (rgba[p * 4 + 1] << 8) | rgba[p * 4 + 2]);
  }
  const mean = sum / (3 * n);
  return { variance: sq / (3 * n) - mean * mean, colours: colours.size };
}

/** A picture to pick: domain B of the built-in dataset at 48x40, so the page must crop and scale it. */
async function pickedPng(): Promise<Buffer> {
  const rgb = builtinDataset({ seed: 9, imgHeight: 40, imgWidth: 48, size: 1 }).image('B', 0);
  const rgba = new Uint8Array(48 * 40 * 4);
  for (let p = 0; p < 48 * 40; p++) {
    rgba.set(rgb.data.subarray(p * 3, p * 3 + 3), p * 4);
    rgba[p * 4 + 3] = 255;
  }
  return Buffer.from(await encodePng(rgba, 48, 40));
}

describeBrowser('the example page (examples/web)', () => {
  let session: Session | undefined;
  afterAll(async () => session?.close());

  it('trains with a live loss chart, translates, and takes a picked image', async () => {
    session = await openSession(false, { '/examples/web': join(ROOT, 'examples', 'web') });
    const { page, log } = await openPage(session, '/examples/web/', { viewport: { width: 1000, height: 800 } });
    const shots = mkdtempSync(join(tmpdir(), 'cyclegan-example-'));

    await withConsole(log, async () => {
      await page.selectOption('#backend', 'wasm');
      await page.fill('#steps', String(STEPS));
      await page.click('#train');
      await page.waitForSelector('#output[data-state="translated"]', { timeout: 240_000 });
      await page.waitForFunction(() => !(document.querySelector('#train') as HTMLButtonElement).disabled);
      const status = await page.textContent('#status');
      expect(status).toContain(`trained ${STEPS} steps on wasm`);
      expect(await page.textContent('#engine')).toContain('worker running wasm');
      // Progress reached the chart while training (at most one point per step).
      const points = Number(await page.getAttribute('#chart', 'data-points'));
      expect(points).toBeGreaterThanOrEqual(1);
      expect(points).toBeLessThanOrEqual(STEPS);

      await page.screenshot({ path: join(shots, 'page-trained.png'), fullPage: true });
      const trained = PNG.sync.read(await page.locator('#output').screenshot({ path: join(shots, 'output-trained.png') }));
      const first = pictureStats(trained.data);
      console.info(`example page: screenshots in ${shots}; output canvas variance ${first.variance.toFixed(1)}, ${first.colours} colours`);
      expect(first.variance, 'variance of the output canvas screenshot').toBeGreaterThan(0);
      expect(first.colours, 'distinct colours in the output canvas screenshot').toBeGreaterThan(1);
      const before = await canvasPixels(page, '#output');
      expect(pictureStats(before).colours, 'distinct colours in the output canvas itself').toBeGreaterThan(10);

      // A person picks a file: it is cropped, scaled to the model's 32x32 and translated.
      const png = await pickedPng();
      writeFileSync(join(shots, 'picked.png'), png);
      await page.setInputFiles('#file', { name: 'picked.png', mimeType: 'image/png', buffer: png });
      await page.waitForFunction(() => document.querySelector('#status')!.textContent!.startsWith('picked picked.png'), null, { timeout: 60_000 });
      expect(await page.textContent('#status')).toContain('(48x40); translation shown');
      const after = await canvasPixels(page, '#output');
      expect(after).toHaveLength(32 * 32 * 4);
      expect(pictureStats(after).colours).toBeGreaterThan(10);
      expect(after, 'the picked image gives a different translation').not.toEqual(before);
      await page.screenshot({ path: join(shots, 'page-picked.png'), fullPage: true });
    });
  }, 300_000);
});

async function canvasPixels(page: Page, selector: string): Promise<number[]> {
  return page.evaluate((sel) => {
    const c = document.querySelector(sel) as HTMLCanvasElement;
    return Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data);
  }, selector);
}
