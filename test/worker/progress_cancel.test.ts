// fit() in a worker: progress arrives through a comlink proxy, throttled in the worker (counted
// against the steps taken and timed); an AbortSignal stops fit at a step boundary, or within a
// kernel through the abort flag the client shares with the worker, leaving a trainer that
// translates, checkpoints, and goes on training from where it stopped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCheckpoint, type CycleGANWorker, type FitProgress } from '../../src/index.js';
import { throttleProgress } from '../../src/worker/progress.js';
import { openTestWorker, randomBatch, SMALL } from './helpers.js';

let worker: CycleGANWorker;

beforeAll(async () => {
  worker = await openTestWorker();
});

afterAll(async () => {
  await worker?.close();
});

const progressAt = (batchesLeft: number): FitProgress =>
  ({ epoch: 0, nEpochs: 1, batch: 0, batches: 1, batchesDone: 1, batchesLeft, losses: {}, lr: 0, stepSeconds: 0, etaSeconds: 0 }) as unknown as FitProgress;

describe('throttleProgress', () => {
  it('sends the first report, then at most one per interval, and always the last', async () => {
    let now = 0;
    const sent: number[] = [];
    const throttled = throttleProgress((p) => void sent.push(p.batchesLeft), 100, () => now);
    // 30 steps 12 ms apart: 360 ms, so reports at 0, 108 (first >= 100), 216, 324 and the last.
    for (let left = 29; left >= 0; left--) {
      await throttled(progressAt(left));
      now += 12;
    }
    expect(sent).toEqual([29, 20, 11, 2, 0]);
  });
});

