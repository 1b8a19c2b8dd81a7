// The "without a bundler" page of docs/web.md is test/browser/pages/readme.html, verbatim (checked here),
// served with the package's dist/ where an npm install puts it. In Chromium it trains a few
// steps in a worker and translates an <img>; the canvas must show what the same training and
// translation give in Node with the in-thread API.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinDataset, chwToRgba, CycleGANTrainer, encodePng, rgbaToChw } from '../../src/index.js';
import { withConsole } from '../helpers/chromium.js';
import { browserSkipped, chromiumProbe, openSession, PAGES, ROOT, type Session } from './env.js';
import { referenceEngine } from './reference.js';

const SIZE = 32;
// What the page's script asks for: its trainer options and dataset.
const OPTIONS = { imgHeight: SIZE, imgWidth: SIZE, nResidualBlocks: 2, nEpochs: 1, decayEpoch: 0 };
const DATASET = { imgHeight: SIZE, imgWidth: SIZE, size: 4 };

/** An opaque 32x32 picture from the built-in dataset's test split. */
function photo(): Uint8Array {
  const rgb = builtinDataset({ seed: 2, mode: 'test', imgHeight: SIZE, imgWidth: SIZE, size: 1 }).image('A', 0);
  const rgba = new Uint8Array(SIZE * SIZE * 4);
  for (let p = 0; p < SIZE * SIZE; p++) {
    rgba.set(rgb.data.subarray(p * 3, p * 3 + 3), p * 4);
    rgba[p * 4 + 3] = 255;
  }
  return rgba;
}

/** The page's run, in this thread: train the same steps, translate the same pixels. */
async function inNode(rgba: Uint8Array): Promise<Uint8ClampedArray> {
  // the WASM build the page's worker runs (relaxed SIMD in Chromium)
  const engine = await referenceEngine();
  try {
    const trainer = new CycleGANTrainer(engine, OPTIONS);
    await trainer.fit(builtinDataset(DATASET));
    const y = await trainer.translate(engine.tensor(rgbaToChw(rgba, SIZE, SIZE), [1, 3, SIZE, SIZE]), 'AtoB');
    return chwToRgba(await y.data(), 3, SIZE, SIZE);
  } finally {
    engine.dispose();
  }
}

describe("docs/web.md's page example", () => {
  let session: Session | undefined;
  let dir: string | undefined;
  afterAll(async () => {
    await session?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is in docs/web.md verbatim', () => {
    const page = readFileSync(join(PAGES, 'readme.html'), 'utf8').trim();
    expect(readFileSync(join(ROOT, 'docs', 'web.md'), 'utf8').includes(page), 'docs/web.md must contain test/browser/pages/readme.html verbatim').toBe(true);
  });

  it.skipIf(browserSkipped)(`trains in a worker and draws the translation Node computes${browserSkipped ? ` (skipped outside CI: ${chromiumProbe.reason})` : ''}`, async () => {
    const rgba = photo();
    const expected = await inNode(rgba);
    dir = mkdtempSync(join(tmpdir(), 'cyclegan-readme-'));
    copyFileSync(join(PAGES, 'readme.html'), join(dir, 'index.html'));
    writeFileSync(join(dir, 'photo.png'), await encodePng(rgba, SIZE, SIZE));
    session = await openSession(false, { '/node_modules/cyclegan-engine/dist': join(ROOT, 'dist'), '/': dir });
    const page = await session.browser.newPage();
    const log: string[] = [];
    page.on('console', (m) => log.push(m.text()));
    page.on('pageerror', (e) => log.push(`[pageerror] ${e.message}`));
    await withConsole(log, async () => {
      const done = page.waitForEvent('console', { predicate: (m) => m.text().startsWith('translated'), timeout: 120_000 });
      await page.goto(`${session!.server.url}/`);
      expect((await done).text()).toBe(`translated ${SIZE}x${SIZE} after 4 steps on wasm`);
      // Progress reached the page (the first and last steps at least: it is throttled to 4 a second).
      expect(log.filter((l) => l.startsWith('step ')).length).toBeGreaterThanOrEqual(2);
      const pixels = await page.evaluate(() => {
        const c = document.querySelector('#result') as HTMLCanvasElement;
        return Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data);
      });
      expect(pixels).toHaveLength(expected.length);
      let worst = 0;
      for (let i = 0; i < pixels.length; i++) worst = Math.max(worst, Math.abs(pixels[i] - expected[i]));
      expect(worst, 'largest pixel difference from Node, in 8-bit levels').toBeLessThanOrEqual(1);
    });
  }, 240_000);
});
