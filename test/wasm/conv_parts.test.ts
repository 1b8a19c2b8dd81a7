// The WASM conv kernels on the paths the op fixtures do not reach, against a plain JS
// reference: the direct kernel (<= 4 output channels, stride 1, unpadded, widths that are
// not multiples of its 8-pixel strips), the flipped input gradient, and every kernel cut
// into the units a threaded call shares out (run here one part after another), so a unit
// size that leaves a hole in the output shows up without any threads.
import { describe, expect, it } from 'vitest';
import { instantiateWasm } from '../../src/backends/wasm/loader.js';
import { WasmAllocator } from '../../src/backends/wasm/allocator.js';

type Fn = (...a: number[]) => number;
const wasm = await instantiateWasm();
const k = wasm as unknown as Record<string, Fn>;
const heap = new WasmAllocator(wasm.memory, wasm.heapBase());

interface Geo {
  n: number; cIn: number; h: number; w: number; cOut: number; kh: number; kw: number; s: number; p: number;
}

function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32 - 0.5;
  };
}

/** y[n, co, oy, ox] = Σ w[co, c, ki, kj] x[n, c, oy*s - p + ki, ox*s - p + kj] (+ b), in f64. */
function refConv(g: Geo, x: Float32Array, w: Float32Array, b: Float32Array | null, oh: number, ow: number): Float64Array {
  const y = new Float64Array(g.n * g.cOut * oh * ow);
  for (let n = 0; n < g.n; n++)
    for (let co = 0; co < g.cOut; co++)
      for (let oy = 0; oy < oh; oy++)
        for (let ox = 0; ox < ow; ox++) {
          let acc = b ? b[co] : 0;
          for (let c = 0; c < g.cIn; c++)
            for (let ki = 0; ki < g.kh; ki++)
              for (let kj = 0; kj < g.kw; kj++) {
                const iy = oy * g.s - g.p + ki;
                const ix = ox * g.s - g.p + kj;
                if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
                acc += w[((co * g.cIn + c) * g.kh + ki) * g.kw + kj] * x[((n * g.cIn + c) * g.h + iy) * g.w + ix];
              }
          y[((n * g.cOut + co) * oh + oy) * ow + ox] = acc;
        }
  return y;
}

// The unit counter the parts claim work from (assembly/tasks.ts), as the thread pool sets it.
const claim = heap.alloc(4);
k.setClaimCounter(claim);

/**
 * Runs one conv2d kernel as `parts` parts, one after another, each with its own scratch, from
 * a zeroed claim counter: the first part claims every unit (of the sizes a `parts`-way call
 * cuts), the others find none left, and together they must still cover the whole output.
 */
function runParts(name: string, ptrs: number[], g: Geo, oh: number, ow: number, parts: number): void {
  const bytes = k.conv2dScratchBytes(g.cIn, g.h, g.w, g.cOut, g.kh, g.kw, oh, ow, g.s, g.s, g.p, g.p) >>> 0;
  const geo = [g.n, g.cIn, g.h, g.w, g.cOut, g.kh, g.kw, oh, ow, g.s, g.s, g.p, g.p];
  new Int32Array(wasm.memory.buffer, claim, 1)[0] = 0;
  for (let part = 0; part < parts; part++) {
    const work = heap.alloc(bytes);
    k[name](...ptrs.slice(0, -1), work, ...geo, part, parts);
    heap.free(work);
  }
}

function put(data: Float32Array): number {
  const ptr = heap.alloc(data.length * 4);
  new Float32Array(wasm.memory.buffer, ptr, data.length).set(data);
  return ptr;
}
const get = (ptr: number, len: number): Float32Array => new Float32Array(wasm.memory.buffer, ptr, len).slice();
function relErr(ours: Float32Array, ref: Float64Array): number {
  let diff = 0;
  let max = 0;
  for (let i = 0; i < ref.length; i++) {
    diff = Math.max(diff, Math.abs(ours[i] - ref[i]));
    max = Math.max(max, Math.abs(ref[i]));
  }
  return diff / (max + 1e-6);
}

