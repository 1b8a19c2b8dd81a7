// FitOptions.onEnd: runs once when fit ends (completed or aborted), while the final checkpoint is
// written, with the trainer in its final state; fit resolves after both, and rejects (after both
// settled) when either fails. The CLI writes its weights, chart and CSV there, so that a Ctrl-C's
// stop overlaps them with the checkpoint.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/index.js';
import { CycleGANTrainer } from '../../src/cyclegan/trainer.js';
import { builtinDataset } from '../../src/data/builtin.js';

const OPTIONS = { imgHeight: 32, imgWidth: 32, nResidualBlocks: 0, seed: 2, nEpochs: 1, decayEpoch: 0 };
const dataset = () => builtinDataset({ imgHeight: 32, size: 2, seed: 6 });

describe('fit onEnd', () => {
  let dir: string;
  let engine: Engine;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cyclegan-on-end-'));
    engine = await createEngine({ backend: 'wasm' });
  });
  afterAll(() => {
    engine?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs once at the end of a completed fit, after the last step and while the checkpoint is written', async () => {
    const trainer = new CycleGANTrainer(engine, OPTIONS);
    const checkpoint = join(dir, 'completed.safetensors');
    const events: string[] = [];
    const result = await trainer.fit(dataset(), {
      checkpoint,
      onProgress: () => void events.push('step'),
      onEnd: async () => {
        events.push(`end at step ${trainer.steps}`);
        // The trainer is final and readable here, as the CLI reads its generators.
        expect((await trainer.trainingState()).steps).toBe(trainer.steps);
      },
    });
    expect(result).toMatchObject({ status: 'completed', steps: 2, checkpointWritten: true });
    expect(events).toEqual(['step', 'step', 'end at step 2']);
    expect(readFileSync(checkpoint).equals(Buffer.from(await trainer.checkpointBytes()))).toBe(true);
    trainer.dispose();
  });

  it('runs once when fit is aborted, and fit rejects with its error once the checkpoint is written', async () => {
    const trainer = new CycleGANTrainer(engine, OPTIONS);
    const checkpoint = join(dir, 'aborted.safetensors');
    const controller = new AbortController();
    let ends = 0;
    const failure = await trainer
      .fit(dataset(), {
        checkpoint,
        signal: controller.signal,
        onProgress: () => controller.abort(),
        onEnd: async () => {
          ends += 1;
          throw new Error('the run files could not be written');
        },
      })
      .catch((e: unknown) => e);
    expect((failure as Error).message).toBe('the run files could not be written');
    expect(ends).toBe(1);
    // The checkpoint of the one completed step is there all the same.
    expect(readFileSync(checkpoint).equals(Buffer.from(await trainer.checkpointBytes()))).toBe(true);
    expect(trainer.steps).toBe(1);
    trainer.dispose();
  });
});
