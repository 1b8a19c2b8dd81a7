// Translation of any size in-thread (src/translate/translate.ts, CycleGANTrainer.translate): a
// 451x300 photo comes out 451x300, equal to PyTorch's generator on the reflection-padded image
// cropped back (test/translate/torch_translate.py); tiles chosen automatically give the same
// result (test/translate/tiled.test.ts compares tiled and untiled at length).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CycleGANTrainer, createEngine, ShapeError, type Engine } from '../../src/index.js';
import { chooseTile, DEFAULT_MEMORY_BUDGET, generatorGeometry, tileSideFor, translateImage, untiledBytes } from '../../src/translate/translate.js';
import { GeneratorResNet } from '../../src/cyclegan/generator.js';
import { Rng } from '../../src/random/rng.js';

const PYTHON = process.env.TORCH_PYTHON ?? '/usr/bin/python3';
const torchProbe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
const haveTorch = torchProbe.status === 0 || process.env.CI === 'true';
if (!haveTorch) console.warn(`any_size: skipping the PyTorch comparison: ${PYTHON} cannot import torch (apt-get install python3-torch)`);

let engine: Engine;
let trainer: CycleGANTrainer;
beforeAll(async () => {
  engine = await createEngine({ backend: 'wasm', seed: 1, wasm: { threads: 1 } });
  trainer = new CycleGANTrainer(engine, { imgHeight: 32, imgWidth: 32, nResidualBlocks: 1, seed: 3 });
});
afterAll(() => {
  trainer?.dispose();
  engine?.dispose();
});

function photo(seed: number, h: number, w: number): Float32Array {
  const rng = new Rng(seed);
  const x = new Float32Array(3 * h * w);
  for (let i = 0; i < x.length; i++) x[i] = rng.next() * 2 - 1;
  return x;
}

function relErr(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return d / (m + 1e-6);
}

describe('translate of any size, in-thread', () => {
  it.skipIf(!haveTorch)(`a 451x300 photo: the trainer's output is 451x300 and equals PyTorch on the padded image, cropped${haveTorch ? '' : ` (skipped outside CI: ${PYTHON} cannot import torch)`}`, async () => {
    const [h, w] = [300, 451];
    const xData = photo(21, h, w);
    const x = engine.tensor(xData, [3, h, w]);
    const y = await trainer.translate(x, 'BtoA');
    expect(y.shape).toEqual([3, h, w]);
    const ours = await y.data();
    x.dispose();
    y.dispose();

    const dir = mkdtempSync(join(tmpdir(), 'cyclegan-translate-'));
    try {
      const state = trainer.G_BA.stateDict();
      const tensors: [string, number[]][] = [];
      let i = 0;
      for (const [k, t] of Object.entries(state)) {
        writeFileSync(join(dir, `${i++}.bin`), new Uint8Array((await t.data()).slice().buffer));
        tensors.push([k, [...t.shape]]);
      }
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ shape: [3, h, w], blocks: 1, tensors }));
      writeFileSync(join(dir, 'x.bin'), new Uint8Array(xData.slice().buffer));
      const script = join(dirname(fileURLToPath(import.meta.url)), 'torch_translate.py');
      const r = spawnSync(PYTHON, [script, dir], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const b = readFileSync(join(dir, 'y.bin'));
      const torchY = new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
      expect(torchY.length).toBe(ours.length);
      expect(relErr(ours, torchY)).toBeLessThanOrEqual(1e-4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('auto tiles when the activations exceed the memory budget (and not otherwise)', async () => {
    const x = engine.tensor(photo(8, 70, 90), [3, 70, 90]);
    const seen: number[] = [];
    const big = await translateImage(trainer.G_AB, x, { onProgress: (p) => seen.push(p.tiles) });
    expect(seen).toEqual([1]);
    seen.length = 0;
    const small = await translateImage(trainer.G_AB, x, { memoryBudget: 6 * 1024 * 1024, onProgress: (p) => seen.push(p.tiles) });
    expect(Math.max(...seen)).toBeGreaterThan(1);
    expect(relErr(await small.data(), await big.data())).toBeLessThanOrEqual(1e-4);
    for (const t of [x, big, small]) t.dispose();
  });

  it('refuses wrong channels, tiny images and bad options with typed errors', async () => {
    const gray = engine.tensor(photo(1, 12, 12).subarray(0, 144), [1, 12, 12]);
    await expect(trainer.translate(gray, 'AtoB')).rejects.toBeInstanceOf(ShapeError);
    const tiny = engine.tensor(photo(1, 3, 3).subarray(0, 27), [3, 3, 3]);
    await expect(trainer.translate(tiny, 'AtoB')).rejects.toThrow(/at least 4/);
    const ok = engine.tensor(photo(1, 16, 16).subarray(0, 3 * 256), [3, 16, 16]);
    await expect(trainer.translate(ok, 'AtoB', { tileSize: 'big' as unknown as number })).rejects.toThrow(/tileSize/);
    await expect(trainer.translate(ok, 'AtoB', { memoryBudget: -1 })).rejects.toThrow(/memoryBudget/);
    for (const t of [gray, tiny, ok]) t.dispose();
  });
});

describe('the default tiling decision (chooseTile)', () => {
  it('a 1000x752 photo with the 9-block generator runs untiled; 4000x3000 runs in tiles sized to the 384 MiB budget', async () => {
    const e = await createEngine({ backend: 'wasm', seed: 3 });
    try {
      const g = generatorGeometry(new GeneratorResNet(e, [3, 256, 256], 9));
      // The largest activation is the 64 channels at full size: the upsampling layers run fused
      // with their convs, so their 128-channel upsampled input never exists.
      expect(g.floatsPerPixel).toBe(64);
      // 734 MiB estimated for 1000x752 (the heap measured 817 MiB with the weights): over the
      // tile budget, under the 1 GiB untiled limit.
      expect(untiledBytes(g, 752, 1000)).toBeGreaterThan(DEFAULT_MEMORY_BUDGET);
      expect(chooseTile(g, 752, 1000)).toBeNull();
      expect(chooseTile(g, 1504, 2000)).toBe(tileSideFor(g, DEFAULT_MEMORY_BUDGET));
      expect(chooseTile(g, 3000, 4000)).toBe(tileSideFor(g, DEFAULT_MEMORY_BUDGET));
      // A budget given is both the untiled limit and the tiles' size.
      expect(chooseTile(g, 752, 1000, { memoryBudget: DEFAULT_MEMORY_BUDGET })).toBe(tileSideFor(g, DEFAULT_MEMORY_BUDGET));
      expect(chooseTile(g, 512, 512, { memoryBudget: DEFAULT_MEMORY_BUDGET })).toBeNull();
      expect(chooseTile(g, 512, 512, { tileSize: 'none' })).toBeNull();
      expect(chooseTile(g, 512, 512, { tileSize: 130 })).toBe(132);
    } finally {
      e.dispose();
    }
  });
});
