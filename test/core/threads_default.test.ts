// All cores by default wherever blocking is allowed: createEngine and openWorker in Node run
// the WASM kernels on os.availableParallelism() threads without options, an explicit `threads`
// wins, and the threaded results equal one thread's bit for bit (each output element is
// computed by one thread with the same instruction sequence). The CLI takes --threads, shows it
// in --help, and its first line names the build and the threads that run.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conv2d, createEngine, GeneratorResNet, saveWeights } from '../../src/index.js';
import { openTestWorker } from '../worker/helpers.js';

const CORES = Math.min(64, availableParallelism());

function convOn(threads: number | undefined): Promise<{ threads: number; out: Float32Array }> {
  return (async () => {
    const engine = await createEngine({ backend: 'wasm', seed: 11, wasm: threads === undefined ? { relaxedSimd: false } : { threads, relaxedSimd: false } });
    try {
      // 2*2*24*37*41*13*9 = 17 MFLOP: above the size the backend keeps on one thread.
      const x = engine.randn([2, 13, 37, 41]);
      const w = engine.randn([24, 13, 3, 3]);
      return { threads: engine.wasmVariant!.threads, out: conv2d(x, w, null, { stride: 1, padding: 1 }).dataSync() };
    } finally {
      engine.dispose();
    }
  })();
}

describe('createEngine in Node: threads by default', () => {
  it('runs on availableParallelism() threads without options, with the same bits as one thread', async () => {
    const dflt = await convOn(undefined);
    const one = await convOn(1);
    const three = await convOn(3);
    expect(dflt.threads).toBe(CORES);
    expect(one.threads).toBe(1);
    expect(three.threads).toBe(3);
    expect(dflt.out).toEqual(one.out);
    expect(three.out).toEqual(one.out);
  });
});

describe('openWorker in Node: threads by default', () => {
  it('reports every core without options, and the threads it was told', async () => {
    const w = await openTestWorker({ backend: 'wasm' });
    const w1 = await openTestWorker({ backend: 'wasm', wasm: { threads: 1 } });
    try {
      expect(w.wasmVariant?.threads).toBe(CORES);
      expect(w1.wasmVariant?.threads).toBe(1);
    } finally {
      await w.close();
      await w1.close();
    }
  });
});

const CLI = resolve(process.env.CYCLEGAN_CLI ?? 'dist/cli.js');
const VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
const haveCli = existsSync(CLI) || process.env.CI === 'true';

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', rej);
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}

describe.skipIf(!haveCli)(`the CLI's --threads (${CLI})`, () => {
  let tmp: string;
  let weights: string;
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'cyclegan-threads-'));
    const engine = await createEngine({ backend: 'wasm', wasm: { threads: 1 } });
    try {
      const g = new GeneratorResNet(engine, [3, 16, 16], 0);
      weights = join(tmp, 'g.safetensors');
      writeFileSync(weights, saveWeights(g));
    } finally {
      engine.dispose();
    }
  });
  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('is in --help of every command that starts an engine', async () => {
    for (const c of ['demo', 'train', 'translate', 'convert', 'bench']) {
      const r = await cli([c, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout, c).toMatch(/--threads <n>/);
    }
    const bad = await cli(['convert', weights, join(tmp, 'x.safetensors'), '--threads', '0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--threads/);
  });

  it('prints the build and the threads first: every core by default, --threads when given', async () => {
    const dflt = await cli(['convert', weights, join(tmp, 'a.safetensors')]);
    expect(dflt.code, dflt.stderr).toBe(0);
    const first = dflt.stdout.split('\n')[0];
    // Node 20 validates relaxed SIMD once the CLI turned V8's flag on; newer Node by default.
    expect(first).toBe(`cyclegan-engine ${VERSION} · wasm relaxed-simd · ${CORES} thread${CORES === 1 ? '' : 's'}`);
    const three = await cli(['convert', weights, join(tmp, 'b.safetensors'), '--threads', '3']);
    expect(three.code, three.stderr).toBe(0);
    expect(three.stdout.split('\n')[0]).toMatch(/^cyclegan-engine \S+ · wasm relaxed-simd · 3 threads$/);
    const quiet = await cli(['convert', weights, join(tmp, 'c.safetensors'), '--quiet']);
    expect(quiet.stdout).toBe('');
  });
});
