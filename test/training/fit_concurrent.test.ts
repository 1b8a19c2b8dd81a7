// One trainer, one fit() at a time: a second fit(), a step(), endEpoch() or loadCheckpoint()
// while a fit runs is refused with a TrainerBusyError naming the call, and the running fit is
// unaffected (it gives exactly the losses of an undisturbed twin). Reading calls (translate,
// checkpointBytes) are served between its steps. The same holds for a trainer in a worker.
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, TrainerBusyError, type Engine } from '../../src/index.js';
import { CycleGANTrainer, type StepLosses } from '../../src/cyclegan/trainer.js';
import { builtinDataset } from '../../src/data/builtin.js';
import { openTestWorker, randomBatch, SMALL, WORKER_URL } from '../worker/helpers.js';

const OPTIONS = { imgHeight: 32, imgWidth: 32, nResidualBlocks: 0, seed: 4, nEpochs: 1, decayEpoch: 0 };
const dataset = () => builtinDataset({ imgHeight: 32, size: 3, seed: 6 });

const engines: Engine[] = [];
afterEach(() => {
  for (const e of engines.splice(0)) e.dispose();
});

describe('concurrent calls on a fitting trainer', () => {
  it('refuses a second fit, step, endEpoch and loadCheckpoint with TrainerBusyError; the running fit is unaffected', async () => {
    const e = await createEngine({ backend: 'wasm' });
    engines.push(e);
    const twin = new CycleGANTrainer(e, OPTIONS);
    const expected: StepLosses[] = [];
    await twin.fit(dataset(), { onProgress: (p) => void expected.push(p.losses) });
    const twinCheckpoint = await twin.checkpointBytes();
    twin.dispose();

    const trainer = new CycleGANTrainer(e, OPTIONS);
    const x = e.tensor(randomBatch(1), [1, 3, 32, 32]);
    const refusals: unknown[] = [];
    const losses: StepLosses[] = [];
    let previews = 0;
    const running = trainer.fit(dataset(), {
      onProgress: async (p) => {
        losses.push(p.losses);
        if (p.batchesDone !== 1) return;
        // Between two steps of the running fit: each changing call is refused...
        refusals.push(await trainer.fit(dataset()).catch((err: unknown) => err));
        refusals.push(await trainer.step(x, x).catch((err: unknown) => err));
        refusals.push(await trainer.loadCheckpoint(twinCheckpoint).catch((err: unknown) => err));
        try {
          trainer.endEpoch();
        } catch (err) {
          refusals.push(err);
        }
        // ...and reading calls are served.
        const y = await trainer.translate(x, 'AtoB');
        y.dispose();
        expect((await trainer.checkpointBytes()).length).toBeGreaterThan(1000);
        previews += 1;
      },
    });
    expect(trainer.isFitting).toBe(true);
    const result = await running;
    expect(trainer.isFitting).toBe(false);
    expect(result).toMatchObject({ status: 'completed', steps: 3 });
    expect(previews).toBe(1);
    expect(refusals.map((r) => [r instanceof TrainerBusyError, (r as TrainerBusyError).method])).toEqual([
      [true, 'fit'],
      [true, 'step'],
      [true, 'loadCheckpoint'],
      [true, 'endEpoch'],
    ]);
    expect((refusals[0] as Error).message).toMatch(/fit\(\) is running on this trainer/);
    // The running fit went on as if nothing had been asked of it.
    expect(losses).toEqual(expected);
    // Once it has returned, the trainer takes steps and fits again.
    expect(Number.isFinite((await trainer.step(x, x)).lossG)).toBe(true);
    x.dispose();
    trainer.dispose();
  });

  it('two fit() calls started together: the second is refused at once, the first completes', async () => {
    const e = await createEngine({ backend: 'wasm' });
    engines.push(e);
    const trainer = new CycleGANTrainer(e, OPTIONS);
    const a = trainer.fit(dataset());
    const b = trainer.fit(dataset());
    await expect(b).rejects.toBeInstanceOf(TrainerBusyError);
    await expect(a).resolves.toMatchObject({ status: 'completed', steps: 3 });
    trainer.dispose();
  });
});

// The worker serves dist/worker.js (built by `npm run build`).
describe.skipIf(!existsSync(WORKER_URL) && process.env.CI !== 'true')(`concurrent calls on a fitting trainer in a worker (${existsSync(WORKER_URL) ? 'dist/worker.js built' : 'skipped outside CI: no dist/worker.js, run npm run build'})`, () => {
  it('refuses a second fit and a step with TrainerBusyError; the running fit completes', async () => {
    const worker = await openTestWorker();
    try {
      const trainer = await worker.createTrainer({ ...SMALL, nResidualBlocks: 0, nEpochs: 1, decayEpoch: 0 });
      let first!: () => void;
      const started = new Promise<void>((resolve) => (first = resolve));
      const running = trainer.fit({ kind: 'builtin', seed: 6, imgHeight: 32, size: 3 }, { progressIntervalMs: 0, onProgress: () => first() });
      await started;
      const second = await trainer.fit({ kind: 'builtin', seed: 6, imgHeight: 32, size: 3 }).catch((err: unknown) => err);
      expect(second).toBeInstanceOf(TrainerBusyError);
      expect(second).toMatchObject({ method: 'fit', running: 'fit' });
      await expect(trainer.step(randomBatch(2), randomBatch(3))).rejects.toBeInstanceOf(TrainerBusyError);
      await expect(running).resolves.toMatchObject({ status: 'completed', steps: 3 });
      await trainer.dispose();
    } finally {
      await worker.close();
    }
  });
});
