// The benchmark's pure parts: FLOP counts, the case list, the software-GPU budget, the report
// cells and the chart. Fast (no timing runs); the page test runs the suites for real.
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM helpers of the benchmark, without type declarations
import { conv2dFlop, convTranspose2dFlop, e2eCases, opCases } from '../../bench/lib/cases.mjs';
// @ts-expect-error see above
import { kernelFlop } from '../../bench/lib/flops.mjs';
// @ts-expect-error see above
import { softwareGpuPlanner } from '../../bench/lib/budget.mjs';
// @ts-expect-error see above
import { blanks, cellText, derive } from '../../bench/lib/report.mjs';
// @ts-expect-error see above
import { chartSvg } from '../../bench/lib/chart.mjs';
// @ts-expect-error see above
import { FLOP_PER_ITER, simdFmaModuleBytes, measureSingleCore } from '../../bench/lib/ceiling_wasm.mjs';

describe('FLOP counts', () => {
  it('are 2 x multiply-adds of the direct algorithm', () => {
    // residual conv at 256x256: 256 -> 256, 3x3, on the padded 66x66 input: 64x64 outputs
    expect(conv2dFlop(1, 256, 66, 66, 256, 3, 1, 0)).toBe(2 * 256 * 64 * 64 * 256 * 9);
    // stride 2 with padding 1 halves the size
    expect(conv2dFlop(1, 64, 256, 256, 128, 3, 2, 1)).toBe(2 * 128 * 128 * 128 * 64 * 9);
    expect(convTranspose2dFlop(1, 256, 64, 64, 128, 3)).toBe(2 * 256 * 64 * 64 * 128 * 9);
  });
  it('agree with what the kernels receive', () => {
    const g = { n: 1, cIn: 64, h: 256, w: 256, cOut: 128, kh: 3, kw: 3, oh: 128, ow: 128 };
    for (const k of ['conv2d', 'conv2dGradInput', 'conv2dGradWeight']) expect(kernelFlop(k, g)).toBe(conv2dFlop(1, 64, 256, 256, 128, 3, 2, 1));
    expect(kernelFlop('convTranspose2dGradWeight', { ...g, h: 64, w: 64, cIn: 256 })).toBe(convTranspose2dFlop(1, 256, 64, 64, 128, 3));
    // upsampleConv2d counts the direct algorithm on the upsampled input (an effective rate)
    const up = { n: 1, cIn: 256, h: 64, w: 64, cOut: 128 };
    for (const k of ['upsampleConv2d', 'upsampleConv2dGradInput', 'upsampleConv2dGradWeight']) expect(kernelFlop(k, up)).toBe(conv2dFlop(1, 256, 128, 128, 128, 3, 1, 1));
    expect(kernelFlop('relu', { n: 10 })).toBe(0);
  });
});

describe('cases', () => {
  it('cover every op and direction at both sizes, with unique ids', () => {
    const cases = [...opCases(128), ...opCases(256), ...e2eCases()];
    expect(new Set(cases.map((c: { id: string }) => c.id)).size).toBe(cases.length);
    for (const op of ['conv2d', 'convTranspose2d', 'upsampleConv2d', 'instanceNorm2d', 'reflectionPad2d', 'zeroPad2d', 'upsampleNearest2d']) {
      expect(cases.some((c: { op?: string }) => c.op === op)).toBe(true);
    }
    const convs = opCases(256).filter((c: { op: string }) => c.op === 'conv2d');
    expect(new Set(convs.map((c: { dir: string }) => c.dir))).toEqual(new Set(['forward', 'gradInput', 'gradWeight']));
    expect(e2eCases().map((c: { id: string }) => c.id)).toEqual([
      'generator forward 9 blocks @256', 'generator forward 6 blocks @128', 'discriminator forward @256',
      'discriminator forward @128', 'training step 6 blocks @64', 'training step 6 blocks @128',
    ]);
  });
});

describe('software GPU budget', () => {
  it('skips with an estimate, times once, or samples', () => {
    const wasmMs: Record<string, number> = { big: 500, mid: 20, small: 1 };
    const p = softwareGpuPlanner({ wasmMs: (id: string) => wasmMs[id], perCallLimit: 8, sampleLimit: 1, total: 100, firstGuess: 100 });
    expect(p.plan({ id: 'big' })).toMatchObject({ mode: 'skip', reason: expect.stringMatching(/SwiftShader too slow \(est\. 50 s per call\)/) });
    expect(p.plan({ id: 'mid' }).mode).toBe('once');
    p.observe({ id: 'mid', medianMs: 200 }); // 10x slower than WASM, not the first guess of 100x
    expect(p.plan({ id: 'big' }).mode).toBe('once'); // 5 s now: under the limit, over sampleLimit
    expect(p.plan({ id: 'small' }).mode).toBe('sample');
  });
});

describe('report', () => {
  it('derives rates and shares and never leaves a cell blank', () => {
    const r = derive({ id: 'a', medianMs: 10, rme: 3, samples: 5, flop: 2e9 }, 400);
    expect(r.gflops).toBeCloseTo(200);
    expect(r.pctCeiling).toBeCloseTo(50);
    expect(cellText(r)).toBe('10.0ms ±3% n5 200GF/s 50%');
    expect(cellText({ id: 'b', skipped: 'ORT Web has no training' })).toBe('ORT Web has no training');
    const results = {
      cases: [{ id: 'a', group: 'e2e' }, { id: 'b', group: 'e2e' }],
      runners: [{ key: 'engine-wasm-1t', label: 'wasm' }, { key: 'x', label: 'x' }],
      results: { 'engine-wasm-1t': { a: r, b: { medianMs: 5 } }, x: { a: { skipped: 'why' } } },
      machine: {}, preset: 'test',
    };
    expect(blanks(results)).toEqual(['x / b']);
    const svg = chartSvg(results);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('x: n/a');
  });
});

describe('WASM SIMD ceiling kernel', () => {
  it('is a valid module that runs', async () => {
    expect(WebAssembly.validate(simdFmaModuleBytes())).toBe(true);
    const c = await measureSingleCore({ iters: 10_000, reps: 1 });
    expect(c.gflops).toBeGreaterThan(0);
    expect(FLOP_PER_ITER).toBe(96);
  });
});
