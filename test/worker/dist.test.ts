// The built package, as users load it: Node ESM (`import` of dist/index.js) and Node CJS
// (`require` of dist/index.cjs) each start the worker with a bare openWorker() (finding
// dist/worker.js on their own), train a step, translate and exit. dist/ must have no bare
// imports (a plain browser ESM import has no resolver), node:worker_threads only behind a
// computed dynamic import, and the literal worker expression bundlers look for.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DIST_DIR, requireBuiltWorker } from './helpers.js';
import { NODE_WORKER_SOURCE } from '../../src/backends/wasm/worker_source.js';

const KERNEL_WORKER_REQUIRE = "import('node:worker_threads').then(({ parentPort, workerData: d }) => {";

const run = promisify(execFile);
/** The built ES modules and the CJS bundle: entries, shared chunks and dist/wasm.js (tsup.config.ts). */
const distFiles = () => readdirSync(DIST_DIR).filter((f) => /\.c?js$/.test(f));

const body = `
  const worker = await openWorker({ backend: 'wasm', seed: 1 });
  const trainer = await worker.createTrainer({ imgHeight: 32, imgWidth: 32, nResidualBlocks: 1, seed: 7 });
  const x = new Float32Array(3 * 32 * 32).map((_, i) => Math.sin(i * 0.37));
  const losses = await trainer.step(x.slice(), x.map((v) => -v));
  const y = await trainer.translate(x, 'AtoB');
  let error = null;
  try { await trainer.translate(new Float32Array(5), 'AtoB'); } catch (e) { error = { name: e.name, typed: e instanceof ShapeError }; }
  console.log(JSON.stringify({ backend: worker.backend, lossG: losses.lossG, n: y.length, detached: x.byteLength === 0, error }));
  CLOSE
`;

async function runNode(args: string[]): Promise<{ backend: string; lossG: number; n: number; detached: boolean; error: unknown }> {
  const { stdout } = await run(process.execPath, args, { cwd: DIST_DIR, timeout: 90_000 });
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

function expectWorked(out: Awaited<ReturnType<typeof runNode>>): void {
  expect(out.backend).toBe('wasm');
  expect(Number.isFinite(out.lossG) && out.lossG > 0).toBe(true);
  expect(out.n).toBe(3 * 32 * 32);
  expect(out.detached).toBe(true);
  expect(out.error).toEqual({ name: 'ShapeError', typed: true });
}

describe('the built package', () => {
  it('starts its worker from Node ESM with a bare openWorker()', async () => {
    requireBuiltWorker();
    const code = `import { openWorker, ShapeError } from './index.js';\n${body.replace('CLOSE', 'await worker.close();')}`;
    expectWorked(await runNode(['--input-type=module', '-e', code]));
  });

  it('starts its worker from Node CJS (require of index.cjs)', async () => {
    requireBuiltWorker();
    const code = `const { openWorker, ShapeError } = require('./index.cjs');\n(async () => {${body.replace('CLOSE', 'await worker.close();')}})().catch((e) => { console.error(e); process.exit(1); });`;
    expectWorked(await runNode(['-e', code]));
  });

  it('finds its worker from a folder whose name has # and % in it (ESM and CJS)', async () => {
    requireBuiltWorker();
    const dir = mkdtempSync(join(tmpdir(), 'cyclegan #1 100%-'));
    try {
      for (const f of distFiles()) copyFileSync(join(DIST_DIR, f), join(dir, f));
      writeFileSync(join(dir, 'package.json'), '{ "type": "module" }');
      const probe = (load: string) => `${load}\n(async () => { const w = await openWorker({ backend: 'wasm' }); console.log(w.backend); await w.close(); })();`;
      const esm = await run(process.execPath, ['--input-type=module', '-e', probe("import { openWorker } from './index.js';")], { cwd: dir, timeout: 60_000 });
      const cjs = await run(process.execPath, ['-e', probe("const { openWorker } = require('./index.cjs');")], { cwd: dir, timeout: 60_000 });
      expect([esm.stdout.trim(), cjs.stdout.trim()]).toEqual(['wasm', 'wasm']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lets a script that forgets close() exit once no call is pending', async () => {
    requireBuiltWorker();
    const code = `import { openWorker, ShapeError } from './index.js';\n${body.replace('CLOSE', '')}`;
    // execFile's timeout would kill a hanging process; finishing with output is the check.
    expectWorked(await runNode(['--input-type=module', '-e', code]));
  });

  it('lets a script exit after its worker died during fit, with callback ports open', async () => {
    requireBuiltWorker();
    const code = `import { openWorker } from './index.js';
      const w = await openWorker({ backend: 'wasm', testHooks: true });
      const t = await w.createTrainer({ imgHeight: 32, imgWidth: 32, nResidualBlocks: 1, nEpochs: 50, decayEpoch: 10 });
      let first; const started = new Promise((r) => (first = r));
      const fit = t.fit({ kind: 'builtin', imgHeight: 32, size: 4 }, { onProgress: () => first(), checkpoint: () => {}, onSample: () => {} });
      await started;
      const [exit, result] = await Promise.allSettled([w._test.exit(2), fit]);
      console.log(JSON.stringify([exit.reason.reason, result.reason.call, result.reason.exitCode]));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', code], { cwd: DIST_DIR, timeout: 90_000 });
    expect(JSON.parse(stdout.trim())).toEqual(['exited', 'trainer.fit', 2]);
  });

  it('has no bare imports, reaches node:worker_threads only dynamically, and spells out the worker URL', () => {
    expect(NODE_WORKER_SOURCE).toContain(KERNEL_WORKER_REQUIRE);
    requireBuiltWorker();
    for (const file of distFiles().filter((f) => f.endsWith('.js') && f !== 'cli.js')) {
      // The WASM kernel threads' Node worker runs eval'd source (src/backends/wasm/worker_source.ts)
      // that imports worker_threads inside that worker: a string in the bundle, which no
      // bundler follows. Everything else must reach worker_threads only dynamically.
      const text = readFileSync(join(DIST_DIR, file), 'utf8').split(KERNEL_WORKER_REQUIRE).join('');
      const statics = [...text.matchAll(/^\s*(?:import|export)\b[^'"\n]*?from\s*["']([^"']+)["']/gm)].map((m) => m[1]);
      const bare = statics.filter((s) => !s.startsWith('.'));
      expect(bare, `${file}: static imports of packages`).toEqual([]);
      expect(text, `${file}: a literal import of node:worker_threads`).not.toMatch(/import\s*\(\s*["']node:worker_threads["']\s*\)/);
      expect(text).not.toMatch(/require\(["'](node:)?worker_threads["']\)/);
    }
    // The ESM entries share chunks: the worker expression is in whichever holds spawn.ts.
    const esm = distFiles().filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(DIST_DIR, f), 'utf8'));
    expect(esm.some((text) => text.includes('new Worker(new URL("./worker.js", import.meta.url), { type: "module" })'))).toBe(true);
    const cjs = readFileSync(join(DIST_DIR, 'index.cjs'), 'utf8');
    expect(cjs).toMatch(/new URL\("\.\/worker\.js", importMetaUrl\)/);
  });
});
