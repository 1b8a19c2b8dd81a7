// Translation of any size through the worker (RemoteModel, RemoteTrainer), as a page sends it:
// a 451x300 RGBA photo comes back 451x300, equal to the in-thread translation; a model asked
// for a direction it does not hold is an error, also at loading a file labelled otherwise.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttributeError, createEngine, GeneratorResNet, saveWeights, type CycleGANWorker, type Engine } from '../../src/index.js';
import { rgbaToChw, chwToRgba } from '../../src/data/convert.js';
import { translateImage } from '../../src/translate/translate.js';
import { openTestWorker, randomRgba, relativeError } from '../worker/helpers.js';

let worker: CycleGANWorker;
let engine: Engine;
let gen: GeneratorResNet;
let bytes: Uint8Array;
beforeAll(async () => {
  worker = await openTestWorker();
  engine = await createEngine({ backend: 'wasm', seed: 2, wasm: { threads: 1 } });
  gen = new GeneratorResNet(engine, [3, 32, 32], 1);
  bytes = saveWeights(gen, { metadata: { direction: 'AtoB' } });
});
afterAll(async () => {
  await worker?.close();
  gen?.dispose();
  engine?.dispose();
});

describe('translate of any size in a worker', () => {
  it('RemoteModel: a 451x300 RGBA photo and a [1, 3, 300, 451] tensor keep their size and match in-thread', async () => {
    const [w, h] = [451, 300];
    const model = await worker.loadModel(bytes.slice());
    expect(model.directions).toEqual(['AtoB']); // from the file's label
    const img = randomRgba(9, w, h);
    const chw = rgbaToChw(img.data, h, w, 3);
    const x = engine.tensor(chw, [1, 3, h, w]);
    const local = await translateImage(gen, x);
    const expected = await local.data();
    x.dispose();
    local.dispose();

    const out = await model.translate({ data: chw.slice(), shape: [1, 3, h, w] }, 'AtoB');
    expect(out.shape).toEqual([1, 3, h, w]);
    expect(relativeError(out.data, expected)).toBeLessThanOrEqual(1e-5);

    const pixels = await model.translate({ data: img.data.slice(), width: w, height: h });
    expect([pixels.width, pixels.height]).toEqual([w, h]);
    const want = chwToRgba(expected, 3, h, w);
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(pixels.data[i] - want[i]));
    expect(worst).toBeLessThanOrEqual(1);

    // Tiles forced across the wire give the untiled result (a smaller image: tiles cost passes).
    const small = rgbaToChw(randomRgba(10, 96, 64).data, 64, 96, 3);
    const untiled = await model.translate({ data: small.slice(), shape: [1, 3, 64, 96] }, 'AtoB', { tileSize: 'none' });
    const tiled = await model.translate({ data: small.slice(), shape: [1, 3, 64, 96] }, 'AtoB', { tileSize: 48 });
    expect(relativeError(tiled.data, untiled.data)).toBeLessThanOrEqual(1e-4);
    await model.dispose();
  }, 600_000);

  it('RemoteTrainer: any size', async () => {
    const trainer = await worker.createTrainer({ imgHeight: 32, imgWidth: 32, nResidualBlocks: 1, seed: 4 });
    const out = await trainer.translate(randomRgba(3, 45, 30), 'BtoA');
    expect([out.width, out.height]).toEqual([45, 30]);
    await trainer.dispose();
  });

  it('a direction the model does not hold is an error, at loading and at translating', async () => {
    const model = await worker.loadModel(bytes.slice());
    await expect(model.translate(randomRgba(1, 16, 16), 'BtoA')).rejects.toBeInstanceOf(AttributeError);
    await model.dispose();
    await expect(worker.loadModel(bytes.slice(), { direction: 'BtoA' })).rejects.toThrow(/holds the AtoB generator only/);
    await expect(worker.loadModel({ BtoA: bytes.slice() })).rejects.toThrow(/labelled AtoB/);
  });

  it('refuses options that cannot cross to the worker', async () => {
    const model = await worker.loadModel(bytes.slice());
    await expect(model.translate(randomRgba(1, 16, 16), 'AtoB', { onProgress: () => {} } as object)).rejects.toThrow();
    await model.dispose();
  });
});
