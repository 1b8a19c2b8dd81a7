// The example page (examples/web/) in headless Chromium, driven as a person would, on WASM and
// on WebGPU (SwiftShader): a weight file dropped onto the page is loaded and says which domain
// it expects; a non-square photo whose sides are not multiples of 4 is translated at its full
// size; a tiny model is trained (progress bar and ETA, live loss chart); the download buttons
// give the generators (safetensors) and the checkpoint; the webcam mode (Chromium's fake
// camera) translates frame after frame and shows the fps. Screenshots are written to a temporary
// folder (printed); every canvas checked must hold a picture, not a blank or one-colour canvas.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, expect, it } from 'vitest';
import { builtinDataset, createEngine, encodePng, GeneratorResNet, saveWeightsAsync } from '../../src/index.js';
import { launchChromium, recordConsole, serveStatic, withConsole, type StaticServer } from '../helpers/chromium.js';
import { describeBrowser, requireDist, ROOT } from './env.js';

const TRAIN_STEPS = 2;
const CAMERA_FLAGS = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'];

/** Per-channel variance and the number of distinct colours of RGBA pixels. */
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

/** A "photo" of 45x30 (neither side a multiple of 4): domain A of the built-in dataset. */
async function photoPng(): Promise<Buffer> {
  const [w, h] = [45, 30];
  const rgb = builtinDataset({ seed: 9, imgHeight: h, imgWidth: w, size: 1 }).image('A', 0);
  const rgba = new Uint8Array(w * h * 4);
  for (let p = 0; p < w * h; p++) {
    rgba.set(rgb.data.subarray(p * 3, p * 3 + 3), p * 4);
    rgba[p * 4 + 3] = 255;
  }
  return Buffer.from(await encodePng(rgba, w, h));
}

/** A G_BA generator (32x32, one residual block, seeded weights) saved as the CLI saves it. */
async function generatorFile(): Promise<Uint8Array> {
  const engine = await createEngine({ backend: 'wasm', seed: 3 });
  try {
    const g = new GeneratorResNet(engine, [3, 32, 32], 1);
    const bytes = await saveWeightsAsync(g, { metadata: { direction: 'BtoA' } });
    g.dispose();
    return bytes;
  } finally {
    engine.dispose();
  }
}

async function canvasPixels(page: Page, selector: string): Promise<{ width: number; height: number; data: number[] }> {
  return page.evaluate((sel) => {
    const c = document.querySelector(sel) as HTMLCanvasElement;
    return { width: c.width, height: c.height, data: Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data) };
  }, selector);
}

async function expectPicture(page: Page, selector: string, what: string): Promise<{ width: number; height: number; data: number[] }> {
  const px = await canvasPixels(page, selector);
  const s = pictureStats(px.data);
  expect(s.variance, `${what}: variance`).toBeGreaterThan(1);
  expect(s.colours, `${what}: distinct colours`).toBeGreaterThan(10);
  return px;
}

const statusStartsWith = (page: Page, prefix: string, timeout = 120_000) =>
  page.waitForFunction((p) => document.querySelector('#status')!.textContent!.startsWith(p), prefix, { timeout });

/** Clicks a download button and returns the downloaded file's name and bytes. */
async function downloadFrom(page: Page, selector: string): Promise<{ name: string; bytes: Buffer }> {
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.click(selector)]);
  const path = await dl.path();
  return { name: dl.suggestedFilename(), bytes: readFileSync(path) };
}

/** The __metadata__ of safetensors bytes. */
function safetensorsMeta(bytes: Buffer): Record<string, string> {
  const n = Number(bytes.readBigUInt64LE(0));
  return JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')).__metadata__ ?? {};
}

