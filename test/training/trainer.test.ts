// The trainer's API: construction, step() argument checks, translate(), fit() with progress,
// samples, abort and checkpoints through a callback, and memory.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttributeError, createEngine, ShapeError, type Engine } from '../../src/index.js';
import { CycleGANTrainer, type FitProgress, type SampleInfo } from '../../src/cyclegan/trainer.js';
import type { RgbaImage } from '../../src/cyclegan/sample_grid.js';
import { TwoDomains } from './helpers.js';

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ backend: 'wasm' });
});
afterAll(() => engine.dispose());

const SMALL = { imgHeight: 32, imgWidth: 32, nResidualBlocks: 0 } as const;

describe('CycleGANTrainer', () => {
  it('builds the four networks with weights_init_normal from the seed, and frees everything on dispose', async () => {
    const before = engine.memory().liveTensors;
    const a = new CycleGANTrainer(engine, { ...SMALL, seed: 7 });
    const b = new CycleGANTrainer(engine, { ...SMALL, seed: 7 });
    const c = new CycleGANTrainer(engine, { ...SMALL, seed: 8 });
    expect(a.D_A.outputShape).toEqual([1, 2, 2]);
    const w = async (t: CycleGANTrainer) => t.G_BA.parameters()[0].data();
    expect(await w(a)).toEqual(await w(b));
    expect(await w(a)).not.toEqual(await w(c));
    // G_AB and G_BA start different; conv biases start at 0; weights have std 0.02.
    expect(await a.G_AB.parameters()[0].data()).not.toEqual(await w(a));
    expect(Array.from(await a.D_A.parameters()[1].data()).every((v) => v === 0)).toBe(true);
    const v = await a.G_AB.parameters()[0].data();
    const std = Math.sqrt(v.reduce((s, x) => s + x * x, 0) / v.length);
    expect(std).toBeGreaterThan(0.018);
    expect(std).toBeLessThan(0.022);
    expect(a.optimizerG.params).toHaveLength(a.G_AB.parameters().length * 2);
    expect([a.optimizerG.betas, a.optimizerG.eps, a.lr]).toEqual([[0.5, 0.999], 1e-8, 0.0002]);
    for (const t of [a, b, c]) t.dispose();
    expect(engine.memory().liveTensors).toBe(before);
  });

  it('step() checks its batches', async () => {
    const t = new CycleGANTrainer(engine, SMALL);
    const ok = engine.rand([2, 3, 32, 32]);
    const small = engine.rand([2, 3, 16, 16]);
    const one = engine.rand([1, 3, 32, 32]);
    await expect(t.step(ok, small)).rejects.toThrow(ShapeError);
    await expect(t.step(ok, small)).rejects.toThrow(/realB must have shape \[N, 3, 32, 32\], got \[2, 3, 16, 16\]/);
    await expect(t.step(ok, one)).rejects.toThrow(/2 images, like realA/);
    await expect(t.step(ok, 'x' as never)).rejects.toThrow(AttributeError);
    expect(t.steps).toBe(0);
    for (const x of [ok, small, one]) x.dispose();
    t.dispose();
    await expect(t.step(ok, ok)).rejects.toThrow(/disposed/);
  });

  it('translate() runs a generator in eval mode without gradients, for [N,C,H,W] or [C,H,W] of any size (multiple of 4)', async () => {
    const t = new CycleGANTrainer(engine, SMALL);
    const before = engine.memory().liveTensors;
    const x = engine.rand([2, 3, 32, 32]);
    const y = await t.translate(x, 'AtoB');
    expect(y.shape).toEqual([2, 3, 32, 32]);
    expect(y.requiresGrad).toBe(false);
    expect(t.G_AB.training).toBe(false);
    const z = await t.translate(engine.rand([3, 48, 64]), 'BtoA');
    expect(z.shape).toEqual([3, 48, 64]);
    const v = await y.data();
    expect(v.every((a) => a >= -1 && a <= 1)).toBe(true);
    await expect(t.translate(x, 'AB' as never)).rejects.toThrow(/direction must be 'AtoB' or 'BtoA'/);
    await expect(t.translate(engine.rand([1, 1, 32, 32]), 'AtoB')).rejects.toThrow(ShapeError);
    for (const a of [x, y, z]) a.dispose();
    // Only the unnamed inputs made inline remain (two rand tensors).
    expect(engine.memory().liveTensors).toBe(before + 2);
    t.dispose();
  });

  it('fit(): progress, sample grids every sampleInterval batches, abort with a checkpoint through a callback', async () => {
    const t = new CycleGANTrainer(engine, { ...SMALL, batchSize: 2, nEpochs: 3, decayEpoch: 1, sampleInterval: 2, seed: 4 });
    const dataset = new TwoDomains(3, 32, 32); // batches of 2 and 1
    const progress: FitProgress[] = [];
    const samples: [RgbaImage, SampleInfo][] = [];
    const saved: Uint8Array[] = [];
    const stop = new AbortController();
    const result = await t.fit(dataset, {
      signal: stop.signal,
      checkpoint: (bytes) => {
        saved.push(bytes);
      },
      onSample: (grid, info) => {
        samples.push([grid, info]);
      },
      sampleCount: 3,
      onProgress: (p) => {
        progress.push(p);
        if (progress.length === 3) stop.abort();
      },
    });
    expect(result).toMatchObject({ status: 'aborted', epoch: 1, batch: 1, steps: 3, checkpointWritten: true });
    expect(progress.map((p) => [p.epoch, p.batch, p.batchesDone, p.batchesLeft])).toEqual([
      [0, 0, 1, 5],
      [0, 1, 2, 4],
      [1, 0, 3, 3],
    ]);
    // batches_done 0 and 2 (epoch * 2 + batch) are multiples of sampleInterval 2.
    expect(samples.map(([, i]) => i)).toEqual([
      { epoch: 0, batch: 0, batchesDone: 0 },
      { epoch: 1, batch: 0, batchesDone: 2 },
    ]);
    expect([samples[0][0].width, samples[0][0].height]).toEqual([3 * 34 + 2, 4 * 36]);
    expect(saved).toHaveLength(1);
    // The checkpoint holds the state at the stop: resuming continues from epoch 1, batch 1.
    const resumed = await CycleGANTrainer.resume(engine, saved[0]);
    expect([resumed.epoch, resumed.batch, resumed.steps]).toEqual([1, 1, 3]);
    const rest = await resumed.fit(dataset);
    expect(rest).toMatchObject({ status: 'completed', epoch: 3, batch: 0, steps: 3, checkpointWritten: false });
    resumed.dispose();
    t.dispose();
  });

  it('fit() checks the dataset against the options', async () => {
    const t = new CycleGANTrainer(engine, SMALL);
    await expect(t.fit(new TwoDomains(3, 64, 64))).rejects.toThrow(/images of 3x32x32.*got 3x64x64/);
    const broken = { length: 2, channels: 3, height: 32, width: 32, get: () => ({ A: new Float32Array(5), B: new Float32Array(5) }) };
    await expect(t.fit(broken)).rejects.toThrow(/dataset.get\(\d\).A must have shape a Float32Array of 3072 values/);
    t.dispose();
  });
});
