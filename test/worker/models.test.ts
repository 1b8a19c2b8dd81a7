// loadModel in a worker: from weight bytes, from a file path and a file: URL (read by the
// worker), and from a training checkpoint (both generators); translations equal the same
// networks run in-thread on WASM; weights go back out; wrong uses are refused with the reason.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createEngine,
  CycleGANTrainer,
  GeneratorResNet,
  initWeightsNormal,
  loadModel,
  saveWeights,
  AttributeError,
  WeightFormatError,
  type CycleGANWorker,
  type Engine,
} from '../../src/index.js';
import { openTestWorker, randomBatch, relativeError, SMALL } from './helpers.js';

let worker: CycleGANWorker;
let engine: Engine;
let dir: string;

beforeAll(async () => {
  worker = await openTestWorker();
  engine = await createEngine({ backend: 'wasm' });
  dir = mkdtempSync(join(tmpdir(), 'cyclegan-worker-models-'));
});

afterAll(async () => {
  await worker?.close();
  engine?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A seeded generator of the seed's layout, in-thread, and its safetensors bytes. */
function generator(seed: number): { g: GeneratorResNet; bytes: Uint8Array } {
  const g = new GeneratorResNet(engine, [3, 32, 32], 1);
  initWeightsNormal(g, { seed });
  g.eval();
  return { g, bytes: saveWeights(g) };
}

async function forward(g: GeneratorResNet, x: Float32Array, n = 1): Promise<Float32Array> {
  const t = engine.tensor(x, [n, 3, 32, 32]);
  const y = engine.noGrad(() => g.forward(t));
  const out = await y.data();
  t.dispose();
  y.dispose();
  return out;
}

describe('loadModel in a worker', () => {
  it('loads generator bytes and translates as the same generator in-thread', async () => {
    const { g, bytes } = generator(11);
    const before = await worker.memory();
    const model = await worker.loadModel(bytes);
    expect(model.directions).toEqual(['AtoB']);
    expect(model.specs.AtoB).toEqual({ kind: 'GeneratorResNet', options: { inputShape: [3, 32, 32], nResidualBlocks: 1 } });
    const x = randomBatch(12, 2);
    const expected = await forward(g, x.slice(), 2);
    const y = await model.translate(x); // one generator: the direction may be left out
    expect(relativeError(y, expected)).toBeLessThanOrEqual(1e-5);
    // { data, shape } in, { data, shape } out; any size that is a multiple of 4.
    const big = randomBatch(13, 1, 40);
    const out = await model.translate({ data: big, shape: [1, 3, 40, 40] }, 'AtoB');
    expect(out.shape).toEqual([1, 3, 40, 40]);
    await expect(model.translate(randomBatch(14), 'BtoA')).rejects.toBeInstanceOf(AttributeError);
    await model.dispose();
    expect((await worker.memory()).liveTensors).toBe(before.liveTensors); // nothing left behind
    g.dispose();
  });

  it('reads a file path and a file: URL in the worker, and a single file as BtoA when told', async () => {
    const { g, bytes } = generator(21);
    const file = join(dir, 'g_ba.safetensors');
    writeFileSync(file, bytes);
    const x = randomBatch(22);
    const expected = await forward(g, x.slice());
    const fromPath = await worker.loadModel(file, { direction: 'BtoA' });
    expect(fromPath.directions).toEqual(['BtoA']);
    expect(relativeError(await fromPath.translate(x.slice(), 'BtoA'), expected)).toBeLessThanOrEqual(1e-5);
    const fromUrl = await worker.loadModel(pathToFileURL(file));
    expect(relativeError(await fromUrl.translate(x.slice()), expected)).toBeLessThanOrEqual(1e-5);
    await expect(worker.loadModel(join(dir, 'missing.safetensors'))).rejects.toThrow(/missing\.safetensors/);
    await fromPath.dispose();
    await fromUrl.dispose();
    g.dispose();
  });

  it('loads both generators of a training checkpoint, equal to the trainer that wrote it', async () => {
    const trainer = await worker.createTrainer(SMALL);
    await trainer.step(randomBatch(31), randomBatch(32));
    const checkpoint = await trainer.checkpointBytes();
    // In-thread reference: the same checkpoint's generators.
    const gAB = (await loadModel(engine, checkpoint, { prefix: 'G_AB.' })) as GeneratorResNet;
    const gBA = (await loadModel(engine, checkpoint, { prefix: 'G_BA.' })) as GeneratorResNet;
    const x = randomBatch(33);
    const [eAB, eBA, tAB] = [await forward(gAB, x.slice()), await forward(gBA, x.slice()), await trainer.translate(x.slice(), 'AtoB')];
    expect(relativeError(tAB, eAB)).toBeLessThanOrEqual(1e-5);
    const model = await worker.loadModel(checkpoint.slice());
    expect(model.directions).toEqual(['AtoB', 'BtoA']);
    expect(relativeError(await model.translate(x.slice(), 'AtoB'), eAB)).toBeLessThanOrEqual(1e-5);
    expect(relativeError(await model.translate(x.slice(), 'BtoA'), eBA)).toBeLessThanOrEqual(1e-5);
    await expect(model.translate(x.slice())).rejects.toThrow(/'AtoB' or 'BtoA'/);

    // A checkpoint also resumes a trainer in the worker, at the step it was taken.
    const resumed = await worker.resumeTrainer(checkpoint);
    expect(resumed.steps).toBe(1);
    expect(relativeError(await resumed.translate(x.slice(), 'BtoA'), eBA)).toBeLessThanOrEqual(1e-5);

    // Weights out and back in: G_BA's file loaded into the model's AtoB slot translates as G_BA.
    const gBAbytes = await model.saveWeights('BtoA');
    await model.loadWeights(gBAbytes, 'AtoB');
    expect(relativeError(await model.translate(x.slice(), 'AtoB'), eBA)).toBeLessThanOrEqual(1e-5);
    for (const m of [gAB, gBA]) m.dispose();
    await Promise.all([model.dispose(), resumed.dispose(), trainer.dispose()]);
  });

  it('loads { AtoB, BtoA } from two files, and refuses what is not a weight file', async () => {
    const a = generator(41);
    const b = generator(42);
    const model = await worker.loadModel({ AtoB: a.bytes, BtoA: b.bytes });
    expect(model.directions).toEqual(['AtoB', 'BtoA']);
    const x = randomBatch(43);
    expect(relativeError(await model.translate(x.slice(), 'BtoA'), await forward(b.g, x.slice()))).toBeLessThanOrEqual(1e-5);
    await expect(worker.loadModel(new TextEncoder().encode('not weights at all'))).rejects.toBeInstanceOf(WeightFormatError);
    await model.dispose();
    await expect(model.translate(x)).rejects.toThrow(/disposed/);
    a.g.dispose();
    b.g.dispose();
  });

  it('refuses to translate with a discriminator', async () => {
    const local = new CycleGANTrainer(engine, SMALL);
    const model = await worker.loadModel(saveWeights(local.D_A));
    await expect(model.translate(randomBatch(51))).rejects.toThrow(/a generator/);
    await model.dispose();
    local.dispose();
  });
});
