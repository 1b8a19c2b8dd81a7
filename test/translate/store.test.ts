// The whole-image activation stores of tiled translation (src/translate/store.ts): rectangles
// read back as written, in memory and in a temporary file ([H, W, C] on disk), the file created
// exclusively under a random name in the given folder and removed by dispose(), at exit, and
// (when a process killed by a signal left it) by the next store.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/random/rng.js';
import { arrayPlanes, fileStore, type ActivationStore } from '../../src/translate/store.js';

const dir = mkdtempSync(join(tmpdir(), 'store-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function values(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = rng.next() * 2 - 1;
  return x;
}

/** Writes the whole activation in uneven rectangles, then reads other rectangles back. */
function roundTrip(store: ActivationStore, whole: Float32Array): void {
  const { channels: C, height: H, width: W } = store;
  const rect = (r: [number, number], c: [number, number]): Float32Array => {
    const out = new Float32Array(C * (r[1] - r[0]) * (c[1] - c[0]));
    let k = 0;
    for (let ch = 0; ch < C; ch++) for (let y = r[0]; y < r[1]; y++) for (let x = c[0]; x < c[1]; x++) out[k++] = whole[(ch * H + y) * W + x];
    return out;
  };
  for (const r of [[0, 3], [3, 7], [7, H]] as [number, number][]) {
    for (const c of [[0, 5], [5, W]] as [number, number][]) store.write(r, c, rect(r, c));
  }
  for (const [r, c] of [[[0, H], [0, W]], [[2, 5], [1, 9]], [[6, 7], [4, 5]]] as [number, number][][]) {
    expect(store.read(r, c)).toEqual(rect(r, c));
  }
  expect(() => store.read([0, H + 1], [0, W])).toThrow(/outside/);
}

describe('activation stores', () => {
  it('memory: rectangles read back as written', () => {
    const whole = values(5 * 9 * 11, 1);
    roundTrip(arrayPlanes(new Float32Array(whole.length), 5, 9, 11), whole);
  });

  it('file: rectangles read back as written; a random exclusive name, removed by dispose', async () => {
    const whole = values(5 * 9 * 11, 2);
    const a = await fileStore(5, 9, 11, dir);
    const b = await fileStore(5, 9, 11, dir);
    try {
      expect(a.kind).toBe('file');
      expect(a.path).not.toBe(b.path);
      expect(a.path!.startsWith(dir)).toBe(true);
      expect(statSync(a.path!).mode & 0o077).toBe(0);
      roundTrip(a, whole);
      expect(statSync(a.path!).size).toBe(whole.length * 4);
    } finally {
      a.dispose();
      b.dispose();
      a.dispose();
    }
    expect(existsSync(a.path!)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
    expect(() => a.read([0, 1], [0, 1])).toThrow(/after it was removed/);
  });

  it('file: SIGTERM still ends the process at once; the file it left is removed by the next store', async () => {
    const sub = mkdtempSync(join(dir, 'signal-'));
    // The store module bundled for a child process (it is TypeScript here).
    const bundle = join(sub, 'store.mjs');
    const here = dirname(fileURLToPath(import.meta.url));
    buildSync({ entryPoints: [join(here, '../../src/translate/store.ts')], bundle: true, format: 'esm', platform: 'node', outfile: bundle, logLevel: 'silent' });
    const script = join(sub, 'child.mjs');
    writeFileSync(script, `import { fileStore } from './store.mjs';\nconst s = await fileStore(2, 3, 4, process.argv[2]);\nconsole.log(s.path);\nsetInterval(() => {}, 1000);\n`);
    const files = join(sub, 'files');
    mkdirSync(files);
    const child = spawn(process.execPath, [script, files], { stdio: ['ignore', 'pipe', 'inherit'] });
    const path = await new Promise<string>((resolve) => child.stdout.once('data', (b: Buffer) => resolve(b.toString().trim())));
    expect(existsSync(path)).toBe(true);
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, sig) => resolve(sig)));
    child.kill('SIGTERM');
    expect(await exited).toBe('SIGTERM');
    const left = path.slice(files.length + 1);
    expect(readdirSync(files)).toEqual([left]);

    // The next store removes it (its process is gone) and leaves one of a live process alone.
    const liveName = `cyclegan-engine-activation-${process.ppid}-00ff.f32`;
    writeFileSync(join(files, liveName), 'x');
    const next = await fileStore(1, 1, 1, files);
    expect(readdirSync(files).sort()).toEqual([liveName, next.path!.slice(files.length + 1)].sort());
    next.dispose();
    expect(readdirSync(files)).toEqual([liveName]);
  });
});
