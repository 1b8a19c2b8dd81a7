// Headless Chromium for the browser tests and the browser benchmarks: Debian's `chromium`
// driven by playwright-core (no browser download), WebGPU on SwiftShader when asked for
// (docs/design.md, "Environment"), and a static file server on 127.0.0.1, which is a secure context,
// so pages get `navigator.gpu` (a data: or file: URL would not).
import { existsSync, statSync, createReadStream } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';

/** CHROMIUM_PATH overrides Debian's binary (e.g. to check the skip and CI=true paths). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// Without these, headless Chromium offers no WebGPU adapter on a machine with no GPU; with
// them it uses SwiftShader's Vulkan driver, shipped inside Debian's chromium package.
const WEBGPU_FLAGS = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-webgpu-adapter=swiftshader',
];

// Quiet and offline: nothing in a test should reach the network or depend on a profile.
const BASE_FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export interface ChromiumProbe {
  ok: boolean;
  reason: string;
  /** CI=true: a missing Chromium fails the browser tests instead of skipping them. */
  required: boolean;
}

/** Whether the Chromium binary is there; it does not launch it (launchChromium says why it fails). */
export function probeChromium(): ChromiumProbe {
  const required = process.env.CI === 'true';
  if (existsSync(CHROMIUM_PATH)) return { ok: true, reason: CHROMIUM_PATH, required };
  return { ok: false, reason: `${CHROMIUM_PATH} is missing; apt-get install chromium (or set CHROMIUM_PATH)`, required };
}

export interface LaunchOptions {
  /** Add the flags that give pages a WebGPU adapter on SwiftShader. */
  webgpu?: boolean;
  /** More command-line flags. */
  args?: string[];
}

export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  const probe = probeChromium();
  if (!probe.ok) throw new Error(`cannot launch Chromium: ${probe.reason}`);
  const args = [...BASE_FLAGS, ...(options.webgpu ? WEBGPU_FLAGS : []), ...(options.args ?? [])];
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    // playwright would add its own headless flags; ours (--headless=new) are in `args`.
    headless: false,
    args,
    // The WebGPU flags need the Vulkan loader to find SwiftShader inside /usr/lib/chromium.
    env: { ...process.env, VK_ICD_FILENAMES: process.env.VK_ICD_FILENAMES ?? '/usr/lib/chromium/vk_swiftshader_icd.json' },
    timeout: 60_000,
  });
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.wgsl': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.safetensors': 'application/octet-stream',
  '.txt': 'text/plain; charset=utf-8',
};

export interface ServeOptions {
  /**
   * Send COOP/COEP headers, so pages are cross-origin isolated (SharedArrayBuffer,
   * precise timers). Off by default: the library must work without them.
   */
  crossOriginIsolated?: boolean;
}

export interface StaticServer {
  /** http://127.0.0.1:PORT, without a trailing slash. */
  url: string;
  /** Paths that were asked for and not found (a page's missing import shows up here). */
  missing: string[];
  close(): Promise<void>;
}

/**
 * Serves files on 127.0.0.1 at a free port. `mounts` maps URL prefixes to folders
 * (`{ '/dist': 'dist', '/': 'test/browser/pages' }`: the longest matching prefix wins);
 * a plain list of folders mounts each at `/`, first match wins. `/` serves `index.html`.
 */
export async function serveStatic(mounts: Record<string, string> | string[], options: ServeOptions = {}): Promise<StaticServer> {
  const table = (Array.isArray(mounts) ? mounts.map((dir) => ['/', dir] as const) : Object.entries(mounts))
    .map(([prefix, dir]) => ({ prefix: prefix.endsWith('/') ? prefix : `${prefix}/`, dir: resolve(dir) }))
    // Stable sort: longest prefix first, list order kept among equal prefixes.
    .sort((a, b) => b.prefix.length - a.prefix.length);
  const missing: string[] = [];

  const find = (pathname: string): string | null => {
    for (const { prefix, dir } of table) {
      if (!`${pathname}/`.startsWith(prefix) && !pathname.startsWith(prefix)) continue;
      const rest = normalize(pathname.slice(prefix.length - 1)).replace(/^([/\\])+/, '');
      const file = join(dir, rest);
      // normalize() resolved any '..': refuse whatever lands outside the mounted folder.
      if (file !== dir && !file.startsWith(dir + sep)) continue;
      if (!existsSync(file)) continue;
      const st = statSync(file);
      if (st.isFile()) return file;
      if (st.isDirectory() && existsSync(join(file, 'index.html'))) return join(file, 'index.html');
    }
    return null;
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const headers: Record<string, string> = { 'Cache-Control': 'no-store' };
    if (options.crossOriginIsolated) {
      headers['Cross-Origin-Opener-Policy'] = 'same-origin';
      headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
      headers['Cross-Origin-Resource-Policy'] = 'same-origin';
    }
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    } catch {
      res.writeHead(400, headers).end('bad request');
      return;
    }
    // Browsers ask for it unprompted; a 404 would be noise in the recorded console.
    if (pathname === '/favicon.ico') {
      res.writeHead(204, headers).end();
      return;
    }
    const file = req.method === 'GET' || req.method === 'HEAD' ? find(pathname) : null;
    if (!file) {
      missing.push(pathname);
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end(`not found: ${pathname}`);
      return;
    }
    headers['Content-Type'] = MIME[extname(file).toLowerCase()] ?? 'application/octet-stream';
    headers['Content-Length'] = String(statSync(file).size);
    res.writeHead(200, headers);
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  };

  const server = createServer(handle);
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    missing,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

/**
 * Records what a page says on its console (its workers' console arrives here too) and its
 * uncaught errors, so a
 * failing test can print them: a browser failure is otherwise only "timed out".
 */
export function recordConsole(page: Page): string[] {
  const lines: string[] = [];
  page.on('console', (m: ConsoleMessage) => lines.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => lines.push(`[pageerror] ${e.stack ?? e.message}`));
  page.on('crash', () => lines.push('[crash] the page crashed'));
  page.on('requestfailed', (r) => lines.push(`[requestfailed] ${r.url()} ${r.failure()?.errorText ?? ''}`));
  return lines;
}

/** Wraps `fn` so that when it throws, the page's console is appended to the error message. */
export async function withConsole<T>(lines: string[], fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    err.message += lines.length ? `\n--- page console ---\n${lines.join('\n')}` : '\n(the page printed nothing)';
    throw err;
  }
}
