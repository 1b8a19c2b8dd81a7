// The networks' width option (ngf for GeneratorResNet, ndf for Discriminator; 64 is the
// reference's): a narrow network's weights carry their width in the safetensors metadata and
// load back as the same network, files without metadata have it inferred from their shapes, a
// file of another width is refused by the shape check with a StateDictError naming the keys,
// and the reference's width writes the same metadata as before the option existed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/engine.js';
import { GeneratorResNet } from '../../src/cyclegan/generator.js';
import { Discriminator } from '../../src/cyclegan/discriminator.js';
import { CycleGANTrainer } from '../../src/cyclegan/trainer.js';
import { specOf, type ModelSpec } from '../../src/cyclegan/weights/architectures.js';
import { inferSpec } from '../../src/cyclegan/weights/keymap.js';
import { loadModel } from '../../src/cyclegan/weights/load_model.js';
import { saveWeights } from '../../src/cyclegan/weights/save.js';
import { readSafetensors } from '../../src/io/safetensors.js';
import { AttributeError, StateDictError } from '../../src/errors.js';
import type { Module } from '../../src/nn/module.js';

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ backend: 'wasm', seed: 3 });
});
afterAll(() => engine.dispose());

const shapes = (m: Module): Record<string, { shape: readonly number[] }> =>
  Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, { shape: t.shape }]));

/** Every tensor of a and b, element for element. */
function expectSameWeights(a: Module, b: Module): void {
  const sa = a.stateDict();
  const sb = b.stateDict();
  expect(Object.keys(sb)).toEqual(Object.keys(sa));
  for (const k of Object.keys(sa)) {
    expect(sb[k].shape, k).toEqual(sa[k].shape);
    expect(Array.from(sb[k].dataSync()), k).toEqual(Array.from(sa[k].dataSync()));
  }
}

