// Training learns: 20 steps of fit() at 32x32 (2 residual blocks, batch 1) on the built-in
// procedural dataset (src/data) at least halve the cycle loss, with a flat tensor count: every
// step runs inside engine.tidy, so after the first step (which creates the gradients and the
// Adam moments) the live tensors are constant apart from the replay buffers' stored images.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/index.js';
import { CycleGANTrainer, type FitProgress } from '../../src/cyclegan/trainer.js';
import { builtinDataset } from '../../src/data/builtin.js';
import { trainingBackends as backends } from './backends.js';

const STEPS = 20;

for (const backend of backends) {
  describe(`training on the built-in dataset (${backend.name})`, () => {
    let engine: Engine;
    beforeAll(async () => {
      engine = await createEngine({ backend: backend.name });
    });
    afterAll(() => engine?.dispose());

    it(`${STEPS} steps at 32x32 halve the cycle loss, with flat memory`, async () => {
      const before = engine.memory().liveTensors;
      const trainer = new CycleGANTrainer(engine, { imgHeight: 32, imgWidth: 32, nResidualBlocks: 2, seed: 7, nEpochs: 2, decayEpoch: 0 });
      const dataset = builtinDataset({ imgHeight: 32, size: 16, seed: 1 });
      const progress: FitProgress[] = [];
      const live: number[] = [];
      const stop = new AbortController();
      const result = await trainer.fit(dataset, {
        signal: stop.signal,
        onProgress: (p) => {
          progress.push(p);
          live.push(engine.memory().liveTensors - trainer.fakeABuffer.length - trainer.fakeBBuffer.length);
          if (progress.length === STEPS) stop.abort();
        },
      });
      expect(result).toMatchObject({ status: 'aborted', steps: STEPS, epoch: 1, batch: STEPS - 16, checkpointWritten: false });

      const cycle = progress.map((p) => p.losses.lossCycle);
      const first = cycle[0];
      const last = cycle.slice(-4).reduce((a, b) => a + b, 0) / 4;
      console.log(`[${backend.name}] cycle loss ${first.toFixed(4)} -> ${last.toFixed(4)} (mean of the last 4 of ${STEPS} steps); ` +
        `step ${(progress.slice(1).reduce((a, p) => a + p.stepSeconds, 0) / (STEPS - 1)).toFixed(2)} s`);
      expect(last).toBeLessThanOrEqual(first / 2);
      for (const p of progress) {
        for (const v of Object.values(p.losses)) expect(Number.isFinite(v)).toBe(true);
      }

      // Progress reports: epoch/batch counters, the reference's batches_done, an ETA.
      expect(progress.map((p) => [p.epoch, p.batch])).toEqual(Array.from({ length: STEPS }, (_, i) => [Math.floor(i / 16), i % 16]));
      expect(progress.map((p) => p.batchesDone)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
      expect(progress[0]).toMatchObject({ nEpochs: 2, batches: 16, batchesLeft: 31, lr: 0.0002 });
      expect(progress[16].lr).toBe(0.0002 * (1 - 1 / 2)); // LambdaLR(2, 0, 0) at epoch 1
      expect(progress[STEPS - 1].etaSeconds).toBeGreaterThan(0);

      // Memory: flat from the second step on (buffers' images excluded), and all freed at the end.
      expect(new Set(live.slice(1)).size, `live tensors per step: ${live.join(' ')}`).toBe(1);
      expect(live[0]).toBe(live[1]);
      trainer.dispose();
      expect(engine.memory().liveTensors).toBe(before);
    });
  });
}
