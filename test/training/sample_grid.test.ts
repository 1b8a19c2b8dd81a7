// Sample grids: torchvision's make_grid(nrow=5, normalize=True) per row, rows real A, fake B,
// real B, fake A stacked, save_image's byte conversion, RGBA out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/index.js';
import { makeGrid, sampleGrid, stackRows, toRgba } from '../../src/cyclegan/sample_grid.js';
import { CycleGANTrainer } from '../../src/cyclegan/trainer.js';

describe('makeGrid (torchvision.utils.make_grid)', () => {
  it('lays 7 images out 5 per row with 2-pixel zero padding, normalized over the whole batch', () => {
    const n = 7;
    const data = new Float32Array(n * 3 * 2 * 2);
    for (let i = 0; i < n; i++) data.fill(i - 3, i * 12, (i + 1) * 12); // image i is constant i - 3: min -3, max 3
    const g = makeGrid(data, [n, 3, 2, 2]);
    // xmaps 5, ymaps 2: width 5*(2+2)+2 = 22, height 2*(2+2)+2 = 10
    expect([g.channels, g.height, g.width]).toEqual([3, 10, 22]);
    const at = (c: number, y: number, x: number): number => g.data[(c * g.height + y) * g.width + x];
    expect(at(0, 0, 0)).toBe(0); // padding
    expect(at(1, 2, 2)).toBe(0); // image 0: (-3 + 3) / 6
    expect(at(2, 3, 3 + 4 * 4)).toBeCloseTo(4 / 6, 6); // image 4 at column 4
    expect(at(0, 2 + 4, 2 + 4)).toBeCloseTo(6 / 6, 6); // image 6: second row, column 1
    expect(at(0, 6, 2 + 8)).toBe(0); // no image 7: padding value
  });

  it('returns a single image as is (no padding), grayscale as three channels', () => {
    const g = makeGrid(Float32Array.from([0, 1, 2, 3]), [1, 1, 2, 2]);
    expect([g.channels, g.height, g.width]).toEqual([3, 2, 2]);
    expect(Array.from(g.data)).toEqual([0, 1 / 3, 2 / 3, 1, 0, 1 / 3, 2 / 3, 1, 0, 1 / 3, 2 / 3, 1].map((v) => Math.fround(v)));
  });

  it('to RGBA bytes as save_image: x * 255 + 0.5, clamped, truncated', () => {
    const img = toRgba({ channels: 3, height: 1, width: 2, data: Float32Array.from([0, 1, 0.5, 0.499, 1.2, -0.1]) });
    expect(Array.from(img.data)).toEqual([0, 128, 255, 255, 255, 127, 0, 255]);
    expect(stackRows([makeGrid(new Float32Array(4), [1, 1, 2, 2]), makeGrid(new Float32Array(4), [1, 1, 2, 2])]).height).toBe(4);
  });
});

describe("sample grids (the reference's sample_images)", () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await createEngine({ backend: 'wasm' });
  });
  afterAll(() => engine.dispose());

  it('rows real A, fake B, real B, fake A of a batch of 5', async () => {
    const before = engine.memory().liveTensors;
    const trainer = new CycleGANTrainer(engine, { imgHeight: 32, imgWidth: 32, nResidualBlocks: 1, seed: 1 });
    const realA = engine.rand([5, 3, 32, 32]);
    const realB = engine.rand([5, 3, 32, 32]);
    const grid = await trainer.sampleImages(realA, realB);
    // Each row: 5 images of 32 + 2-pixel padding: 5*34+2 = 172 wide, 34+2 = 36 high; 4 rows.
    expect([grid.width, grid.height, grid.data.length]).toEqual([172, 144, 172 * 144 * 4]);
    const fakeB = await trainer.translate(realA, 'AtoB');
    const fakeA = await trainer.translate(realB, 'BtoA');
    const expected = sampleGrid({
      realA: await realA.data(),
      fakeB: await fakeB.data(),
      realB: await realB.data(),
      fakeA: await fakeA.data(),
      shape: [5, 3, 32, 32],
    });
    expect(grid.data).toEqual(expected.data);
    // Alpha is opaque; the padding black.
    expect(grid.data[3]).toBe(255);
    expect(Array.from(grid.data.subarray(0, 3))).toEqual([0, 0, 0]);
    for (const t of [realA, realB, fakeA, fakeB]) t.dispose();
    trainer.dispose();
    expect(engine.memory().liveTensors).toBe(before);
  });
});
