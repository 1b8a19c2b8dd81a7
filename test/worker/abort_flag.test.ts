// The engine's abort flag (Engine.setAbortFlag): an Int32Array over a SharedArrayBuffer that
// another thread raises while this one computes (the CLI's main thread does, on Ctrl-C, for
// the training thread: src/cli/training_thread.ts). Read before every kernel of a step's
// generator pass, it abandons the step at that kernel: step() rejects with an AbortError, every
// tensor of the pass is freed, and the trainer's whole state (the checkpoint's bytes) is as
// before; the next step gives exactly what a fresh trainer's first step gives. Raised at a
// chosen kernel (deterministic) and from a real second thread.
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { AbortError, AttributeError, createEngine, type Engine } from '../../src/index.js';
import { CycleGANTrainer, type StepLosses } from '../../src/cyclegan/trainer.js';
import type { Tensor } from '../../src/tensor.js';
import { Rng } from '../../src/random/rng.js';

const OPTIONS = { imgHeight: 32, imgWidth: 32, nResidualBlocks: 1, seed: 7, bufferSize: 2 };

const engines: Engine[] = [];
async function engine(): Promise<Engine> {
  const e = await createEngine({ backend: 'wasm', seed: 1 });
  engines.push(e);
  return e;
}
afterEach(() => {
  for (const e of engines.splice(0)) e.dispose();
});

function batches(e: Engine): [Tensor, Tensor] {
  const rng = new Rng(3);
  const make = (): Tensor => {
    const v = new Float32Array(3 * 32 * 32);
    for (let i = 0; i < v.length; i++) v[i] = rng.next() * 2 - 1;
    return e.tensor(v, [1, 3, 32, 32]);
  };
  return [make(), make()];
}

/** Counts the engine's kernels, and raises `flag` just before kernel number `at` (1-based). */
function raiseAtKernel(e: Engine, flag: Int32Array, at: number): { count: () => number } {
  let n = 0;
  const run = e.runKernel.bind(e);
  (e as unknown as { runKernel: typeof run }).runKernel = ((...args: Parameters<typeof run>) => {
    if (++n === at) Atomics.store(flag, 0, 1);
    return run(...args);
  }) as typeof run;
  return { count: () => n };
}

const gradsLeft = (t: CycleGANTrainer): number =>
  [t.G_AB, t.G_BA, t.D_A, t.D_B].reduce((k, net) => k + net.parameters().filter((p) => p.grad !== null).length, 0);

describe('the engine abort flag abandons a training step', () => {
  it('raised at a kernel of the generators pass (forward or backward): AbortError, nothing kept, the next step is a first step', async () => {
    // A fresh trainer's first step: its losses and state, and how many kernels it runs.
    const e0 = await engine();
    const reference = new CycleGANTrainer(e0, OPTIONS);
    const [a0, b0] = batches(e0);
    const counter = raiseAtKernel(e0, new Int32Array(1), -1);
    const want: StepLosses = await reference.step(a0, b0);
    const kernels = counter.count();
    const wantState = await reference.checkpointBytes();
    expect(kernels).toBeGreaterThan(100);

    // Early in the forward pass, and half-way through the step (the generators' backward: their
    // pass is most of a step's kernels).
    for (const at of [5, Math.floor(kernels / 2)]) {
      const e = await engine();
      const flag = new Int32Array(new SharedArrayBuffer(4));
      e.setAbortFlag(flag);
      const trainer = new CycleGANTrainer(e, OPTIONS);
      const [a, b] = batches(e);
      const before = await trainer.checkpointBytes();
      const live = e.memory().liveTensors;
      raiseAtKernel(e, flag, at);
      const err = await trainer.step(a, b).catch((x: unknown) => x);
      expect(err, `raised before kernel ${at} of ${kernels}`).toBeInstanceOf(AbortError);
      expect((err as AbortError).op).toBe('CycleGANTrainer.step');
      expect(e.memory().liveTensors, 'tensors of the abandoned pass freed').toBe(live);
      expect(gradsLeft(trainer)).toBe(0);
      expect(trainer.steps).toBe(0);
      expect(Buffer.from(await trainer.checkpointBytes()).equals(Buffer.from(before))).toBe(true);

      // Lowered again, the trainer steps as if nothing had happened.
      Atomics.store(flag, 0, 0);
      expect(await trainer.step(a, b)).toEqual(want);
      expect(Buffer.from(await trainer.checkpointBytes()).equals(Buffer.from(wantState))).toBe(true);
    }
  });

  it('raised by another thread while the step computes; outside a step the flag stops nothing; a bad flag is refused', async () => {
    const e = await engine();
    const shared = new SharedArrayBuffer(8);
    const flag = new Int32Array(shared, 0, 1);
    e.setAbortFlag(flag);
    const trainer = new CycleGANTrainer(e, OPTIONS);
    const [a, b] = batches(e);
    await trainer.step(a, b); // warm: the next step's pass has no first-use work
    // The thread waits for the go (slot 1), sleeps 20 ms (Atomics.wait) and raises the flag:
    // this thread computes synchronously meanwhile, and sees it only through the engine. On a
    // machine so loaded that the thread runs only after the step ended, the step completes:
    // then the next attempt.
    const go = new Int32Array(shared, 4, 1);
    let err: unknown = null;
    let live = 0;
    for (let attempt = 0; attempt < 5 && !(err instanceof AbortError); attempt++) {
      Atomics.store(flag, 0, 0);
      Atomics.store(go, 0, 0);
      // The generators' gradients of the last step are dropped with the abandoned one (the next
      // step zeroes them first anyway); the rest of what lives now must be all that lives after.
      const generatorGrads = [trainer.G_AB, trainer.G_BA].reduce((k, net) => k + net.parameters().filter((p) => p.grad !== null).length, 0);
      expect(generatorGrads).toBeGreaterThan(0);
      live = e.memory().liveTensors - generatorGrads;
      const thread = new Worker(
        `const { workerData } = require('node:worker_threads');
         const flag = new Int32Array(workerData, 0, 1), go = new Int32Array(workerData, 4, 1);
         Atomics.wait(go, 0, 0);
         Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
         Atomics.store(flag, 0, 1);`,
        { eval: true, workerData: shared },
      );
      await new Promise((resolve) => thread.once('online', resolve));
      const exited = new Promise((resolve) => thread.once('exit', resolve));
      Atomics.store(go, 0, 1);
      Atomics.notify(go, 0);
      err = await trainer.step(a, b).then(
        () => null,
        (x: unknown) => x,
      );
      await exited;
    }
    expect(err).toBeInstanceOf(AbortError);
    expect(e.memory().liveTensors).toBe(live);

    // Raised, the flag only matters inside an abandonable phase: ops and translation run.
    expect(e.abortRequested).toBe(true);
    const y = await trainer.translate(a, 'AtoB');
    expect(y.shape).toEqual([1, 3, 32, 32]);
    y.dispose();
    e.setAbortFlag(null);
    expect(e.abortRequested).toBe(false);

    expect(() => e.setAbortFlag(new Float32Array(1) as unknown as Int32Array)).toThrow(AttributeError);
    await expect(createEngine({ backend: 'wasm', abortFlag: new Int32Array(0) })).rejects.toThrow(/abortFlag/);
  });
});
