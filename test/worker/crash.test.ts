// When the worker goes away (it exits, crashes, is terminated or closed) every pending call
// rejects with WorkerTerminatedError naming the call and the cause, within a second of the end,
// later calls reject at once, nothing hangs, and a new worker can be opened.
import { describe, expect, it } from 'vitest';
import { openWorker, WorkerTerminatedError, type CycleGANWorker, type RemoteTrainer } from '../../src/index.js';
import { openTestWorker, randomBatch, rejectionOf, SMALL } from './helpers.js';

/**
 * A worker with a long fit() running (its first progress seen) and a second trainer, whose
 * calls queue behind the fit in the worker.
 */
async function busyWorker(): Promise<{ worker: CycleGANWorker; trainer: RemoteTrainer; other: RemoteTrainer; fit: Promise<unknown> }> {
  const worker = await openTestWorker();
  const trainer = await worker.createTrainer({ ...SMALL, nEpochs: 100, decayEpoch: 50 });
  const other = await worker.createTrainer(SMALL);
  let started!: () => void;
  const firstProgress = new Promise<void>((resolve) => (started = resolve));
  const fit = trainer.fit({ kind: 'builtin', seed: 2, imgHeight: 32, size: 8 }, { progressIntervalMs: 0, onProgress: () => started() });
  fit.catch(() => {}); // observed below; marked handled so an early rejection is not reported as unhandled
  await firstProgress;
  return { worker, trainer, other, fit };
}

function expectEnded(error: Error, call: string, reason: string): void {
  expect(error).toBeInstanceOf(WorkerTerminatedError);
  const e = error as WorkerTerminatedError;
  expect(e.call).toBe(call);
  expect(e.reason).toBe(reason);
  expect(e.pending).toBe(true);
  expect(e.message).toContain(call);
}

/** After the end: calls reject at once (not pending), and a fresh worker works. */
async function expectDeadThenReplaceable(worker: CycleGANWorker, trainer: RemoteTrainer): Promise<void> {
  expect(worker.isOpen).toBe(false);
  // Refused without a round trip to the gone worker: the call rejects within the microtasks of
  // this turn, before any macrotask runs, however loaded the machine (a 50 ms wall-clock bound
  // here took 93 ms once on a busy 2-core CI).
  let macrotaskRan = false;
  setImmediate(() => (macrotaskRan = true));
  const late = await rejectionOf(trainer.translate(randomBatch(3), 'AtoB'));
  expect(macrotaskRan).toBe(false);
  expect(late.error).toBeInstanceOf(WorkerTerminatedError);
  expect((late.error as WorkerTerminatedError).pending).toBe(false);
  expect(late.error.message).toMatch(/before the call/);
  await expect(worker.createTrainer(SMALL)).rejects.toBeInstanceOf(WorkerTerminatedError);

  const fresh = await openTestWorker();
  const t = await fresh.createTrainer(SMALL);
  const y = await t.translate(randomBatch(4), 'AtoB');
  expect(y.length).toBe(3 * 32 * 32);
  await fresh.close();
}

