// A trainer in a worker computes what the same trainer computes in-thread on WASM: same seed,
// same batches, same losses (to 1e-5 relative) step after step, and the same translations.
// Errors thrown in the worker arrive as the library's typed classes with their fields.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, CycleGANTrainer, ShapeError, AttributeError, type CycleGANWorker, type Engine, type StepLosses } from '../../src/index.js';
import { openTestWorker, randomBatch, randomRgba, relativeError, SMALL } from './helpers.js';
import { rgbaToChw } from '../../src/data/convert.js';

let worker: CycleGANWorker;
let engine: Engine;

beforeAll(async () => {
  worker = await openTestWorker({ seed: 5 });
  engine = await createEngine({ backend: 'wasm', seed: 5 });
});

afterAll(async () => {
  await worker?.close();
  engine?.dispose();
});

const KEYS: (keyof StepLosses)[] = ['lossD', 'lossG', 'lossGAN', 'lossCycle', 'lossIdentity'];

describe('a trainer in a worker', () => {
  it('gives the in-thread losses, step after step, from the same seed and batches', async () => {
    const options = { ...SMALL, batchSize: 2 };
    const remote = await worker.createTrainer(options);
    const local = new CycleGANTrainer(engine, options);
    expect(worker.backend).toBe('wasm');
    expect(remote.options.nResidualBlocks).toBe(1);
    for (let s = 0; s < 3; s++) {
      const a = randomBatch(100 + s, 2);
      const b = randomBatch(200 + s, 2);
      const ta = engine.tensor(a.slice(), [2, 3, 32, 32]);
      const tb = engine.tensor(b.slice(), [2, 3, 32, 32]);
      const expected = await local.step(ta, tb);
      ta.dispose();
      tb.dispose();
      const got = await remote.step(a, b);
      for (const k of KEYS) {
        expect(Math.abs(got[k] - expected[k]) / Math.abs(expected[k]), `${k} at step ${s + 1}`).toBeLessThanOrEqual(1e-5);
      }
    }
    expect(remote.steps).toBe(3);
    expect((await remote.info()).steps).toBe(3);

    // And the trained generators translate alike: float batches and 8-bit images.
    const x = randomBatch(300, 1);
    const tx = engine.tensor(x.slice(), [1, 3, 32, 32]);
    const ty = await local.translate(tx, 'BtoA');
    const expectedY = await ty.data();
    const y = await remote.translate(x, 'BtoA');
    expect(y).toBeInstanceOf(Float32Array);
    expect(relativeError(y, expectedY)).toBeLessThanOrEqual(1e-5);
    tx.dispose();
    ty.dispose();

    const img = randomRgba(301);
    const chw = rgbaToChw(img.data, 32, 32, 3);
    const tImg = engine.tensor(chw, [1, 3, 32, 32]);
    const tOut = await local.translate(tImg, 'AtoB');
    const out = await remote.translate({ data: img.data.slice(), width: 32, height: 32 }, 'AtoB');
    expect(out.width).toBe(32);
    expect(out.height).toBe(32);
    expect(out.data).toBeInstanceOf(Uint8ClampedArray);
    const expectedRgba = (await import('../../src/data/convert.js')).chwToRgba(await tOut.data(), 3, 32, 32);
    // Rounding to 8 bits may flip a value by one where the floats differ in the last bits.
    let maxDiff = 0;
    for (let i = 0; i < out.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(out.data[i] - expectedRgba[i]));
    expect(maxDiff).toBeLessThanOrEqual(1);
    tImg.dispose();
    tOut.dispose();

    await remote.dispose();
    local.dispose();
  });

  it('takes arrays of images as batches and returns images, and frees what it made', async () => {
    const before = await worker.memory();
    const trainer = await worker.createTrainer(SMALL);
    const losses = await trainer.step([randomRgba(1), randomRgba(2)], [randomRgba(3), randomRgba(4)]);
    for (const k of KEYS) expect(Number.isFinite(losses[k])).toBe(true);
    const outs = await trainer.translate([randomRgba(5), randomRgba(6)], 'AtoB');
    expect(outs).toHaveLength(2);
    expect(outs[1].data.length).toBe(32 * 32 * 4);
    const grid = await trainer.sampleImages(randomBatch(7, 2), randomBatch(8, 2));
    expect(grid.width).toBeGreaterThan(64);
    expect(grid.data.length).toBe(grid.width * grid.height * 4);
    expect((await worker.memory()).liveTensors).toBeGreaterThan(before.liveTensors);
    await trainer.dispose();
    // Every batch, result and network of those calls is gone from the worker's engine.
    const after = await worker.memory();
    expect(after.liveTensors).toBe(before.liveTensors);
    expect(after.liveBytes).toBe(before.liveBytes);
    const report = await worker.dispatchReport();
    expect(report.backend).toBe('wasm');
    expect(report.kernels.conv2d?.wasm ?? 0).toBeGreaterThan(0);
  });

  it('rethrows errors from the worker as the library classes, with their fields', async () => {
    const trainer = await worker.createTrainer(SMALL);
    const wrong = randomBatch(9, 1, 64); // 64x64 for a 32x32 trainer: 4 images' worth of values
    const error = await trainer.step({ data: wrong, shape: [1, 3, 64, 64] }, randomBatch(10)).catch((e) => e);
    expect(error).toBeInstanceOf(ShapeError);
    expect(error.op).toBe('CycleGANTrainer.step');
    expect(error.arg).toBe('realA');
    expect(error.message).toMatch(/\[N, 3, 32, 32\]/);
    expect(error.stack).toMatch(/worker/);
    await expect(worker.createTrainer({ ...SMALL, nEpochs: 1, decayEpoch: 5 })).rejects.toBeInstanceOf(AttributeError);
    await expect(trainer.translate(randomBatch(11), 'sideways' as 'AtoB')).rejects.toThrow(/'AtoB' or 'BtoA'/);
    // A bad call leaves the worker usable.
    expect(Number.isFinite((await trainer.step(randomBatch(12), randomBatch(13))).lossG)).toBe(true);
    await trainer.dispose();
    await expect(trainer.step(randomBatch(14), randomBatch(15))).rejects.toThrow(/disposed/);
  });
});