describe('fit in a worker', () => {
  it('reports progress at most once per interval, with the first and the last step', async () => {
    const trainer = await worker.createTrainer({ ...SMALL, nEpochs: 2, decayEpoch: 1 });
    const interval = 1500;
    const seen: { at: number; p: FitProgress }[] = [];
    const t0 = performance.now();
    const result = await trainer.fit(
      { kind: 'builtin', seed: 3, imgHeight: 32, size: 4 },
      { progressIntervalMs: interval, onProgress: (p) => void seen.push({ at: performance.now(), p }) },
    );
    const elapsed = performance.now() - t0;
    expect(result.status).toBe('completed');
    expect(result.steps).toBe(8);
    const calls = seen.length;
    // Whatever this machine's speed: the first report, at most one per interval after it, the last.
    expect(calls).toBeLessThanOrEqual(Math.min(result.steps, 2 + Math.floor(elapsed / interval)));
    expect(seen[0].p.batchesDone).toBe(1);
    expect(seen[calls - 1].p.batchesLeft).toBe(0);
    expect(seen[calls - 1].p.losses.lossG).toBeCloseTo(result.lastLosses!.lossG, 6);
    // Consecutive reports (the forced last one aside) are an interval apart, less message delays.
    for (let i = 1; i < calls - 1; i++) expect(seen[i].at - seen[i - 1].at).toBeGreaterThanOrEqual(interval * 0.8);
    for (let i = 1; i < calls; i++) expect(seen[i].p.batchesDone).toBeGreaterThan(seen[i - 1].p.batchesDone);
    expect(trainer.epoch).toBe(2);

    // With an interval longer than the run, exactly the first and the last of 4 steps arrive.
    const again = await worker.createTrainer({ ...SMALL, nEpochs: 1, decayEpoch: 0 });
    const batches: number[] = [];
    const r = await again.fit({ kind: 'builtin', seed: 3, imgHeight: 32, size: 4 }, { progressIntervalMs: 3_600_000, onProgress: (p) => void batches.push(p.batchesDone) });
    expect(r.steps).toBe(4);
    expect(batches).toEqual([1, 4]);
    await trainer.dispose();
    await again.dispose();
  });

  it('stops at a step boundary when the signal aborts, and the trainer stays consistent', async () => {
    const options = { ...SMALL, nEpochs: 2, decayEpoch: 1 };
    const dataset = { kind: 'builtin', seed: 4, imgHeight: 32, size: 3 } as const;
    const trainer = await worker.createTrainer(options);
    const controller = new AbortController();
    const reports: FitProgress[] = [];
    const checkpoints: Uint8Array[] = [];
    const result = await trainer.fit(dataset, {
      signal: controller.signal,
      progressIntervalMs: 0, // every step, to know exactly where it stopped
      checkpoint: (bytes) => void checkpoints.push(bytes),
      onProgress: (p) => {
        reports.push(p);
        if (p.batchesDone === 2) controller.abort();
      },
    });
    expect(result.status).toBe('aborted');
    // The step during which abort() was called finishes; no other starts.
    expect(result.steps).toBe(2);
    expect(reports.map((p) => p.batchesDone)).toEqual([1, 2]);
    expect(result.epoch).toBe(0);
    expect(result.batch).toBe(2);
    expect(result.checkpointWritten).toBe(true);
    // The checkpoint fit wrote on abort says the same, and crossed as bytes.
    expect(checkpoints).toHaveLength(1);
    const state = decodeCheckpoint(checkpoints[0], 'abort checkpoint');
    expect([state.epoch, state.batch, state.steps]).toEqual([0, 2, 2]);
    expect(await trainer.info()).toMatchObject({ epoch: 0, batch: 2, steps: 2 });

    // The model still translates, to finite values of the input's shape.
    const y = await trainer.translate(randomBatch(21), 'AtoB');
    expect(y.length).toBe(3 * 32 * 32);
    expect(y.every((v) => Number.isFinite(v) && Math.abs(v) <= 1)).toBe(true);

    // And training resumes where it stopped: the 4 remaining batches of 2 epochs x 3.
    const rest = await trainer.fit(dataset);
    expect(rest.status).toBe('completed');
    expect(rest.steps).toBe(4);
    expect(await trainer.info()).toMatchObject({ epoch: 2, batch: 0, steps: 6 });
    await trainer.dispose();
  });

  it('sees a cancel between steps even with no callback to wait on', async () => {
    // Without progress round trips the worker must still let its event loop run after each step.
    const trainer = await worker.createTrainer({ ...SMALL, nEpochs: 100, decayEpoch: 50 });
    const controller = new AbortController();
    const fit = trainer.fit({ kind: 'builtin', seed: 5, imgHeight: 32, size: 2 }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 1000);
    const result = await fit;
    expect(result.status).toBe('aborted');
    expect(result.steps).toBeLessThan(200);
    expect(await trainer.info()).toMatchObject({ steps: result.steps });
    await trainer.dispose();
  });

  it('abandons a running step within a kernel: the abort raises a flag the worker engine reads', async () => {
    // 64x64 with 3 blocks: steps of a second or more. One step first, to know how long one takes.
    const options = { ...SMALL, imgHeight: 64, imgWidth: 64, nResidualBlocks: 3, nEpochs: 1000, decayEpoch: 500 };
    const dataset = { kind: 'builtin', seed: 8, imgHeight: 64, size: 1 } as const;
    const timing = await worker.createTrainer({ ...options, nEpochs: 1, decayEpoch: 0 });
    const steps: number[] = [];
    await timing.fit(dataset, { progressIntervalMs: 0, onProgress: (p) => void steps.push(p.stepSeconds) });
    await timing.dispose();
    const stepSeconds = steps[0];

    // Aborted 5% into a step: a cancel message alone is seen only after the generators' pass,
    // most of the step; the flag stops it at the next kernel.
    const trainer = await worker.createTrainer(options);
    const controller = new AbortController();
    let abortedAt = 0;
    const result = await trainer.fit(dataset, {
      signal: controller.signal,
      progressIntervalMs: 0,
      onProgress: (p) => {
        if (p.batchesDone === 1) {
          setTimeout(() => {
            abortedAt = performance.now();
            controller.abort();
          }, stepSeconds * 50);
        }
      },
    });
    const latency = (performance.now() - abortedAt) / 1000;
    console.log(`worker fit: resolved ${latency.toFixed(3)} s after abort() in a step of ${stepSeconds.toFixed(2)} s`);
    expect(result).toMatchObject({ status: 'aborted', steps: 1, stepAbandoned: true });
    expect(latency).toBeLessThan(stepSeconds * 0.3);
    expect(await trainer.info()).toMatchObject({ steps: 1 });
    await trainer.dispose();
  });

  it('serves reading calls between the steps of a running fit, and refuses calls that would change it', async () => {
    const trainer = await worker.createTrainer({ ...SMALL, nEpochs: 100, decayEpoch: 50 });
    const controller = new AbortController();
    let first!: () => void;
    const started = new Promise<void>((resolve) => (first = resolve));
    const fit = trainer.fit({ kind: 'builtin', seed: 6, imgHeight: 32, size: 2 }, { signal: controller.signal, onProgress: () => first() });
    await started;
    // A preview while training: translate and checkpoint run at a step boundary.
    const preview = await trainer.translate(randomBatch(61), 'AtoB');
    expect(preview.every((v) => Number.isFinite(v))).toBe(true);
    const state = decodeCheckpoint(await trainer.checkpointBytes(), 'mid-fit');
    expect(state.steps).toBeGreaterThanOrEqual(1);
    await expect(trainer.step(randomBatch(62), randomBatch(63))).rejects.toThrow(/fit\(\) is running on this trainer/);
    await expect(trainer.fit({ kind: 'builtin', imgHeight: 32, size: 2 })).rejects.toThrow(/fit\(\) is running/);
    controller.abort();
    const result = await fit;
    expect(result.status).toBe('aborted');
    // Once fit has returned, the trainer takes steps again.
    expect(Number.isFinite((await trainer.step(randomBatch(64), randomBatch(65))).lossG)).toBe(true);
    await trainer.dispose();
  });

  it('returns at once, untrained, when the signal is already aborted', async () => {
    const trainer = await worker.createTrainer({ ...SMALL, nEpochs: 1, decayEpoch: 0 });
    const controller = new AbortController();
    controller.abort();
    const result = await trainer.fit({ kind: 'builtin', seed: 1, imgHeight: 32, size: 2 }, { signal: controller.signal, onProgress: () => {} });
    expect(result).toMatchObject({ status: 'aborted', steps: 0, epoch: 0, batch: 0 });
    await trainer.dispose();
  });

  it('rejects fit when the progress callback throws, like the in-thread fit', async () => {
    const trainer = await worker.createTrainer({ ...SMALL, nEpochs: 1, decayEpoch: 0 });
    const fit = trainer.fit({ kind: 'builtin', seed: 1, imgHeight: 32, size: 2 }, {
      onProgress: () => {
        throw new Error('the UI is gone');
      },
    });
    await expect(fit).rejects.toThrow('the UI is gone');
    await trainer.dispose();
  });

  it('refuses a dataset object it cannot send, naming the descriptions it takes', async () => {
    const trainer = await worker.createTrainer(SMALL);
    const fake = { length: 1, channels: 3, height: 32, width: 32, get: () => ({ A: new Float32Array(1), B: new Float32Array(1) }) };
    await expect(trainer.fit(fake as never)).rejects.toThrow(/cannot cross into a worker/);
    await trainer.dispose();
  });
});
