// The browser benchmark page (bench/web/, served as by `npm run bench:web`) in headless
// Chromium on SwiftShader: in its tiny mode (?quick=test) every cell of every runner (the
// engine's WASM and WebGPU backends, TF.js's WebGPU and WASM backends) must hold a time or a
// stated reason, the engine's WASM cells all times, and the page must show the table and chart.
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM helpers of the benchmark, without type declarations
import { startServer } from '../../bench/web/serve.mjs';
// @ts-expect-error see above
import { blanks } from '../../bench/lib/report.mjs';
import { launchChromium, probeChromium } from '../helpers/chromium.js';

const chromium = probeChromium();
const ready = chromium.ok && existsSync('dist/index.js');
const required = chromium.required;

interface Results {
  runners: { key: string; label: string }[];
  cases: { id: string }[];
  results: Record<string, Record<string, { medianMs?: number; skipped?: string; error?: string }>>;
}

describe.skipIf(!ready && !required)('benchmark page in headless Chromium', () => {
  let server: { close(): void } | undefined;
  let browser: Browser | undefined;
  let url = '';

  beforeAll(async () => {
    ({ server, url } = await startServer());
    browser = await launchChromium({ webgpu: true });
  });
  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  it('fills every cell in ?quick=test mode', async () => {
    const page = await browser!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e: Error) => errors.push(e.message));
    await page.goto(`${url}/bench/web/?quick=test`);
    await page.waitForFunction(() => (window as any).benchResults || (window as any).benchError, null, { timeout: 240_000 });
    const error = await page.evaluate(() => (window as any).benchError ?? null);
    expect(error).toBeNull();
    expect(errors).toEqual([]);
    const results: Results = await page.evaluate(() => (window as any).benchResults);
    expect(results.runners.map((r) => r.key)).toEqual(['engine-wasm-1t', 'engine-webgpu', 'tfjs-webgpu', 'tfjs-wasm']);
    expect(blanks(results)).toEqual([]);
    for (const run of results.runners) {
      for (const c of results.cases) {
        const r = results.results[run.key][c.id];
        expect(r.medianMs! > 0 || !!r.skipped, `${run.key} / ${c.id}: ${r.error ?? ''}`).toBe(true);
      }
    }
    for (const c of results.cases) expect(results.results['engine-wasm-1t'][c.id].medianMs).toBeGreaterThan(0);
    // what a reader sees: both tables with no pending cell, and the chart
    const labels = results.runners.map((r) => r.label);
    const cells: string[] = await page.$$eval(
      '#ops td, #e2e td',
      (tds: Element[], names: string[]) => tds.filter((td) => names.includes(td.getAttribute('data-cell') ?? '')).map((td) => td.textContent ?? ''),
      labels,
    );
    expect(cells.length).toBe(results.cases.length * results.runners.length);
    expect(cells.filter((t) => t === '' || t === 'not run')).toEqual([]);
    expect(await page.$$eval('#chart svg rect', (r: Element[]) => r.length)).toBeGreaterThan(5);
  }, 300_000);
});
