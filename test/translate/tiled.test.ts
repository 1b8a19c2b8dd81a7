// Tiled translation (src/translate/tiled.ts, segment.ts) gives the untiled result: tiles with a
// halo, every InstanceNorm normalised with statistics over the whole image (gathered in
// passes), and the stored schedule: the front stores the residual blocks' input whole, each
// block runs over it in place by row bands with a one-band lag, the back tiles from it.
// Small odd-sized images with small tiles, so that tiles are inner on several sides, every
// segment has more than one tile in each direction, and the bands really overwrite rows that
// the next band reads as its halo.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine, type Tensor } from '../../src/index.js';
import { GeneratorResNet } from '../../src/cyclegan/generator.js';
import { ResnetGenerator } from '../../src/cyclegan/resnet_generator.js';
import { initWeightsNormal } from '../../src/cyclegan/init_weights.js';
import { generatorGeometry, translateImage, type TiledReport, type TranslatableGenerator, type TranslateOptions, type TranslateProgress } from '../../src/translate/translate.js';

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ backend: 'wasm', seed: 3, wasm: { threads: 1 } });
});
afterAll(() => engine?.dispose());

const savedTmp = process.env.TMPDIR;
afterEach(() => {
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
});

function relErr(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return d / (m + 1e-6);
}

interface Tiled {
  err: number;
  progress: TranslateProgress[];
  reports: TiledReport[];
}

/** The untiled result of `net` on `x`, and a function comparing tiled runs with it. */
async function against(net: TranslatableGenerator, x: Tensor): Promise<(options: TranslateOptions) => Promise<Tiled>> {
  const untiled = await translateImage(net, x, { tileSize: 'none' });
  const want = await untiled.data();
  untiled.dispose();
  return async (options) => {
    const progress: TranslateProgress[] = [];
    const reports: TiledReport[] = [];
    const tiled = await translateImage(net, x, { ...options, onProgress: (p) => progress.push(p), onTiled: (r) => reports.push(r) });
    expect(tiled.shape).toEqual(x.shape.length === 4 ? [x.shape[0], 3, ...x.shape.slice(-2)] : [3, ...x.shape.slice(-2)]);
    const err = relErr(await tiled.data(), want);
    tiled.dispose();
    return { err, progress, reports };
  };
}

function expectProgress(progress: TranslateProgress[], passes: number): void {
  const last = progress.at(-1)!;
  expect(last.fraction).toBeCloseTo(1, 6);
  expect(last.passes).toBe(passes);
  expect(last.pass).toBe(passes);
  expect(last.step).toBe(last.steps);
  for (let i = 1; i < progress.length; i++) {
    if (progress[i].fraction < progress[i - 1].fraction) throw new Error(`progress went back at ${i}`);
    expect(progress[i].pass).toBeGreaterThanOrEqual(progress[i - 1].pass);
    if (progress[i].step !== progress[i - 1].step + 1 && progress[i].step !== 1) throw new Error(`step jumped at ${i}`);
  }
}