const cases: Geo[] = [
  { n: 2, cIn: 5, h: 9, w: 21, cOut: 3, kh: 3, kw: 7, s: 1, p: 0 }, // direct, ow 15
  { n: 1, cIn: 8, h: 14, w: 14, cOut: 1, kh: 7, kw: 7, s: 1, p: 0 }, // direct, ow 8 exactly
  { n: 1, cIn: 6, h: 12, w: 13, cOut: 4, kh: 4, kw: 4, s: 1, p: 1 }, // padded: lowered, flipped dx
  { n: 2, cIn: 7, h: 11, w: 10, cOut: 9, kh: 3, kw: 3, s: 2, p: 1 }, // lowered, adjoint dx
  { n: 1, cIn: 3, h: 20, w: 19, cOut: 16, kh: 3, kw: 3, s: 1, p: 1 }, // lowered, adjoint dx
  { n: 2, cIn: 3, h: 7, w: 9, cOut: 4, kh: 3, kw: 3, s: 1, p: 1 }, // flipped dx, two images
  { n: 1, cIn: 2, h: 11, w: 13, cOut: 3, kh: 7, kw: 7, s: 1, p: 3 }, // flipped dx, wide padding
];

describe('wasm conv kernels against a JS reference, whole and in parts', () => {
  for (const g of cases) {
    const oh = Math.floor((g.h + 2 * g.p - g.kh) / g.s) + 1;
    const ow = Math.floor((g.w + 2 * g.p - g.kw) / g.s) + 1;
    for (const parts of [1, 2, 3]) {
      it(`x[${g.n},${g.cIn},${g.h},${g.w}] w[${g.cOut},${g.cIn},${g.kh},${g.kw}] s${g.s} p${g.p}, ${parts} part(s)`, () => {
        const r = rng(g.cIn * 131 + g.w + parts);
        const fill = (len: number) => Float32Array.from({ length: len }, r);
        const x = fill(g.n * g.cIn * g.h * g.w);
        const w = fill(g.cOut * g.cIn * g.kh * g.kw);
        const b = fill(g.cOut);
        const dy = fill(g.n * g.cOut * oh * ow);
        const [px, pw, pb, pdy] = [put(x), put(w), put(b), put(dy)];
        const py = heap.alloc(dy.length * 4);
        const pdx = heap.alloc(x.length * 4);
        const pdw = heap.alloc(w.length * 4);
        // Poison the outputs: a part that skips its share leaves NaNs.
        for (const [ptr, len] of [[py, dy.length], [pdx, x.length], [pdw, w.length]]) {
          new Float32Array(wasm.memory.buffer, ptr, len).fill(NaN);
        }
        runParts('conv2d', [px, pw, pb, py, 0], g, oh, ow, parts);
        runParts('conv2dGradInput', [pdy, pw, pdx, 0], g, oh, ow, parts);
        runParts('conv2dGradWeight', [pdy, px, pdw, 0], g, oh, ow, parts);
        expect(relErr(get(py, dy.length), refConv(g, x, w, b, oh, ow))).toBeLessThan(1e-5);
        // dx and dw by the reference's adjoints: dx = Σ dy · w at each tap, dw = Σ dy · x.
        const dx = new Float64Array(x.length);
        const dw = new Float64Array(w.length);
        for (let n = 0; n < g.n; n++)
          for (let co = 0; co < g.cOut; co++)
            for (let oy = 0; oy < oh; oy++)
              for (let ox = 0; ox < ow; ox++) {
                const d = dy[((n * g.cOut + co) * oh + oy) * ow + ox];
                for (let c = 0; c < g.cIn; c++)
                  for (let ki = 0; ki < g.kh; ki++)
                    for (let kj = 0; kj < g.kw; kj++) {
                      const iy = oy * g.s - g.p + ki;
                      const ix = ox * g.s - g.p + kj;
                      if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
                      const xi = ((n * g.cIn + c) * g.h + iy) * g.w + ix;
                      const wi = ((co * g.cIn + c) * g.kh + ki) * g.kw + kj;
                      dx[xi] += d * w[wi];
                      dw[wi] += d * x[xi];
                    }
              }
        expect(relErr(get(pdx, x.length), dx)).toBeLessThan(1e-5);
        expect(relErr(get(pdw, w.length), dw)).toBeLessThan(1e-5);
        for (const ptr of [px, pw, pb, pdy, py, pdx, pdw]) heap.free(ptr);
      });
    }
  }
});
