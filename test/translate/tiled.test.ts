// Tiled translation (src/translate/tiled.ts) gives the untiled result: tiles with a halo, and
// every InstanceNorm normalised with statistics over the whole image (gathered in passes).
// A small image with small tiles, so that tiles really are inner on several sides.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/index.js';
import { GeneratorResNet } from '../../src/cyclegan/generator.js';
import { ResnetGenerator } from '../../src/cyclegan/resnet_generator.js';
import { initWeightsNormal } from '../../src/cyclegan/init_weights.js';
import { generatorGeometry, translateImage, type TranslatableGenerator, type TranslateProgress } from '../../src/translate/translate.js';

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ backend: 'wasm', seed: 3, wasm: { threads: 1 } });
});
afterAll(() => engine?.dispose());

function relErr(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return d / (m + 1e-6);
}

async function compare(net: TranslatableGenerator, shape: number[], tileSize: number): Promise<{ err: number; progress: TranslateProgress[] }> {
  const x = engine.randn(shape, { seed: 11 });
  const untiled = await translateImage(net, x, { tileSize: 'none' });
  const progress: TranslateProgress[] = [];
  const tiled = await translateImage(net, x, { tileSize, onProgress: (p) => progress.push(p) });
  expect(tiled.shape).toEqual(untiled.shape);
  expect(tiled.shape.slice(-2)).toEqual(shape.slice(-2));
  const err = relErr(await tiled.data(), await untiled.data());
  for (const t of [x, untiled, tiled]) t.dispose();
  return { err, progress };
}

describe('tiled translation', () => {
  it("the seed's generator: multiple 4, a halo covering its receptive field", () => {
    const g = new GeneratorResNet(engine, [3, 64, 64], 9);
    const geo = generatorGeometry(g);
    expect(geo.multiple).toBe(4);
    expect(geo.norms).toBe(3 + 2 * 9 + 2);
    // 7x7 (3) + two stride-2 3x3 + 18 3x3 at quarter resolution (4 px each) + ...: at least 72 px.
    expect(geo.halo).toBeGreaterThanOrEqual(72);
    expect(geo.halo % 4).toBe(0);
    g.dispose();
  });

  it('GeneratorResNet (1 block) on 90x70 in 24-pixel tiles equals the untiled result within 1e-4', async () => {
    const g = new GeneratorResNet(engine, [3, 64, 64], 1);
    initWeightsNormal(g, { seed: 5 });
    const geo = generatorGeometry(g);
    // Tiles much smaller than the image plus halo: inner sides on all four edges for some tiles.
    expect(geo.halo).toBeLessThan(40);
    const { err, progress } = await compare(g, [1, 3, 70, 90], 24);
    expect(err).toBeLessThan(1e-4);
    const last = progress.at(-1)!;
    expect(last.fraction).toBeCloseTo(1, 6);
    expect(last.passes).toBe(geo.norms + 1);
    expect(last.tiles).toBe(Math.ceil(72 / 24) * Math.ceil(92 / 24));
    for (let i = 1; i < progress.length; i++) expect(progress[i].fraction).toBeGreaterThan(progress[i - 1].fraction);
    g.dispose();
  });

  it('ResnetGenerator (transposed convs, 1 block, ngf 8) on 61x45 in 16-pixel tiles equals untiled', async () => {
    const g = new ResnetGenerator(engine, { inputNc: 3, outputNc: 3, ngf: 8, nBlocks: 1 });
    const { err } = await compare(g, [2, 3, 45, 61], 16);
    expect(err).toBeLessThan(1e-4);
    g.dispose();
  });
});