/** Tiles per segment: [name, count] and whether the segment has several tiles each way. */
function segment(r: TiledReport, name: string): TiledReport['segments'][number] {
  const s = r.segments.find((g) => g.name === name);
  if (!s) throw new Error(`no segment ${name} in ${JSON.stringify(r.segments)}`);
  return s;
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

  it('GeneratorResNet (2 blocks) on 90x70, stored schedule in memory and in a file, equals untiled within 1e-4', async () => {
    const g = new GeneratorResNet(engine, [3, 64, 64], 2);
    initWeightsNormal(g, { seed: 5 });
    const x = engine.randn([1, 3, 70, 90], { seed: 11 });
    const compare = await against(g, x);

    const mem = await compare({ tileSize: 24, activationStore: 'memory' });
    expect(mem.err).toBeLessThan(1e-4);
    const r = mem.reports[0];
    expect(r).toMatchObject({ schedule: 'stored', store: 'memory' });
    // Padded to 92x72; the checkpoint is 256 channels at 23x18.
    expect(r.storeBytes).toBe(256 * 18 * 23 * 4);
    expect(segment(r, 'front')).toMatchObject({ tiles: 3 * 4, tile: [24, 24], passes: 4 });
    // Bands of 6 rows over 18: three, each writing rows that the next one reads as its halo (2).
    for (const name of ['residual block 1', 'residual block 2']) expect(segment(r, name)).toMatchObject({ tiles: 3, tile: [6, 23], halo: 2, passes: 3 });
    expect(segment(r, 'back')).toMatchObject({ tiles: 3 * 4, tile: [6, 6], passes: 3 });
    expectProgress(mem.progress, 4 + 2 * 3 + 3);

    // The same in a temporary file, which is gone afterwards.
    const dir = mkdtempSync(join(tmpdir(), 'tiled-store-'));
    try {
      process.env.TMPDIR = dir;
      const file = await compare({ tileSize: 24, activationStore: 'file' });
      expect(file.err).toBeLessThan(1e-4);
      expect(file.reports[0].store).toBe('file');
      expect(readdirSync(dir)).toEqual([]);

      // A failure in the middle (here the progress callback throws during a residual block)
      // removes the file too.
      let seen = 0;
      let sawFile = false;
      const failing = translateImage(g, x, {
        tileSize: 24,
        activationStore: 'file',
        onProgress: (p) => {
          if (p.pass === 6) {
            sawFile = readdirSync(dir).length === 1;
            if (++seen === 2) throw new Error('stop here');
          }
        },
      });
      await expect(failing).rejects.toThrow('stop here');
      expect(sawFile).toBe(true);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    // Tiles sized by a small memory budget (bands of a few rows) give the same result.
    const budget = await compare({ memoryBudget: 1024 * 1024 });
    expect(budget.err).toBeLessThan(1e-4);
    const rb = budget.reports[0];
    expect(rb.schedule).toBe('stored');
    expect(segment(rb, 'residual block 1').tiles).toBeGreaterThan(1);
    expect(segment(rb, 'back').tiles).toBeGreaterThan(4);
    x.dispose();
    g.dispose();
  });

  it('ResnetGenerator (transposed convs, 2 blocks, ngf 8), a batch of two 61x45 images in 16-pixel tiles, equals untiled', async () => {
    const g = new ResnetGenerator(engine, { inputNc: 3, outputNc: 3, ngf: 8, nBlocks: 2 });
    const x = engine.randn([2, 3, 45, 61], { seed: 12 });
    const compare = await against(g, x);
    const { err, reports, progress } = await compare({ tileSize: 16 });
    expect(err).toBeLessThan(1e-4);
    expect(reports).toHaveLength(2);
    const r = reports[0];
    expect(r.schedule).toBe('stored');
    // Padded to 64x48: front 3x4 tiles; checkpoint 16x12 in bands of 4 rows; back 3x4 tiles of 4.
    expect(segment(r, 'front').tiles).toBe(3 * 4);
    expect(segment(r, 'residual block 2')).toMatchObject({ tiles: 3, tile: [4, 16] });
    expect(segment(r, 'back')).toMatchObject({ tiles: 3 * 4, tile: [4, 4] });
    expect(progress.at(-1)!.fraction).toBeCloseTo(1, 6);
    x.dispose();
    g.dispose();
  });

  it('a generator without residual blocks runs as one segment of passes, equal to untiled', async () => {
    const g = new GeneratorResNet(engine, [3, 64, 64], 0);
    initWeightsNormal(g, { seed: 6 });
    const x = engine.randn([1, 3, 37, 53], { seed: 13 });
    const compare = await against(g, x);
    const { err, reports, progress } = await compare({ tileSize: 20 });
    expect(err).toBeLessThan(1e-4);
    expect(reports[0]).toMatchObject({ schedule: 'passes', store: null, storeBytes: 0 });
    expect(segment(reports[0], 'network').tiles).toBe(2 * 3);
    expectProgress(progress, generatorGeometry(g).norms + 1);
    x.dispose();
    g.dispose();
  });

  it('activationStore is checked', async () => {
    const g = new GeneratorResNet(engine, [3, 64, 64], 1);
    const x = engine.randn([1, 3, 16, 16], { seed: 1 });
    await expect(translateImage(g, x, { activationStore: 'disk' as never })).rejects.toThrow(/activationStore/);
    x.dispose();
    g.dispose();
  });
});