describe('a worker that goes away', () => {
  it('exits (process.exit inside): every pending call rejects within a second, with the exit code', async () => {
    const { worker, trainer, other, fit } = await busyWorker();
    const exit = worker._test.exit(3);
    const step = other.step(randomBatch(1), randomBatch(2)); // sent after the exit: never answered
    const [rFit, rStep, rExit, end] = await Promise.all([rejectionOf(fit), rejectionOf(step), rejectionOf(exit), worker.ended.then((e) => ({ e, at: performance.now() }))]);
    expect(end.e).toEqual({ reason: 'exited', detail: '', exitCode: 3 });
    for (const r of [rFit, rStep, rExit]) expect(r.at - end.at).toBeLessThan(1000);
    expectEnded(rFit.error, 'trainer.fit', 'exited');
    expectEnded(rStep.error, 'trainer.step', 'exited');
    expectEnded(rExit.error, '_testExit', 'exited');
    expect(rFit.error.message).toMatch(/exited with code 3 while the call was pending/);
    await expectDeadThenReplaceable(worker, trainer);
  });

  it('crashes (an uncaught exception): pending calls reject with the crash message', async () => {
    const { worker, trainer, other, fit } = await busyWorker();
    const crash = worker._test.throwUncaught('kaboom in the worker');
    const step = other.step(randomBatch(1), randomBatch(2));
    const [rFit, rStep, rCrash, end] = await Promise.all([rejectionOf(fit), rejectionOf(step), rejectionOf(crash), worker.ended.then((e) => ({ e, at: performance.now() }))]);
    expectEnded(rCrash.error, '_testThrowUncaught', 'crashed');
    expect(end.e.reason).toBe('crashed');
    expect(end.e.detail).toContain('kaboom in the worker');
    for (const r of [rFit, rStep]) expect(r.at - end.at).toBeLessThan(1000);
    expectEnded(rFit.error, 'trainer.fit', 'crashed');
    expectEnded(rStep.error, 'trainer.step', 'crashed');
    expect(rStep.error.message).toContain('kaboom in the worker');
    await expectDeadThenReplaceable(worker, trainer);
  });

  it('is terminated: pending calls reject at once, saying so', async () => {
    const { worker, trainer, other, fit } = await busyWorker();
    const step = other.step(randomBatch(1), randomBatch(2));
    step.catch(() => {});
    const t0 = performance.now();
    await worker.terminate();
    const [rFit, rStep] = await Promise.all([rejectionOf(fit), rejectionOf(step)]);
    for (const r of [rFit, rStep]) expect(r.at - t0).toBeLessThan(1000);
    expectEnded(rFit.error, 'trainer.fit', 'terminated');
    expectEnded(rStep.error, 'trainer.step', 'terminated');
    expect(rFit.error.message).toMatch(/was terminated while the call was pending/);
    expect((await worker.ended).reason).toBe('terminated');
    await expectDeadThenReplaceable(worker, trainer);
  });

  it('is closed with calls pending: they reject as closed; close() is idempotent', async () => {
    const { worker, trainer, other, fit } = await busyWorker();
    const step = other.step(randomBatch(1), randomBatch(2));
    step.catch(() => {});
    const t0 = performance.now();
    await worker.close();
    await worker.close();
    const [rFit, rStep] = await Promise.all([rejectionOf(fit), rejectionOf(step)]);
    for (const r of [rFit, rStep]) expect(r.at - t0).toBeLessThan(1000);
    expectEnded(rFit.error, 'trainer.fit', 'closed');
    expectEnded(rStep.error, 'trainer.step', 'closed');
    await expectDeadThenReplaceable(worker, trainer);
  });

  it('closes cleanly when idle, and then refuses calls', async () => {
    const worker = await openTestWorker();
    const trainer = await worker.createTrainer(SMALL);
    await worker.close();
    expect(await worker.ended).toEqual({ reason: 'closed', detail: '', exitCode: null });
    const r = await rejectionOf(trainer.step(randomBatch(5), randomBatch(6)));
    expect(r.error).toBeInstanceOf(WorkerTerminatedError);
    expect(r.error.message).toMatch(/^trainer\.step: the worker was closed before the call/);
  });

  it('fails to start (no worker script there): openWorker rejects instead of hanging', async () => {
    const missing = new URL('./no-such-worker.js', import.meta.url);
    const error = await openWorker({ backend: 'wasm', workerUrl: missing }).catch((e) => e);
    expect(error).toBeInstanceOf(WorkerTerminatedError);
    expect(error.call).toBe('openWorker');
    expect(error.reason).toBe('crashed');
    expect(error.message).toMatch(/no-such-worker\.js|Cannot find module/);
  });

  it('cannot start an engine (a bad backend): openWorker rejects with the typed error and stops the worker', async () => {
    await expect(openTestWorker({ backend: 'quantum' as 'wasm' })).rejects.toThrow(/backend must be 'auto', 'webgpu' or 'wasm'/);
  });
});
