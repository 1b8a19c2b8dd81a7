// upsampleConv2dWinograd: inference's upsampleConv2d forward on WASM, Winograd F(4x4, 3x3) over
// the upsampled image read from x in place (assembly/winograd.ts, quadUpsampledRow in
// assembly/winograd_quads.ts). Checked on every WASM kernel variant:
//   - the op under noGrad against PyTorch (test/subpixel/fixtures, made by PyTorch) within 1e-4,
//     and dispatchReport naming the kernel the rule chose (src/ops/upsample_conv2d.ts);
//   - the kernel itself on shapes the fixtures do not reach (odd sizes, batch 2, channels that
//     are not multiples of 4, images wide enough for the vector path of the row copy, quads
//     that wrap across tile rows) against a float64 reference of upsample + conv;
//   - 1 and 2 threads giving the same bits, and recorded gradients keeping the phase convs.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, upsampleConv2d, type Engine, type Tensor } from '../../src/index.js';
import { upsampleWinogradPays } from '../../src/ops/upsample_conv2d.js';
import { compare, decode, type FamilyDoc, type OpCase } from '../helpers/conformance.js';
import { enableRelaxedSimd } from '../helpers/relaxed_simd.js';

const doc = JSON.parse(readFileSync(new URL('../subpixel/fixtures/upsample_conv2d.json', import.meta.url), 'utf8')) as FamilyDoc<OpCase>;
const relaxedUnavailable = await enableRelaxedSimd();

const VARIANTS = [
  { name: 'wasm', threads: 1, relaxedSimd: false },
  { name: 'wasm-threads', threads: 2, relaxedSimd: false },
  ...(relaxedUnavailable ? [] : [{ name: 'wasm-relaxed', threads: 1, relaxedSimd: true }]),
];
const TOL = 1e-4;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

const seeded = (n: number, seed: number, scale = 1): Float32Array => {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => scale * r());
};

/** conv2d(upsampleNearest2d(x, 2), w, b, padding 1) in float64. */
function reference(x: Float32Array, w: Float32Array, b: Float32Array | null, n: number, cIn: number, h: number, wd: number, cOut: number): Float64Array {
  const H = 2 * h;
  const W = 2 * wd;
  const y = new Float64Array(n * cOut * H * W);
  for (let i = 0; i < n; i++)
    for (let co = 0; co < cOut; co++)
      for (let oy = 0; oy < H; oy++)
        for (let ox = 0; ox < W; ox++) {
          let acc = b ? b[co] : 0;
          for (let c = 0; c < cIn; c++)
            for (let ki = 0; ki < 3; ki++) {
              const uy = oy - 1 + ki;
              if (uy < 0 || uy >= H) continue;
              for (let kj = 0; kj < 3; kj++) {
                const ux = ox - 1 + kj;
                if (ux < 0 || ux >= W) continue;
                acc += w[((co * cIn + c) * 3 + ki) * 3 + kj] * x[((i * cIn + c) * h + (uy >> 1)) * wd + (ux >> 1)];
              }
            }
          y[((i * cOut + co) * H + oy) * W + ox] = acc;
        }
  return y;
}

/** The kernel's output, called directly (whatever the rule would choose). */
function runKernel(engine: Engine, x: Tensor, w: Tensor, b: Tensor | null): Float32Array {
  const [n, cIn, h, wd] = x.shape;
  const cOut = w.shape[0];
  const [y] = engine.runKernel('test', 'upsampleConv2dWinograd', [x, w, b], [[n, cOut, 2 * h, 2 * wd]], { n, cIn, h, w: wd, cOut, hasBias: b !== null });
  const out = y.dataSync();
  y.dispose();
  return out;
}

// [n, cIn, h, w, cOut, bias]: odd sizes (partial tiles, quads across tile rows), batch 2,
// widths past 12 (the row copy's vector path: x0 + 24 <= 2w), channels not multiples of 4.
const SHAPES: [number, number, number, number, number, boolean][] = [
  [2, 5, 9, 13, 7, true],
  [1, 3, 4, 4, 2, false],
  [1, 6, 7, 29, 5, true],
  [2, 9, 17, 15, 6, true],
  [1, 1, 3, 1, 1, true],
];

