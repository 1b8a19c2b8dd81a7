// Large buffers cross as transferables, not structured-clone copies: an array the caller sends
// is detached on the caller's side after the call (byteLength 0), and the buffers of results
// (translations, checkpoints, weights) are detached on the worker's side once sent. Where a
// transfer would take more than the caller gave (a view into a larger buffer), it is copied.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinDataset, readSafetensors, type CycleGANWorker, type RemoteTrainer } from '../../src/index.js';
import { openTestWorker, randomBatch, randomRgba, SMALL } from './helpers.js';

let worker: CycleGANWorker;
let trainer: RemoteTrainer;

beforeAll(async () => {
  worker = await openTestWorker();
  trainer = await worker.createTrainer(SMALL);
});

afterAll(async () => {
  await worker?.close();
});

describe('transfers to the worker', () => {
  it('detaches the arrays passed to step and translate', async () => {
    const a = randomBatch(1);
    const b = randomBatch(2);
    expect(a.buffer.byteLength).toBe(3 * 32 * 32 * 4);
    await trainer.step(a, b);
    expect(a.buffer.byteLength).toBe(0);
    expect(b.buffer.byteLength).toBe(0);
    expect(a.length).toBe(0);

    const image = randomRgba(3);
    await trainer.translate(image, 'AtoB');
    expect(image.data.byteLength).toBe(0);

    // The same buffer passed twice in one call is transferred once (listing it twice would throw).
    const same = randomBatch(4);
    await trainer.step(same, same);
    expect(same.byteLength).toBe(0);
  });

  it('copies instead when the caller asks, or when the array is a view into a larger buffer', async () => {
    const copying = await openTestWorker({ copyInputs: true });
    const t = await copying.createTrainer(SMALL);
    const a = randomBatch(5);
    const b = randomBatch(6);
    const before = a.slice();
    await t.step(a, b);
    expect(a.byteLength).toBe(3 * 32 * 32 * 4);
    expect(a).toEqual(before);
    await copying.close();

    // Two images side by side in one buffer: sending the first must not detach the second.
    const both = randomBatch(7, 2);
    const first = both.subarray(0, 3 * 32 * 32);
    const second = both.subarray(3 * 32 * 32);
    const secondBefore = second.slice();
    await trainer.translate(first, 'AtoB');
    expect(both.byteLength).toBe(2 * 3 * 32 * 32 * 4);
    expect(second).toEqual(secondBefore);
  });

  it('detaches checkpoint bytes passed to loadCheckpoint and weight bytes passed to loadWeights', async () => {
    const checkpoint = await trainer.checkpointBytes();
    const size = checkpoint.byteLength;
    expect(size).toBeGreaterThan(100_000);
    await trainer.loadCheckpoint(checkpoint);
    expect(checkpoint.byteLength).toBe(0);

    const weights = await trainer.saveWeights('G_BA');
    await trainer.loadWeights('G_AB', weights);
    expect(weights.byteLength).toBe(0);
  });
});

describe('transfers from the worker', () => {
  it('sends results without copies: their buffers are detached in the worker after the call', async () => {
    const y = await trainer.translate(randomBatch(8, 2), 'BtoA');
    expect(y.length).toBe(2 * 3 * 32 * 32);
    // The result owns its whole buffer (it is the worker's, moved here, not a view of a message copy).
    expect(y.byteOffset).toBe(0);
    expect(y.buffer.byteLength).toBe(y.byteLength);
    expect(await worker._test.lastTransfer()).toEqual({ buffers: 1, detached: 1 });

    const images = await trainer.translate([randomRgba(9), randomRgba(10), randomRgba(11)], 'AtoB');
    expect(images).toHaveLength(3);
    expect(await worker._test.lastTransfer()).toEqual({ buffers: 3, detached: 3 });

    const checkpoint = await trainer.checkpointBytes();
    expect(checkpoint.buffer.byteLength).toBe(checkpoint.byteLength);
    expect(await worker._test.lastTransfer()).toEqual({ buffers: 1, detached: 1 });

    const weights = await trainer.saveWeights('G_AB');
    expect(Object.keys(readSafetensors(weights).tensors)).toContain('model.1.weight');
    expect(await worker._test.lastTransfer()).toEqual({ buffers: 1, detached: 1 });

    const grid = await trainer.sampleImages(randomBatch(12, 2), randomBatch(13, 2));
    expect(grid.data.length).toBe(grid.width * grid.height * 4);
    expect(await worker._test.lastTransfer()).toEqual({ buffers: 1, detached: 1 });
  });

  it('transfers the images of an images dataset to fit(), and builds a BuiltinDataset from its description', async () => {
    const t = await worker.createTrainer({ ...SMALL, nEpochs: 1, decayEpoch: 0 });
    const A = [randomRgba(41), randomRgba(42)];
    const B = [randomBatch(43), randomBatch(44), randomBatch(45)]; // CHW floats at the sample size
    const result = await t.fit({ kind: 'images', A, B, options: { imgHeight: 32, transform: 'eval' } });
    expect(result).toMatchObject({ status: 'completed', steps: 3 }); // max(|A|, |B|) samples
    for (const img of A) expect(img.data.byteLength).toBe(0);
    for (const x of B) expect(x.byteLength).toBe(0);

    const again = await worker.createTrainer({ ...SMALL, nEpochs: 1, decayEpoch: 0 });
    const r = await again.fit(builtinDataset({ seed: 2, imgHeight: 32, size: 2 }));
    expect(r).toMatchObject({ status: 'completed', steps: 2 });
    // A float image of the wrong size is refused by name (t has finished its epochs: a fresh trainer).
    const third = await worker.createTrainer({ ...SMALL, nEpochs: 1, decayEpoch: 0 });
    await expect(third.fit({ kind: 'images', A: [randomRgba(46, 16, 16)], B: [randomBatch(47, 1, 16)], options: { imgHeight: 32 } })).rejects.toThrow(/B\[0\]/);
    await Promise.all([t.dispose(), again.dispose(), third.dispose()]);
  });

  it('transfers the checkpoints fit() hands to its callback', async () => {
    const t = await worker.createTrainer({ ...SMALL, nEpochs: 1, decayEpoch: 0 });
    const received: Uint8Array[] = [];
    await t.fit({ kind: 'builtin', seed: 1, imgHeight: 32, size: 1 }, { checkpoint: (bytes) => void received.push(bytes) });
    expect(received).toHaveLength(1);
    expect(received[0].buffer.byteLength).toBe(received[0].byteLength);
    expect(readSafetensors(received[0]).metadata.format).toBe('cyclegan-engine/training-checkpoint');
    await t.dispose();
  });
});
