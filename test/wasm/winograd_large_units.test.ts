// Winograd F(4x4, 3x3) on a map large enough for its biggest work units (assembly/winograd.ts
// MAX_UNIT_QUADS: 16 quads, 64 tiles, from 128 quads of tiles up), which the smaller shapes of
// test/winograd/winograd.test.ts never reach: the same bits on 1 and 2 threads, and the direct
// conv's values, forward and input gradient, on a width whose tile rows end in partial quads.
import { describe, expect, it } from 'vitest';
import { createEngine, type Engine, type Tensor } from '../../src/index.js';
import type { ConvGeometry } from '../../src/kernels/contract.js';
import { runConv, maxRelErr } from '../helpers/winograd.js';

describe('winograd F(4x4) with its largest units', () => {
  it('1 and 2 threads give the same bits, within 1e-4 of the direct conv', async () => {
    const one = await createEngine({ backend: 'wasm', wasm: { threads: 1, relaxedSimd: false } });
    const two = await createEngine({ backend: 'wasm', wasm: { threads: 2, relaxedSimd: false } });
    try {
      expect(two.wasmVariant?.threads).toBe(2);
      // 2 images of 99x97 outputs: 25x25 tiles each (rows of 6 quads and a partial one), 314
      // quads, so units of 16 quads (MIN_UNITS = 8 allows them from 128 quads).
      const [n, cIn, h, w, cOut, p] = [2, 5, 99, 97, 6, 1];
      const g: ConvGeometry = { n, cIn, h, w, cOut, kh: 3, kw: 3, oh: h, ow: w, strideH: 1, strideW: 1, padH: p, padW: p };
      const results = [one, two].map((e) => {
        const x = e.randn([n, cIn, h, w], { seed: 21 });
        const wt = e.randn([cOut, cIn, 3, 3], { seed: 22, std: 0.1 });
        const b = e.randn([cOut], { seed: 23 });
        const dy = e.randn([n, cOut, h, w], { seed: 24 });
        const r = runConv(e, x, wt, b, dy, g, true);
        const ref = runConv(e, x, wt, b, dy, g, false);
        expect(maxRelErr(r[0], ref[0])).toBeLessThan(1e-4);
        expect(maxRelErr(r[1], ref[1])).toBeLessThan(1e-4);
        for (const t of [x, wt, b, dy]) t.dispose();
        return r;
      });
      expect(results[1][0]).toEqual(results[0][0]);
      expect(results[1][1]).toEqual(results[0][1]);
    } finally {
      one.dispose();
      two.dispose();
    }
  });
});
