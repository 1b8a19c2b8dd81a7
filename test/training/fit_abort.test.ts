// An abort that arrives during a step abandons it: fit() resolves 'aborted' with the checkpoint of
// the last completed step (counters, weights, replay buffers and the data stream's random state
// as they were before the abandoned step), and a run resumed from that checkpoint gives exactly
// the losses and weights of a run that was never interrupted. step() with a signal does the
// same on its own: it rejects with an AbortError and changes nothing.
import { afterEach, describe, expect, it } from 'vitest';
import { AbortError, createEngine, decodeCheckpoint, type Engine } from '../../src/index.js';
import { CycleGANTrainer, type StepLosses } from '../../src/cyclegan/trainer.js';
import { builtinDataset } from '../../src/data/builtin.js';
import type { Rng } from '../../src/random/rng.js';

// Unaligned pairs: every sample draws its B image from the data Rng.
const OPTIONS = { imgHeight: 32, imgWidth: 32, nResidualBlocks: 0, seed: 9, nEpochs: 2, decayEpoch: 1, bufferSize: 2 };
const dataset = () => builtinDataset({ imgHeight: 32, size: 3, seed: 4, unaligned: true });

const engines: Engine[] = [];
async function engine(): Promise<Engine> {
  const e = await createEngine({ backend: 'wasm' });
  engines.push(e);
  return e;
}
afterEach(() => {
  for (const e of engines.splice(0)) e.dispose();
});

async function weights(trainer: CycleGANTrainer): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (const net of [trainer.G_AB, trainer.G_BA, trainer.D_A, trainer.D_B]) for (const p of net.parameters()) out.push(await p.data());
  return out;
}

function countDiffering(a: Float32Array[], b: Float32Array[]): number {
  expect(a.length).toBe(b.length);
  return a.reduce((n, w, i) => n + w.reduce((m, v, j) => m + (v === b[i][j] ? 0 : 1), 0), 0);
}

function randomBatch(e: Engine, rng: Rng): ReturnType<Engine['tensor']> {
  const v = new Float32Array(3 * 32 * 32);
  for (let i = 0; i < v.length; i++) v[i] = rng.next() * 2 - 1;
  return e.tensor(v, [1, 3, 32, 32]);
}

describe('abort during a step', () => {
  it('fit abandons the running step, checkpoints the last completed one, and the resumed run equals an uninterrupted one', async () => {
    // The uninterrupted run: 2 epochs of 3 batches.
    const straight = new CycleGANTrainer(await engine(), OPTIONS);
    const expected: StepLosses[] = [];
    const full = await straight.fit(dataset(), { onProgress: (p) => void expected.push(p.losses) });
    expect(full).toMatchObject({ status: 'completed', steps: 6, stepAbandoned: false });
    const expectedWeights = await weights(straight);
    straight.dispose();

    // The same run, aborted while step 3 runs: the dataset's third read (step 3 collating its
    // batch) fires the signal, which the step sees after its generators' pass.
    const first = new CycleGANTrainer(await engine(), OPTIONS);
    const controller = new AbortController();
    const data = dataset();
    let reads = 0;
    const spy = {
      length: data.length,
      channels: data.channels,
      height: data.height,
      width: data.width,
      get: (i: number, rng: Rng) => {
        if (++reads === 3) controller.abort();
        return data.get(i, rng);
      },
    };
    const head: StepLosses[] = [];
    const checkpoints: Uint8Array[] = [];
    const result = await first.fit(spy, {
      signal: controller.signal,
      checkpoint: (bytes) => void checkpoints.push(bytes),
      onProgress: (p) => void head.push(p.losses),
    });
    expect(result).toMatchObject({ status: 'aborted', steps: 2, epoch: 0, batch: 2, stepAbandoned: true, checkpointWritten: true });
    expect(reads).toBe(3);
    expect(head).toEqual(expected.slice(0, 2));
    expect([first.epoch, first.batch, first.steps]).toEqual([0, 2, 2]);
    expect(checkpoints).toHaveLength(1);
    const state = decodeCheckpoint(checkpoints[0], 'abort checkpoint');
    expect([state.epoch, state.batch, state.steps]).toEqual([0, 2, 2]);
    first.dispose();

    // A new process, in effect: the trainer comes from the checkpoint alone.
    const resumed = await CycleGANTrainer.resume(await engine(), checkpoints[0]);
    const tail: StepLosses[] = [];
    const rest = await resumed.fit(dataset(), { onProgress: (p) => void tail.push(p.losses) });
    expect(rest).toMatchObject({ status: 'completed', steps: 4 });
    expect(tail).toEqual(expected.slice(2)); // bitwise: WASM's kernels are deterministic
    expect(countDiffering(await weights(resumed), expectedWeights)).toBe(0);
    resumed.dispose();
  });

  it('step() with a signal aborted during it rejects with AbortError and changes nothing', async () => {
    const { Rng } = await import('../../src/random/rng.js');
    const e = await engine();
    const trainer = new CycleGANTrainer(e, { ...OPTIONS, bufferSize: 1 });
    const twin = new CycleGANTrainer(e, { ...OPTIONS, bufferSize: 1 });
    const rng = new Rng(3);
    const [a, b] = [randomBatch(e, rng), randomBatch(e, rng)];
    const before = await weights(trainer);
    const controller = new AbortController();
    // Queued before the step starts: runs at the step's first turn of the event loop, which
    // comes after the generators' pass, so the step is abandoned there.
    setImmediate(() => controller.abort());
    const err = await trainer.step(a, b, { signal: controller.signal }).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(AbortError);
    expect((err as Error).name).toBe('AbortError');
    expect(trainer.steps).toBe(0);
    expect(trainer.fakeABuffer.length).toBe(0);
    expect(countDiffering(await weights(trainer), before)).toBe(0);
    // An already aborted signal: refused before any work.
    await expect(trainer.step(a, b, { signal: controller.signal })).rejects.toBeInstanceOf(AbortError);
    // The trainer goes on exactly like its twin that never saw an abort.
    const got = await trainer.step(a, b);
    const want = await twin.step(a, b);
    expect(got).toEqual(want);
    expect(countDiffering(await weights(trainer), await weights(twin))).toBe(0);
    a.dispose();
    b.dispose();
    trainer.dispose();
    twin.dispose();
  });
});
