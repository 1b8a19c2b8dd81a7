// The worker's engine takes createEngine's WASM options: with kernel threads (a worker may block
// on Atomics.wait, so its pool runs there) a training step gives the same losses as one thread
// in-thread, since the threaded kernels split work without changing any sum's order.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, CycleGANTrainer, type CycleGANWorker, type Engine, type StepLosses } from '../../src/index.js';
import { openTestWorker, randomBatch } from './helpers.js';

// 64x64 with 2 blocks: its convs are above the size that the pool leaves on the calling thread.
const OPTIONS = { imgHeight: 64, imgWidth: 64, nResidualBlocks: 2, seed: 9 } as const;
const KEYS: (keyof StepLosses)[] = ['lossD', 'lossG', 'lossGAN', 'lossCycle', 'lossIdentity'];

let worker: CycleGANWorker;
let engine: Engine;

beforeAll(async () => {
  worker = await openTestWorker({ backend: 'wasm', seed: 3, wasm: { threads: 2 } });
  engine = await createEngine({ backend: 'wasm', seed: 3, wasm: { threads: 1 } });
});

afterAll(async () => {
  await worker?.close();
  engine?.dispose();
});

describe('a worker with WASM kernel threads', () => {
  it('reports its variant and steps exactly like one thread in-thread', async () => {
    expect(worker.wasmVariant?.threads).toBe(2);
    expect(engine.wasmVariant?.threads).toBe(1);
    const remote = await worker.createTrainer(OPTIONS);
    const local = new CycleGANTrainer(engine, OPTIONS);
    for (let s = 0; s < 2; s++) {
      const a = randomBatch(500 + s, 1, 64);
      const b = randomBatch(600 + s, 1, 64);
      const ta = engine.tensor(a.slice(), [1, 3, 64, 64]);
      const tb = engine.tensor(b.slice(), [1, 3, 64, 64]);
      const expected = await local.step(ta, tb);
      ta.dispose();
      tb.dispose();
      const got = await remote.step(a, b);
      for (const k of KEYS) expect(got[k], `${k} at step ${s + 1}`).toBe(expected[k]);
    }
    await remote.dispose();
    local.dispose();
  });
});
