// The WASM kernel variants in a real browser (headless Chromium, docs/design.md, "Environment"): on a
// crossOriginIsolated page, an engine in a module Web Worker runs the shared-memory build on
// 2 threads (nested workers from a Blob URL), the relaxed-SIMD build is picked because
// Chromium validates it, and the results equal a single thread's; on the page's main thread,
// where Atomics.wait is not allowed, threads: 2 falls back to one thread without error.
// Skipped, with the reason, when Chromium is missing, unless CI=true.
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available && process.env.CI !== 'true') console.warn(`browser wasm variants: skipped, no Chromium at ${CHROMIUM}`);

// Runs in the page and in workers: one conv on an engine with the given threads.
const PROBE = `
import * as api from './lib.js';
export async function probe(threads) {
  const e = await api.createEngine({ backend: 'wasm', seed: 4, wasm: { threads } });
  const variant = e.wasmVariant;
  const x = e.randn([2, 16, 40, 40]); // 29 MFLOP: large enough to run on the kernel threads
  const w = e.randn([32, 16, 3, 3]);
  const y = Array.from(api.conv2d(x, w, null, { stride: 1, padding: 1 }).dataSync());
  e.dispose();
  return { variant, y };
}`;
const WORKER = `import { probe } from './probe.js';
self.onmessage = async (m) => {
  try { self.postMessage(await probe(m.data)); } catch (e) { self.postMessage({ error: String((e && e.stack) || e) }); }
};`;
const PAGE = `<!doctype html><script type="module">
import { probe } from './probe.js';
const inWorker = (threads) => new Promise((resolve) => {
  const w = new Worker('./worker.js', { type: 'module' });
  w.onmessage = (m) => { resolve(m.data); w.terminate(); };
  w.onerror = (e) => resolve({ error: e.message });
  w.postMessage(threads);
});
window.results = (async () => ({
  isolated: self.crossOriginIsolated,
  main: await probe(2).catch((e) => ({ error: String(e) })),
  worker2: await inWorker(2),
  worker1: await inWorker(1),
  hardwareConcurrency: navigator.hardwareConcurrency,
  workerDefault: await inWorker(undefined),
  mainDefault: await probe(undefined).catch((e) => ({ error: String(e) })),
}))();
</script>`;

describe.runIf(available || process.env.CI === 'true')('wasm variants in Chromium', () => {
  let server: Server;
  let results: Record<string, { variant?: { threads: number; relaxedSimd: boolean }; y?: number[]; error?: string }> & {
    isolated?: boolean;
    hardwareConcurrency?: number;
  };

  beforeAll(async () => {
    const { build } = await import('esbuild');
    const lib = (
      await build({ entryPoints: ['src/index.ts'], bundle: true, format: 'esm', platform: 'browser', write: false, logLevel: 'error' })
    ).outputFiles[0]!.text;
    const files: Record<string, string> = { '/': PAGE, '/lib.js': lib, '/probe.js': PROBE, '/worker.js': WORKER };
    server = createServer((req, res) => {
      const body = files[req.url ?? ''];
      if (body === undefined) return void res.writeHead(404).end();
      // COOP + COEP make the page crossOriginIsolated: shared memory and nested workers.
      res.writeHead(200, {
        'content-type': req.url === '/' ? 'text/html' : 'text/javascript',
        'cross-origin-opener-policy': 'same-origin',
        'cross-origin-embedder-policy': 'require-corp',
      });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless=new', '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      results = await page.evaluate(() => (window as unknown as { results: Promise<typeof results> }).results);
    } finally {
      await browser.close();
    }
  });
  afterAll(() => server?.close());

  it('the page is crossOriginIsolated', () => {
    expect(results.isolated).toBe(true);
  });

  it('a worker runs 2 kernel threads on the relaxed-SIMD build, equal to one thread', () => {
    expect(results.worker2!.error).toBeUndefined();
    expect(results.worker2!.variant).toEqual({ threads: 2, relaxedSimd: true });
    expect(results.worker1!.variant).toEqual({ threads: 1, relaxedSimd: true });
    expect(results.worker2!.y).toEqual(results.worker1!.y);
  });

  it('without threads: every core in a worker, one on the main thread (it cannot block)', () => {
    expect(results.workerDefault!.error).toBeUndefined();
    expect(results.workerDefault!.variant).toEqual({ threads: Math.min(64, results.hardwareConcurrency!), relaxedSimd: true });
    expect(results.workerDefault!.y).toEqual(results.worker1!.y);
    expect(results.mainDefault!.variant).toEqual({ threads: 1, relaxedSimd: true });
  });

  it('the main thread falls back to one thread without error', () => {
    expect(results.main!.error).toBeUndefined();
    expect(results.main!.variant).toEqual({ threads: 1, relaxedSimd: true });
    expect(results.main!.y).toEqual(results.worker1!.y);
  });
});