describe.each(VARIANTS)('upsampleConv2dWinograd on $name', ({ threads, relaxedSimd }) => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await createEngine({ backend: 'wasm', wasm: { threads, relaxedSimd } });
    expect(engine.wasmVariant).toEqual({ threads, relaxedSimd });
  });
  afterAll(() => engine?.dispose());

  for (const c of doc.cases) {
    it(`inference matches PyTorch: ${c.name}`, () => {
      const x = engine.tensor(decode(c.inputs.x), c.inputs.x.shape);
      const w = engine.tensor(decode(c.inputs.weight), c.inputs.weight.shape);
      const b = c.inputs.bias ? engine.tensor(decode(c.inputs.bias), c.inputs.bias.shape) : null;
      const before = (engine.dispatchReport().kernels as unknown as Record<string, Record<string, number>>).upsampleConv2dWinograd?.wasm ?? 0;
      const y = engine.noGrad(() => upsampleConv2d(x, w, b));
      const [n, cIn, h, wd] = x.shape;
      const pays = upsampleWinogradPays({ n, cIn, h, w: wd, cOut: w.shape[0] }, false, 'wasm');
      const after = (engine.dispatchReport().kernels as unknown as Record<string, Record<string, number>>).upsampleConv2dWinograd?.wasm ?? 0;
      expect(after - before, 'upsampleConv2dWinograd ran exactly when the rule says it pays').toBe(pays ? 1 : 0);
      const r = compare('y', y.dataSync(), y.shape, decode(c.output), c.output.shape, TOL);
      expect(r.ok, r.detail).toBe(true);
      for (const t of [x, w, b, y]) t?.dispose();
    });
  }

  for (const [n, cIn, h, wd, cOut, bias] of SHAPES) {
    it(`kernel matches a float64 reference: x [${n}, ${cIn}, ${h}, ${wd}] -> ${cOut}${bias ? '' : ', no bias'}`, () => {
      const xs = seeded(n * cIn * h * wd, 11 + h);
      const ws = seeded(cOut * cIn * 9, 23 + wd, 0.4);
      const bs = bias ? seeded(cOut, 37) : null;
      const x = engine.tensor(xs, [n, cIn, h, wd]);
      const w = engine.tensor(ws, [cOut, cIn, 3, 3]);
      const b = bs ? engine.tensor(bs, [cOut]) : null;
      const ref = reference(xs, ws, bs, n, cIn, h, wd, cOut);
      const r = compare('y', runKernel(engine, x, w, b), [n, cOut, 2 * h, 2 * wd], ref, [n, cOut, 2 * h, 2 * wd], TOL, ['winograd', 'float64']);
      expect(r.ok, r.detail).toBe(true);
      for (const t of [x, w, b]) t?.dispose();
    });
  }

  it('recording gradients keeps the phase convs (upsampleConv2d)', () => {
    const x = engine.tensor(seeded(2 * 4 * 9 * 9, 5), [2, 4, 9, 9], { requiresGrad: true });
    const w = engine.tensor(seeded(3 * 4 * 9, 6, 0.4), [3, 4, 3, 3]);
    const kernels = () => engine.dispatchReport().kernels as unknown as Record<string, Record<string, number>>;
    const before = kernels().upsampleConv2dWinograd?.wasm ?? 0;
    const y = upsampleConv2d(x, w);
    expect(kernels().upsampleConv2dWinograd?.wasm ?? 0).toBe(before);
    for (const t of [x, w, y]) t.dispose();
  });
});

describe('upsampleConv2dWinograd threads', () => {
  it('1 and 2 threads give the same bits (a call large enough to run on the pool)', async () => {
    // 2 x 32 x 24 x 27 -> 16: 2*16*48*54*32*9*2 multiply-adds, over the 4 MFLOP a call needs to
    // be split (src/backends/wasm/backend.ts).
    const [n, cIn, h, wd, cOut] = [2, 32, 24, 27, 16];
    const xs = seeded(n * cIn * h * wd, 3);
    const ws = seeded(cOut * cIn * 9, 4, 0.2);
    const bs = seeded(cOut, 5);
    const outs: Float32Array[] = [];
    for (const threads of [1, 2]) {
      const engine = await createEngine({ backend: 'wasm', wasm: { threads, relaxedSimd: false } });
      expect(engine.wasmVariant?.threads).toBe(threads);
      const x = engine.tensor(xs, [n, cIn, h, wd]);
      const w = engine.tensor(ws, [cOut, cIn, 3, 3]);
      const b = engine.tensor(bs, [cOut]);
      outs.push(runKernel(engine, x, w, b));
      engine.dispose();
    }
    expect(Buffer.from(outs[1].buffer).equals(Buffer.from(outs[0].buffer))).toBe(true);
    const ref = reference(xs, ws, bs, n, cIn, h, wd, cOut);
    const r = compare('y', outs[0], [n, cOut, 2 * h, 2 * wd], ref, [n, cOut, 2 * h, 2 * wd], TOL, ['winograd', 'float64']);
    expect(r.ok, r.detail).toBe(true);
  });
});
