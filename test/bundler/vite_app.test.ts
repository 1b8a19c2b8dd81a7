// Issue #6, item 7: a consumer app built with Vite from the packed package, with no Vite
// configuration at all (in particular none for the worker), opened in Chromium, translates an
// image in a worker. The tarball of `npm pack` is installed into a temporary project offline
// (its dependencies come from npm's cache, which `npm ci` of this repo fills); Vite runs
// through its API from this repo's node_modules. The app is test/bundler/app, whose main.js is
// the bundler example of README.md and docs/web.md (checked below, so the docs cannot drift
// from what runs).
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, createLogger } from 'vite';
import {
  builtinDataset,
  chwToRgba,
  createEngine,
  encodePng,
  GeneratorResNet,
  initWeightsNormal,
  rgbaToChw,
  saveWeights,
} from '../../src/index.js';
import { launchChromium, recordConsole, serveStatic, withConsole } from '../helpers/chromium.js';
import { browserSkipped, requireDist, ROOT } from '../browser/env.js';

const APP_SRC = join(ROOT, 'test', 'bundler', 'app');
const SIZE = 32;

let dir: string;
let app: string;
/** What Node's in-thread generator makes of input.png, as RGBA pixels. */
let expected: Uint8ClampedArray;
const viteWarnings: string[] = [];

const npm = (args: string[], cwd: string) =>
  execFileSync('npm', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' },
  });

/** The generator's weights and the input image, written into the app's public/, and the reference output. */
async function writeAssets(publicDir: string): Promise<void> {
  const engine = await createEngine({ backend: 'wasm' });
  try {
    const G = new GeneratorResNet(engine, [3, SIZE, SIZE], 2);
    initWeightsNormal(G, { seed: 5 });
    G.eval();
    writeFileSync(join(publicDir, 'G_AB.safetensors'), saveWeights(G));
    // A picture from the built-in dataset (not noise), as an opaque PNG: the browser decodes it exactly.
    const rgb = builtinDataset({ seed: 4, imgHeight: SIZE, imgWidth: SIZE, size: 1 }).image('A', 0);
    const rgba = new Uint8Array(SIZE * SIZE * 4);
    for (let p = 0; p < SIZE * SIZE; p++) {
      rgba.set(rgb.data.subarray(p * 3, p * 3 + 3), p * 4);
      rgba[p * 4 + 3] = 255;
    }
    writeFileSync(join(publicDir, 'input.png'), await encodePng(rgba, SIZE, SIZE));
    const x = engine.tensor(rgbaToChw(rgba, SIZE, SIZE), [1, 3, SIZE, SIZE]);
    const y = engine.noGrad(() => G.forward(x));
    expected = chwToRgba(await y.data(), 3, SIZE, SIZE);
  } finally {
    engine.dispose();
  }
}

// The build runs without Chromium; only opening the app needs it.
describe('a Vite app using the packed package', () => {
  beforeAll(async () => {
    requireDist();
    dir = mkdtempSync(join(tmpdir(), 'cyclegan-vite-'));
    const packed = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT));
    const tarball = join(dir, packed[0].filename as string);
    app = join(dir, 'app');
    cpSync(APP_SRC, app, { recursive: true });
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'vite-consumer', private: true, version: '1.0.0', type: 'module', dependencies: { 'cyclegan-engine': `file:${tarball}` } }),
    );
    try {
      npm(['install', '--offline', '--ignore-scripts', '--no-package-lock'], app);
    } catch (e) {
      const err = e as { stderr?: string; message: string };
      throw new Error(`npm install --offline of the tarball failed (is npm's cache filled? run npm ci first): ${err.stderr || err.message}`);
    }
    mkdirSync(join(app, 'public'));
    await writeAssets(join(app, 'public'));
    // Vite's warnings are kept to explain a failure, not printed on every run.
    const logger = createLogger('warn');
    logger.warn = (msg) => void viteWarnings.push(msg);
    logger.warnOnce = logger.warn;
    // No config file and no options but where to build: the app is built as a user's would be.
    await build({ root: app, configFile: false, logLevel: 'warn', customLogger: logger, build: { outDir: 'dist', emptyOutDir: true } });
  }, 300_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is the example of README.md and docs/web.md', () => {
    const main = readFileSync(join(APP_SRC, 'main.js'), 'utf8').trim();
    for (const page of ['README.md', join('docs', 'web.md')]) {
      expect(readFileSync(join(ROOT, page), 'utf8').includes(main), `${page} must contain test/bundler/app/main.js verbatim`).toBe(true);
    }
  });

  it('bundles the worker as a file of its own, with no configuration', () => {
    const assets = readdirSync(join(app, 'dist', 'assets'));
    const workers = assets.filter((f) => /^worker.*\.js$/.test(f));
    if (viteWarnings.length) console.info(`vite build warned:\n${viteWarnings.join('\n')}`);
    expect(workers, `assets: ${assets.join(', ')}\nvite said: ${viteWarnings.join('\n')}`).toHaveLength(1);
  });

  for (const webgpu of [false, true]) {
    const backend = webgpu ? 'webgpu' : 'wasm';
    it.skipIf(browserSkipped)(`translates input.png in the worker on ${backend} like the in-thread generator in Node`, async () => {
      const server = await serveStatic([join(app, 'dist')]);
      const browser = await launchChromium({ webgpu });
      try {
        const page = await browser.newPage();
        const log = recordConsole(page);
        await withConsole(log, async () => {
          const done = page.waitForEvent('console', { predicate: (m) => m.text().startsWith('translated'), timeout: 600_000 });
          await page.goto(`${server.url}/`);
          // 'auto' picks WebGPU when Chromium offers a hardware adapter, else WASM: SwiftShader
          // (the adapter here) is a software one, which 'auto' passes over.
          expect((await done).text()).toBe(`translated ${SIZE}x${SIZE} on wasm`);
          expect(server.missing, 'requests the server could not answer').toEqual([]);
          const pixels = await page.evaluate(() => {
            const c = document.querySelector('#output') as HTMLCanvasElement;
            return Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data);
          });
          expect(pixels).toHaveLength(expected.length);
          let worst = 0;
          for (let i = 0; i < pixels.length; i++) worst = Math.max(worst, Math.abs(pixels[i] - expected[i]));
          // WASM matches Node to 1e-4 and WebGPU to 1e-3 relative: at most one 8-bit level either way.
          expect(worst, 'largest pixel difference from Node, in 8-bit levels').toBeLessThanOrEqual(1);
          // And the output is a picture, not a flat canvas.
          expect(new Set(pixels.filter((_, i) => i % 4 === 0)).size).toBeGreaterThan(10);
        });
      } finally {
        await browser.close();
        await server.close();
      }
    }, webgpu ? 900_000 : 180_000);
  }
});