describe('GeneratorResNet ngf and Discriminator ndf', () => {
  it('scale every layer: ngf 16 has 16, 32 and 64 filters; ndf 16 has 16 to 128', () => {
    const g = new GeneratorResNet(engine, [3, 32, 32], 1, 16);
    const s = shapes(g);
    expect(s['model.1.weight'].shape).toEqual([16, 3, 7, 7]);
    expect(s['model.7.weight'].shape).toEqual([64, 32, 3, 3]);
    expect(s['model.10.block.1.weight'].shape).toEqual([64, 64, 3, 3]);
    expect(s['model.16.weight'].shape).toEqual([16, 32, 3, 3]);
    expect(s['model.20.weight'].shape).toEqual([3, 16, 7, 7]);
    const d = new Discriminator(engine, [3, 32, 32], 16);
    expect(shapes(d)['model.8.weight'].shape).toEqual([128, 64, 4, 4]);
    expect(shapes(d)['model.12.weight'].shape).toEqual([1, 128, 4, 4]);
    const x = engine.randn([1, 3, 32, 32]);
    const y = engine.noGrad(() => g.eval().forward(x));
    const p = engine.noGrad(() => d.eval().forward(x));
    expect([y.shape, p.shape]).toEqual([[1, 3, 32, 32], [1, 1, 2, 2]]);
    for (const t of [x, y, p]) t.dispose();
    g.dispose();
    d.dispose();
  });

  it('a narrow generator and discriminator save and load back with their width (safetensors round trip)', async () => {
    for (const m of [new GeneratorResNet(engine, [3, 32, 32], 2, 16), new Discriminator(engine, [3, 32, 32], 16)]) {
      const bytes = saveWeights(m);
      const meta = readSafetensors(bytes).metadata;
      expect(JSON.parse(meta.options)).toEqual(m instanceof GeneratorResNet ? { inputShape: [3, 32, 32], nResidualBlocks: 2, ngf: 16 } : { inputShape: [3, 32, 32], ndf: 16 });
      const back = await loadModel(engine, bytes);
      expect(back.constructor).toBe(m.constructor);
      expect(specOf(back)).toEqual(specOf(m));
      expectSameWeights(m, back);
      m.dispose();
      back.dispose();
    }
  });

  it('files without metadata have their width inferred from the shapes', async () => {
    const g = new GeneratorResNet(engine, [3, 32, 32], 1, 16);
    const d = new Discriminator(engine, [3, 256, 256], 8);
    expect(inferSpec(shapes(g), [32, 32])).toEqual({ kind: 'GeneratorResNet', options: { inputShape: [3, 32, 32], nResidualBlocks: 1, ngf: 16 } });
    expect(inferSpec(shapes(d))).toEqual({ kind: 'Discriminator', options: { inputShape: [3, 256, 256], ndf: 8 } });
    // A plain tensor map (no kind in the metadata) loads as the network its shapes describe.
    const plain = Object.fromEntries(Object.entries(g.stateDict()).map(([k, t]) => [k, { data: t.dataSync(), shape: t.shape }]));
    const back = await loadModel(engine, saveWeights(plain), { inputSize: [32, 32] });
    expect((back as GeneratorResNet).ngf).toBe(16);
    expectSameWeights(g, back);
    for (const m of [g, d, back]) m.dispose();
  });

  it('refuses weights of another width with a StateDictError naming the keys and shapes', async () => {
    const narrow = new GeneratorResNet(engine, [3, 32, 32], 1, 16);
    const bytes = saveWeights(narrow);
    // The file's own width is 16; a caller asking for the reference's 64 gets the shape check.
    const wide: ModelSpec = { kind: 'GeneratorResNet', options: { inputShape: [3, 32, 32], nResidualBlocks: 1 } };
    const err = await loadModel(engine, bytes, { spec: wide }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StateDictError);
    expect((err as StateDictError).message).toMatch(/model\.1\.weight: expected shape \[64, 3, 7, 7\], got \[16, 3, 7, 7\]/);
    // And a file whose metadata claims another width than its tensors have.
    const lying = saveWeights(narrow, { metadata: { options: JSON.stringify({ inputShape: [3, 32, 32], nResidualBlocks: 1, ngf: 32 }) } });
    await expect(loadModel(engine, lying)).rejects.toThrow(StateDictError);
    // Loading into a module of another width is refused too (loadStateDict's own check).
    const other = new GeneratorResNet(engine, [3, 32, 32], 1, 8);
    expect(() => other.loadStateDict(narrow.stateDict())).toThrow(StateDictError);
    narrow.dispose();
    other.dispose();
  });

  it("the reference's width (64) writes the same metadata as before the option existed", () => {
    const g = new GeneratorResNet(engine, [3, 32, 32], 0);
    const d = new Discriminator(engine, [3, 32, 32]);
    expect(g.ngf).toBe(64);
    expect(JSON.parse(readSafetensors(saveWeights(g)).metadata.options)).toEqual({ inputShape: [3, 32, 32], nResidualBlocks: 0 });
    expect(JSON.parse(readSafetensors(saveWeights(d)).metadata.options)).toEqual({ inputShape: [3, 32, 32] });
    g.dispose();
    d.dispose();
  });

  it('bad widths are AttributeErrors naming the option', () => {
    expect(() => new GeneratorResNet(engine, [3, 32, 32], 0, 0)).toThrow(/ngf/);
    expect(() => new Discriminator(engine, [3, 32, 32], 2.5)).toThrow(/ndf/);
    expect(() => new CycleGANTrainer(engine, { imgHeight: 32, imgWidth: 32, ngf: -1 })).toThrow(AttributeError);
  });
});

describe('CycleGANTrainer ngf and ndf', () => {
  it('builds narrow networks, and its checkpoint resumes with them', async () => {
    const t = new CycleGANTrainer(engine, { imgHeight: 32, imgWidth: 32, nResidualBlocks: 0, ngf: 16, ndf: 8, nEpochs: 2, decayEpoch: 1 });
    expect([t.G_AB.ngf, t.G_BA.ngf, t.D_A.ndf, t.D_B.ndf]).toEqual([16, 16, 8, 8]);
    const a = engine.rand([1, 3, 32, 32]);
    const b = engine.rand([1, 3, 32, 32]);
    await t.step(a, b);
    const bytes = await t.checkpointBytes();
    const r = await CycleGANTrainer.resume(engine, bytes);
    expect([r.options.ngf, r.options.ndf, r.G_AB.ngf, r.D_B.ndf]).toEqual([16, 8, 16, 8]);
    expectSameWeights(t.G_AB, r.G_AB);
    // A trainer of the reference's width refuses the narrow checkpoint, naming the widths.
    const wide = new CycleGANTrainer(engine, { imgHeight: 32, imgWidth: 32, nResidualBlocks: 0, nEpochs: 2, decayEpoch: 1 });
    await expect(wide.loadCheckpoint(bytes)).rejects.toThrow(/ngf: checkpoint 16, trainer 64; ndf: checkpoint 8, trainer 64/);
    for (const x of [a, b]) x.dispose();
    for (const x of [t, r, wide]) x.dispose();
  });
});
