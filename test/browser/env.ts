// What the browser tests need and whether they run: Debian's chromium (else skipped with the
// reason, or failed under CI=true), and a built dist/ (the pages import /dist/index.js, which
// `npm test` builds first; a missing or stale build is an error, never a skip).
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { describe } from 'vitest';
import { launchChromium, probeChromium, recordConsole, serveStatic, type StaticServer } from '../helpers/chromium.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PAGES = join(ROOT, 'test', 'browser', 'pages');

export const chromiumProbe = probeChromium();
/** True when the tests that need Chromium are skipped: it is missing and CI is not set. */
export const browserSkipped = !chromiumProbe.ok && !chromiumProbe.required;
if (browserSkipped) console.warn(`browser tests: skipped (set CI=true to make this a failure): ${chromiumProbe.reason}`);

/**
 * `describe` that skips when Chromium is missing (see browserSkipped), except under CI=true:
 * there the suite runs and fails at launch, naming the missing binary.
 */
export function describeBrowser(name: string, fn: () => void): void {
  (browserSkipped ? describe.skip : describe)(name, fn);
}

/** Fails with the fix when the build the pages import is not there. */
export function requireDist(...files: string[]): void {
  for (const f of ['index.js', 'worker.js', ...files]) {
    if (!existsSync(join(ROOT, 'dist', f))) throw new Error(`dist/${f} is missing: run \`npm run build\` first (npm test does)`);
  }
}

export interface Session {
  browser: Browser;
  server: StaticServer;
  close(): Promise<void>;
}

/**
 * Chromium (with or without WebGPU) and a server for /dist and the test pages. A missing
 * binary (only reached under CI=true) fails here, with the probe's reason.
 */
export async function openSession(webgpu: boolean, mounts: Record<string, string> = {}): Promise<Session> {
  requireDist();
  const server = await serveStatic({ '/dist': join(ROOT, 'dist'), '/': PAGES, ...mounts });
  let browser: Browser;
  try {
    browser = await launchChromium({ webgpu });
  } catch (e) {
    await server.close();
    throw e;
  }
  return {
    browser,
    server,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/**
 * A fresh page on `path` (viewport and other options as newPage's), with its console recorded,
 * once its script has marked it ready with `document.body.dataset.ready = 'true'`.
 */
export async function openPage(session: Session, path: string, options: Parameters<Browser['newPage']>[0] = {}): Promise<{ page: Page; log: string[] }> {
  const page = await session.browser.newPage(options);
  const log = recordConsole(page);
  await page.goto(`${session.server.url}${path}`);
  try {
    await page.waitForSelector('body[data-ready="true"]', { state: 'attached', timeout: 30_000 });
  } catch (e) {
    const missing = session.server.missing.length ? `\nnot found on the server: ${session.server.missing.join(', ')}` : '';
    throw new Error(`${path} did not get ready (${(e as Error).message.split('\n')[0]})${missing}\n--- page console ---\n${log.join('\n')}`);
  }
  return { page, log };
}