describeBrowser('the example page (examples/web)', () => {
  const shots = mkdtempSync(join(tmpdir(), 'cyclegan-example-'));
  let fixtures: string;
  let browser: Browser | undefined;
  let server: StaticServer | undefined;
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    console.info(`example page: screenshots in ${shots}`);
  });

  for (const backend of ['wasm', 'webgpu'] as const) {
    it(`${backend}: dropped weights, a full-size non-square photo, training with progress, downloads, webcam`, async () => {
      requireDist();
      if (!server) {
        fixtures = mkdtempSync(join(tmpdir(), 'cyclegan-example-files-'));
        writeFileSync(join(fixtures, 'G_BA.safetensors'), await generatorFile());
        server = await serveStatic({ '/dist': join(ROOT, 'dist'), '/examples/web': join(ROOT, 'examples', 'web'), '/files': fixtures });
      }
      await browser?.close();
      browser = await launchChromium({ webgpu: backend === 'webgpu', args: CAMERA_FLAGS });
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 }, acceptDownloads: true });
      const log = recordConsole(page);
      await page.goto(`${server.url}/examples/web/`);
      await page.waitForSelector('body[data-ready="true"]', { state: 'attached', timeout: 30_000 });
      const shot = (name: string) => page.screenshot({ path: join(shots, `${backend}-${name}.png`), fullPage: true });

      await withConsole(log, async () => {
        await page.selectOption('#backend', backend);

        // 1. A weight file dropped onto the page: loaded, its recorded direction shown.
        await page.evaluate(async () => {
          const bytes = await (await fetch('/files/G_BA.safetensors')).arrayBuffer();
          const dt = new DataTransfer();
          dt.items.add(new File([bytes], 'G_BA.safetensors'));
          document.querySelector('#drop')!.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
        });
        await statusStartsWith(page, 'loaded G_BA.safetensors');
        expect(await page.textContent('#engine')).toContain(`worker running ${backend}`);
        if (backend === 'wasm') expect(await page.textContent('#engine')).toMatch(/\d+ threads?/);
        expect(await page.textContent('#domain')).toContain('G_BA.safetensors: a generator for B to A (recorded in the file): it expects images of its training\'s domain B');
        expect(await page.inputValue('#direction')).toBe('BtoA');

        // 2. A non-square photo (45x30): translated at its full size, not cropped or squeezed.
        const photo = await photoPng();
        await page.setInputFiles('#file', { name: 'photo.png', mimeType: 'image/png', buffer: photo });
        await statusStartsWith(page, 'picked photo.png (45x30); translation shown');
        const input = await expectPicture(page, '#input', 'input canvas');
        const output = await expectPicture(page, '#output', 'translation of the photo');
        expect([input.width, input.height, output.width, output.height]).toEqual([45, 30, 45, 30]);
        await shot('loaded-weights-photo');

        // The loaded generator downloads as safetensors with its direction.
        const gba = await downloadFrom(page, '#dl-gba');
        expect(gba.name).toBe('G_BA.safetensors');
        expect(safetensorsMeta(gba.bytes).direction).toBe('BtoA');

        // 3. Training: the progress bar fills and says how long is left; the loss chart fills.
        await page.fill('#steps', String(TRAIN_STEPS));
        await page.fill('#blocks', '1');
        await page.selectOption('#direction', 'AtoB');
        await page.click('#train');
        await statusStartsWith(page, `trained ${TRAIN_STEPS} steps on ${backend}`, 600_000);
        expect(await page.getAttribute('#progress', 'value')).toBe(String(TRAIN_STEPS));
        expect(await page.textContent('#eta')).toMatch(new RegExp(`step ${TRAIN_STEPS} of ${TRAIN_STEPS}, .* elapsed, about .* left`));
        expect(Number(await page.getAttribute('#chart', 'data-points'))).toBeGreaterThanOrEqual(1);
        expect(await page.textContent('#domain')).toContain('G_AB expects domain A (flat-coloured shapes on a light background)');
        const trained = await expectPicture(page, '#output', 'translation after training');
        expect([trained.width, trained.height]).toEqual([45, 30]);
        await shot('trained');

        // 4. Downloads of what was trained: both generators and the checkpoint.
        const gab = await downloadFrom(page, '#dl-gab');
        expect(gab.name).toBe('G_AB.safetensors');
        expect(safetensorsMeta(gab.bytes).direction).toBe('AtoB');
        const ckpt = await downloadFrom(page, '#dl-ckpt');
        expect(ckpt.name).toBe('cyclegan-checkpoint.bin');
        expect(ckpt.bytes.byteLength).toBeGreaterThan(gab.bytes.byteLength * 2);

        // 5. Webcam mode with Chromium's fake camera (640x480, frames scaled to the longest side
        // chosen, 128 here so SwiftShader keeps up): frames keep coming, the fps is shown.
        await page.selectOption('#longest', '128');
        await page.click('#webcam');
        await page.waitForFunction(() => Number(document.querySelector('#fps')!.getAttribute('data-frames') ?? 0) >= 3, null, { timeout: 400_000 });
        expect(await page.textContent('#fps')).toMatch(/^webcam: \d+\.\d fps \(\d+x\d+\)$/);
        const frame = await expectPicture(page, '#output', 'translated webcam frame');
        expect([frame.width, frame.height]).toEqual([128, 96]);
        await shot('webcam');
        await page.click('#webcam');
        await page.waitForFunction(() => document.querySelector('#webcam')!.textContent === 'Start webcam');
      });
      await page.close();
    }, 900_000);
  }
});
