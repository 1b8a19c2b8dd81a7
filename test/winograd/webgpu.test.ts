/// <reference types="@webgpu/types" />
// The WGSL Winograd kernels (src/backends/webgpu/kernels/winograd.ts) beyond PyTorch conformance
// (test/conformance/winograd.test.ts runs them on the `webgpu` variant): the tiles are cut into
// chunks so that no scratch buffer outgrows a binding, which the conformance shapes (one chunk
// each) never exercise. Here a backend with a tiny chunk size runs a batch of two images in
// many chunks (some crossing from one image to the next, the last one partial) and must match
// the direct WGSL kernels; and the default chunking keeps a large conv's scratch bounded.
import '../setup/webgpu-env.js';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../src/index.js';
import type { ConvGeometry } from '../../src/kernels/contract.js';
import { geometry, maxRelErr } from '../helpers/winograd.js';
import { convKernels } from '../../src/backends/webgpu/kernels/conv.js';
import { CHUNK_FLOATS, winogradKernelTable, winogradKernels } from '../../src/backends/webgpu/kernels/winograd.js';
import type { WgslKernelTable } from '../../src/backends/webgpu/spec.js';
import { webgpuUnavailable } from '../webgpu/availability.js';

const unavailable = await webgpuUnavailable();
const suite = unavailable && process.env.CI !== 'true' ? describe.skip : describe;

const present = { inputs: [true, true, true], outputs: [true] };

function seeded(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

describe('WGSL Winograd chunking (descriptions only)', () => {
  it('keeps every scratch buffer of a large conv within CHUNK_FLOATS and covers every tile once', () => {
    // The residual conv of a 1024x1024 photo's generator: 256 channels, 256x256 outputs.
    const g = geometry(1, 256, 258, 258, 256, 0);
    for (const tile of [2, 4] as const) {
      const attrs = { ...g, hasBias: true, tile };
      const scratch = winogradKernels.conv2dWinograd!.scratch!(attrs);
      expect(scratch[1]).toBeLessThanOrEqual(CHUNK_FLOATS);
      expect(scratch[2]).toBeLessThanOrEqual(CHUNK_FLOATS);
      const passes = winogradKernels.conv2dWinograd!.passes(attrs, present);
      const inputs = passes.filter((p) => p.shader === 'conv2d_winograd_input');
      expect(inputs.length).toBeGreaterThan(1);
      // params: total, c, h, w, pad, tilesW, tilesPerImage, t0, count
      let next = 0;
      for (const p of inputs) {
        expect(p.params[7].value).toBe(next);
        next += p.params[8].value;
      }
      expect(next).toBe(Math.ceil(256 / tile) ** 2);
    }
  });
});

/** Winograd (forward and input gradient) against the direct WGSL kernels, through a backend with `table`. */
async function compareWithDirect(table: WgslKernelTable, g: ConvGeometry, tile: 2 | 4): Promise<void> {
  const { WebGpuBackend } = await import('../../src/backends/webgpu/backend.js');
  const e = await createEngine({ backend: 'webgpu' });
  try {
    const gpu = new WebGpuBackend(e._device as GPUDevice, 'test', null, { recoverDeviceLoss: false, disableKernels: [], table });
    const put = (data: Float32Array) => {
      const s = gpu.alloc(data.length);
      gpu.write(s, data);
      return s;
    };
    const x = put(seeded(g.n * g.cIn * g.h * g.w, 1));
    const w = put(seeded(g.cOut * g.cIn * 9, 2));
    const b = put(seeded(g.cOut, 3));
    const dy = put(seeded(g.n * g.cOut * g.oh * g.ow, 4));
    const out = () => gpu.alloc(g.n * g.cOut * g.oh * g.ow);
    const dxOut = () => gpu.alloc(g.n * g.cIn * g.h * g.w);
    const [y, yRef, dx, dxRef] = [out(), out(), dxOut(), dxOut()];
    gpu.dispatch('conv2dWinograd', [x, w, b], [y], { ...g, hasBias: true, tile }, false);
    gpu.dispatch('conv2d', [x, w, b], [yRef], { ...g, hasBias: true }, false);
    gpu.dispatch('conv2dGradInputWinograd', [dy, w], [dx], { ...g, tile }, false);
    gpu.dispatch('conv2dGradInput', [dy, w], [dxRef], g, false);
    const [yv, yr, dxv, dxr] = await Promise.all([y, yRef, dx, dxRef].map((s) => gpu.read(s)));
    expect(maxRelErr(yv, yr)).toBeLessThan(1e-5);
    expect(maxRelErr(dxv, dxr)).toBeLessThan(1e-5);
    gpu.dispose();
  } finally {
    e.dispose();
  }
}

/** The GEMM tile sizes (TILE_M x TILE_N) the forward kernel's passes use. */
function gemmTiles(table: WgslKernelTable, g: ConvGeometry, tile: 2 | 4): string[] {
  const passes = table.conv2dWinograd!.passes({ ...g, hasBias: true, tile }, present);
  return [...new Set(passes.filter((p) => p.shader === 'conv2d_winograd_gemm').map((p) => `${p.defines!.TILE_M}x${p.defines!.TILE_N}`))];
}

suite('WGSL Winograd matches the direct WGSL kernels', () => {
  it.each([4, 2] as const)('tile %i (F(tile x tile, 3x3)), batch 2, tiles in chunks of a few', async (tile) => {
    // 36*7*5 floats: chunks of 5 tiles for F(4x4) (24 tiles), 11 for F(2x2) (84 tiles).
    const table = { ...convKernels, ...winogradKernelTable(36 * 7 * 5) };
    const g = geometry(2, 5, 11, 13, 7, 1);
    expect(table.conv2dWinograd!.passes({ ...g, hasBias: true, tile }, present).length).toBeGreaterThan(1 + 3 * 4);
    await compareWithDirect(table, g, tile);
  }, 300_000);

  // Many output channels on a small image: few GEMM columns, so the tall tiles are chosen.
  it.each([
    ['256x16', geometry(1, 8, 5, 5, 136, 1), 4],
    ['128x32', geometry(1, 6, 6, 6, 72, 1), 2],
  ] as const)('the %s GEMM tile (many channels, few tiles)', async (expected, g, tile) => {
    const table = { ...convKernels, ...winogradKernels };
    expect(gemmTiles(table, g, tile)).toEqual([expected]);
    await compareWithDirect(table, g, tile);
  }, 300_000);
});
