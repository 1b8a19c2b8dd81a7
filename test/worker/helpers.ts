// Shared by the worker tests: the built worker script, seeded inputs, and a small model.
// The client under test is src/ (imported by the tests); the worker it starts is dist/worker.js,
// the file users get, which `npm test` builds before the suites run (Node cannot run the
// TypeScript entry as a worker thread). dist.test.ts checks that the built client finds that
// file by itself.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Rng } from '../../src/random/rng.js';
import { openWorker, type CycleGANWorker, type OpenWorkerOptions } from '../../src/index.js';

export const WORKER_URL = new URL('../../dist/worker.js', import.meta.url);
export const DIST_DIR = fileURLToPath(new URL('../../dist/', import.meta.url));

export function requireBuiltWorker(): void {
  if (!existsSync(WORKER_URL)) throw new Error(`${fileURLToPath(WORKER_URL)} is missing: run \`npm run build\` first (npm test does)`);
}

/** Options of the small trainer every test uses (a step takes well under a second). */
export const SMALL = { imgHeight: 32, imgWidth: 32, nResidualBlocks: 1, seed: 7 } as const;

/** N images [N, 3, 32, 32] drawn uniformly from [-1, 1), seeded. */
export function randomBatch(seed: number, n = 1, size = 32): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(n * 3 * size * size);
  for (let i = 0; i < out.length; i++) out[i] = rng.next() * 2 - 1;
  return out;
}

/** A seeded RGBA image. */
export function randomRgba(seed: number, width = 32, height = 32): { data: Uint8ClampedArray; width: number; height: number } {
  const rng = new Rng(seed);
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < data.length; i++) data[i] = i % 4 === 3 ? 255 : rng.nextInt(256);
  return { data, width, height };
}

export function openTestWorker(options: OpenWorkerOptions = {}): Promise<CycleGANWorker> {
  requireBuiltWorker();
  return openWorker({ backend: 'wasm', seed: 5, workerUrl: WORKER_URL, testHooks: true, ...options });
}

/** max |a - b| / (max |b| + 1e-12) */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / (scale + 1e-12);
}

/** The rejection of `p` and when it came (performance.now()), or a failure if it resolved. */
export async function rejectionOf(p: Promise<unknown>): Promise<{ error: Error; at: number }> {
  try {
    await p;
  } catch (error) {
    return { error: error as Error, at: performance.now() };
  }
  throw new Error('expected the call to reject, but it resolved');
}
