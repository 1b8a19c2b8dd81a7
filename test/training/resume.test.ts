// Resume: a run stopped (AbortSignal) after step K writes a checkpoint file; a new trainer on a
// new engine resumed from it gives exactly the losses and weights of a run that was never
// interrupted, for the next steps. The run crosses an epoch boundary after the resume (a new
// shuffle and a LambdaLR step) and the replay buffers are full (bufferSize 2), so every piece
// of state the checkpoint carries is exercised.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/index.js';
import { CycleGANTrainer, type StepLosses } from '../../src/cyclegan/trainer.js';
import { builtinDataset } from '../../src/data/builtin.js';
import { trainingBackends as backends } from './backends.js';

const K = 2;
const MORE = 3;
const OPTIONS = { imgHeight: 32, imgWidth: 32, nResidualBlocks: 2, seed: 5, nEpochs: 3, decayEpoch: 0, bufferSize: 2 };
const dataset = () => builtinDataset({ imgHeight: 32, size: 3, seed: 2 });

async function run(trainer: CycleGANTrainer, steps: number, checkpoint?: string): Promise<StepLosses[]> {
  const losses: StepLosses[] = [];
  const stop = new AbortController();
  const result = await trainer.fit(dataset(), {
    signal: stop.signal,
    checkpoint,
    onProgress: (p) => {
      losses.push(p.losses);
      if (losses.length === steps) stop.abort();
    },
  });
  expect(result.status).toBe('aborted');
  expect(result.checkpointWritten).toBe(checkpoint !== undefined);
  return losses;
}

/** Equal losses: bitwise on WASM (deterministic kernels); to 1e-6 relative elsewhere. */
function expectSame(got: StepLosses[], want: StepLosses[], backend: string): void {
  if (backend === 'wasm') {
    expect(got).toEqual(want);
    return;
  }
  expect(got).toHaveLength(want.length);
  got.forEach((l, i) => {
    for (const k of Object.keys(l) as (keyof StepLosses)[]) expect(Math.abs(l[k] - want[i][k])).toBeLessThanOrEqual(1e-6 * Math.abs(want[i][k]));
  });
}

async function weights(trainer: CycleGANTrainer): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const net of [trainer.G_AB, trainer.G_BA, trainer.D_A, trainer.D_B]) for (const p of net.parameters()) out.push(await p.data());
  return out;
}

for (const backend of backends) {
  describe(`resume from a checkpoint (${backend.name})`, () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'cyclegan-resume-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it(`stopped after step ${K} and resumed: steps ${K + 1}..${K + MORE} equal the uninterrupted run`, async () => {
      let engine: Engine = await createEngine({ backend: backend.name });
      const straight = new CycleGANTrainer(engine, OPTIONS);
      const expected = await run(straight, K + MORE);
      const expectedWeights = await weights(straight);
      straight.dispose();
      engine.dispose();

      engine = await createEngine({ backend: backend.name });
      const first = new CycleGANTrainer(engine, OPTIONS);
      const path = join(dir, 'run.ckpt.safetensors');
      const head = await run(first, K, path);
      expectSame(head, expected.slice(0, K), backend.name);
      first.dispose();
      engine.dispose();

      // A new process, in effect: a new engine, the trainer built from the file alone.
      engine = await createEngine({ backend: backend.name });
      const resumed = await CycleGANTrainer.resume(engine, path);
      expect([resumed.epoch, resumed.batch, resumed.steps]).toEqual([0, K, K]);
      expect(resumed.fakeABuffer.length).toBe(2);
      const tail = await run(resumed, MORE);
      console.log(`[${backend.name}] resumed losses`, JSON.stringify(tail.map((l) => l.lossG)), 'uninterrupted', JSON.stringify(expected.slice(K).map((l) => l.lossG)));
      expectSame(tail, expected.slice(K), backend.name); // exactly on WASM, every loss
      expect(resumed.epoch).toBe(1); // crossed the epoch boundary
      const got = await weights(resumed);
      expect(got.length).toBe(expectedWeights.length);
      // Bitwise equal on WASM (a plain loop: deep equality on millions of elements is slow).
      const tol = backend.name === 'wasm' ? 0 : 1e-6;
      const differing = got.reduce(
        (n, w, i) => n + w.reduce((m, v, j) => m + (Math.abs(v - expectedWeights[i][j]) <= tol ? 0 : 1), 0),
        0,
      );
      expect(differing).toBe(0);
      resumed.dispose();
      engine.dispose();
    });
  });
}
