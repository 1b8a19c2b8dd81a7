// Architecture inference from keys and shapes, and the original CycleGAN models' state dict
// layout (no torch needed; interchange.test.ts checks them against PyTorch itself).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/engine.js';
import { ResnetGenerator } from '../../src/cyclegan/resnet_generator.js';
import { NLayerDiscriminator } from '../../src/cyclegan/nlayer_discriminator.js';
import { GeneratorResNet } from '../../src/cyclegan/generator.js';
import { Discriminator } from '../../src/cyclegan/discriminator.js';
import { buildModel, specOf, type ModelSpec } from '../../src/cyclegan/weights/architectures.js';
import { inferSpec } from '../../src/cyclegan/weights/keymap.js';
import { loadModel } from '../../src/cyclegan/weights/load_model.js';
import { saveWeights } from '../../src/cyclegan/weights/save.js';
import { ArchitectureError } from '../../src/io/errors.js';
import type { Module } from '../../src/nn/module.js';

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ backend: 'wasm', seed: 5 });
});
afterAll(() => engine.dispose());

const shapes = (m: Module): Record<string, { shape: readonly number[] }> =>
  Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, { shape: t.shape }]));

describe('original CycleGAN layouts', () => {
  it("ResnetGenerator has the original's keys: conv_block.{1,5}, or {1,6} with dropout; ConvTranspose [in, out, 3, 3]", () => {
    const g = new ResnetGenerator(engine, { inputNc: 3, outputNc: 1, ngf: 4, nBlocks: 2 });
    const keys = Object.keys(g.stateDict());
    expect(keys).toEqual([
      'model.1.weight', 'model.1.bias', 'model.4.weight', 'model.4.bias', 'model.7.weight', 'model.7.bias',
      'model.10.conv_block.1.weight', 'model.10.conv_block.1.bias', 'model.10.conv_block.5.weight', 'model.10.conv_block.5.bias',
      'model.11.conv_block.1.weight', 'model.11.conv_block.1.bias', 'model.11.conv_block.5.weight', 'model.11.conv_block.5.bias',
      'model.12.weight', 'model.12.bias', 'model.15.weight', 'model.15.bias', 'model.19.weight', 'model.19.bias',
    ]);
    expect(g.stateDict()['model.12.weight'].shape).toEqual([16, 8, 3, 3]);
    expect(g.stateDict()['model.19.weight'].shape).toEqual([1, 4, 7, 7]);
    g.dispose();
    const d = new ResnetGenerator(engine, { inputNc: 3, outputNc: 3, ngf: 4, nBlocks: 1, useDropout: true });
    expect(Object.keys(d.stateDict()).filter((k) => k.includes('conv_block'))).toEqual([
      'model.10.conv_block.1.weight', 'model.10.conv_block.1.bias', 'model.10.conv_block.6.weight', 'model.10.conv_block.6.bias',
    ]);
    d.dispose();
  });

  it('ResnetGenerator keeps the image size; NLayerDiscriminator gives 70x70-PatchGAN scores', () => {
    const g = new ResnetGenerator(engine, { inputNc: 3, outputNc: 3, ngf: 4, nBlocks: 1 }).eval();
    const x = engine.randn([1, 3, 20, 12]);
    const y = engine.noGrad(() => g.forward(x));
    expect(y.shape).toEqual([1, 3, 20, 12]);
    const d = new NLayerDiscriminator(engine, { inputNc: 3, ndf: 4 });
    expect(Object.keys(d.stateDict()).filter((k) => k.endsWith('weight'))).toEqual([
      'model.0.weight', 'model.2.weight', 'model.5.weight', 'model.8.weight', 'model.11.weight',
    ]);
    const img = engine.randn([1, 3, 64, 64]);
    const s = engine.noGrad(() => d.forward(img));
    expect(s.shape).toEqual([1, 1, 6, 6]);
    for (const t of [x, y, img, s]) t.dispose();
    g.dispose();
    d.dispose();
  });
});

describe('inferSpec', () => {
  const cases: ModelSpec[] = [
    { kind: 'GeneratorResNet', options: { inputShape: [3, 256, 256], nResidualBlocks: 9 } },
    { kind: 'GeneratorResNet', options: { inputShape: [1, 256, 256], nResidualBlocks: 0 } },
    { kind: 'ResnetGenerator', options: { inputNc: 3, outputNc: 1, ngf: 8, nBlocks: 6, useDropout: true } },
    { kind: 'ResnetGenerator', options: { inputNc: 3, outputNc: 3, ngf: 8, nBlocks: 0, useDropout: false } },
    { kind: 'Discriminator', options: { inputShape: [3, 256, 256] } },
    { kind: 'NLayerDiscriminator', options: { inputNc: 3, ndf: 8, nLayers: 3 } },
    { kind: 'NLayerDiscriminator', options: { inputNc: 6, ndf: 4, nLayers: 5 } },
  ];
  for (const spec of cases) {
    it(`recognises ${spec.kind} ${JSON.stringify(spec.options)}`, () => {
      const m = buildModel(engine, spec);
      expect(inferSpec(shapes(m))).toEqual(spec);
      expect(specOf(m)).toEqual(spec);
      m.dispose();
    });
  }

  it('refuses keys of no known network, hinting at a prefix', () => {
    expect(() => inferSpec({ 'G_AB.model.1.weight': { shape: [64, 3, 7, 7] } })).toThrow(ArchitectureError);
    expect(() => inferSpec({ 'G_AB.model.1.weight': { shape: [64, 3, 7, 7] } })).toThrow(/'G_AB\.'/);
    expect(() => inferSpec({})).toThrow(/no tensors/);
  });

  it('names a missing key of the detected layout', () => {
    const g = new ResnetGenerator(engine, { inputNc: 3, outputNc: 3, ngf: 4, nBlocks: 2 });
    const s = shapes(g);
    delete s['model.19.weight'];
    let err: unknown;
    try {
      inferSpec(s);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ArchitectureError);
    expect((err as ArchitectureError).key).toBe('model.19.weight');
    g.dispose();
  });
});

describe('saveWeights / loadModel round trip here', () => {
  it('every network comes back as the same kind with the same weights and outputs', async () => {
    const nets: Module[] = [
      new GeneratorResNet(engine, [3, 16, 16], 1),
      new Discriminator(engine, [3, 32, 32]),
      new ResnetGenerator(engine, { inputNc: 3, outputNc: 3, ngf: 4, nBlocks: 2, useDropout: true }),
      new NLayerDiscriminator(engine, { inputNc: 3, ndf: 4, nLayers: 2 }),
    ];
    for (const net of nets) {
      const back = await loadModel(engine, saveWeights(net));
      expect(specOf(back)).toEqual(specOf(net));
      const a = net.stateDict();
      for (const [k, t] of Object.entries(back.stateDict())) expect(t.dataSync(), k).toEqual(a[k].dataSync());
      back.dispose();
      net.dispose();
    }
  }, 600_000); // every network built, saved and loaded: minutes on a loaded 2-core CI machine

  it('F16 files load widened, within half precision of the original', async () => {
    const net = new NLayerDiscriminator(engine, { inputNc: 3, ndf: 4, nLayers: 1 });
    const back = await loadModel(engine, saveWeights(net, { dtype: 'F16' }));
    const w = net.stateDict()['model.0.weight'].dataSync();
    const h = back.stateDict()['model.0.weight'].dataSync();
    for (let i = 0; i < w.length; i++) expect(Math.abs(w[i] - h[i])).toBeLessThanOrEqual(Math.abs(w[i]) * 2 ** -11 + 2 ** -24);
    net.dispose();
    back.dispose();
  });
});
