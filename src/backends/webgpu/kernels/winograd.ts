// WGSL kernels of the Winograd convolution (kernels/conv2d_winograd_*.wgsl), under the names of
// the WASM kernels (src/backends/wasm/kernels/winograd.ts): conv2dWinograd, and
// conv2dGradInputWinograd, which is the same Winograd conv run on dy with the input gradient's
// filter (flipped, channels swapped) and padding 2 - p. F(4x4, 3x3) or F(2x2, 3x3) by the
// `tile` attribute (src/ops/conv2d_algorithm.ts says which runs when). The passes:
//   1. filter:  u[pos] = G g Gᵀ for every (output, input) channel pair    (conv2d_winograd_filter)
//   then for each chunk of output tiles:
//   2. input:   v[pos] = Bᵀ d B for every input channel and tile          (conv2d_winograd_input)
//   3. product: m[pos] = u[pos] · v[pos], one GEMM per position           (conv2d_winograd_gemm)
//   4. output:  y = Aᵀ m A + bias for every output channel and tile       (conv2d_winograd_output)
// The transformed filter lives in a scratch buffer and is remade on every call, unlike the WASM
// backend's cache (src/backends/wasm/winograd_cache.ts): a WGSL kernel is a description of
// passes over its inputs, outputs and scratch buffers (src/backends/webgpu/spec.ts), with no
// buffer that outlives the call, and the filter pass is small next to the products (cOut*cIn
// invocations against the GEMMs' cOut*cIn*tiles multiply-adds per position). Nothing derived
// from a weight can outlive an optimizer update this way.
// Tiles are cut into chunks so that each of v and m stays under CHUNK_FLOATS (within every
// device's maxStorageBufferBindingSize, 128 MiB by default) whatever the image size.
import type { ConvGeometry, WinogradTile } from '../../../kernels/contract.js';
import { grid, grid1d } from '../header.js';
import type { WgslBinding, WgslKernelTable, WgslPass } from '../spec.js';
import { IN, OUT, SCRATCH, u32, WG } from './common.js';

/** Most floats in one chunk's v (or m) buffer: 32 MiB. */
export const CHUNK_FLOATS = 1 << 23;

/** One Winograd conv: c channels of h x w (padded by pad) to m channels of oh x ow. */
interface WinogradConv {
  n: number;
  c: number;
  h: number;
  w: number;
  m: number;
  oh: number;
  ow: number;
  pad: number;
  tile: WinogradTile;
  /** true: the filter of conv2d's input gradient (weight [c, m, 3, 3] flipped); false: weight [m, c, 3, 3]. */
  flip: boolean;
}

const forward = (g: ConvGeometry & { tile: WinogradTile }): WinogradConv => ({
  n: g.n, c: g.cIn, h: g.h, w: g.w, m: g.cOut, oh: g.oh, ow: g.ow, pad: g.padH, tile: g.tile, flip: false,
});

/** dx [n, cIn, h, w] as the Winograd conv of dy [n, cOut, oh, ow] with padding 2 - p. */
const gradInput = (g: ConvGeometry & { tile: WinogradTile }): WinogradConv => ({
  n: g.n, c: g.cOut, h: g.oh, w: g.ow, m: g.cIn, oh: g.h, ow: g.w, pad: 2 - g.padH, tile: g.tile, flip: true,
});

interface Layout {
  positions: number;
  tilesW: number;
  tilesPerImage: number;
  tiles: number;
  chunk: number;
}

function layout(k: WinogradConv, chunkFloats: number): Layout {
  if (k.tile !== 2 && k.tile !== 4) throw new Error(`tile must be 2 or 4, got ${k.tile}`);
  const a = k.tile + 2;
  const positions = a * a;
  const tilesW = Math.ceil(k.ow / k.tile);
  const tilesPerImage = Math.ceil(k.oh / k.tile) * tilesW;
  const tiles = k.n * tilesPerImage;
  // A whole number of the GEMM's widest column tile (256) when more than one chunk is needed.
  let chunk = Math.floor(chunkFloats / (positions * Math.max(k.c, k.m)));
  if (chunk >= 256) chunk -= chunk % 256;
  chunk = Math.max(1, Math.min(tiles, chunk));
  return { positions, tilesW, tilesPerImage, tiles, chunk };
}

/** Scratch: 0 the transformed filter, 1 a chunk's v, 2 a chunk's products. */
function scratch(k: WinogradConv, chunkFloats: number): number[] {
  const l = layout(k, chunkFloats);
  return [l.positions * k.m * k.c, l.positions * k.c * l.chunk, l.positions * k.m * l.chunk];
}

/**
 * The GEMM's workgroup tiles (64 threads, 8x8 outputs each, staged tiles within 16 KiB): conv.ts's
 * 64 x 64 and 16 x 256 (few rows), and 128 x 32 and 256 x 16 for few columns. A chunk has as many
 * columns as output tiles, which is few where many channels meet a small image (16 columns for
 * F(4x4) at 16x16 outputs, where a 64-wide tile would be three quarters padding).
 */
const GEMM_TILES = [
  { TILE_M: 64, TILE_N: 64, TILE_K: 16 },
  { TILE_M: 16, TILE_N: 256, TILE_K: 8 },
  { TILE_M: 128, TILE_N: 32, TILE_K: 16 },
  { TILE_M: 256, TILE_N: 16, TILE_K: 8 },
];

/** The tile that pads the rows x columns product least (the first, squarest, on a tie). */
function gemmTile(rows: number, cols: number): (typeof GEMM_TILES)[number] {
  const padded = (t: (typeof GEMM_TILES)[number]) => Math.ceil(rows / t.TILE_M) * t.TILE_M * Math.ceil(cols / t.TILE_N) * t.TILE_N;
  return GEMM_TILES.reduce((best, t) => (padded(t) < padded(best) ? t : best));
}

function passes(k: WinogradConv, chunkFloats: number, x: WgslBinding, weight: WgslBinding, bias: WgslBinding, hasBias: boolean): WgslPass[] {
  const l = layout(k, chunkFloats);
  const defines = { WG, TILE: k.tile };
  const filterCount = k.m * k.c;
  const out: WgslPass[] = [
    {
      shader: 'conv2d_winograd_filter',
      defines,
      bindings: [weight, SCRATCH(0)],
      params: [u32(filterCount), u32(k.m), u32(k.c), u32(k.flip ? 1 : 0)],
      workgroups: grid1d(filterCount, WG),
    },
  ];
  for (let t0 = 0; t0 < l.tiles; t0 += l.chunk) {
    const count = Math.min(l.chunk, l.tiles - t0);
    const tile = gemmTile(k.m, count);
    const inCount = k.c * count;
    const outCount = k.m * count;
    const tilesN = Math.ceil(count / tile.TILE_N);
    const tilesM = Math.ceil(k.m / tile.TILE_M);
    const groups = tilesN * tilesM * l.positions;
    out.push(
      {
        shader: 'conv2d_winograd_input',
        defines,
        bindings: [x, SCRATCH(1)],
        params: [
          u32(inCount), u32(k.c),
          { type: 'i32', value: k.h }, { type: 'i32', value: k.w }, { type: 'i32', value: k.pad },
          u32(l.tilesW), u32(l.tilesPerImage), u32(t0), u32(count),
        ],
        workgroups: grid1d(inCount, WG),
      },
      {
        shader: 'conv2d_winograd_gemm',
        defines: tile,
        bindings: [SCRATCH(0), SCRATCH(1), SCRATCH(2)],
        params: [u32(k.m), u32(count), u32(k.c), u32(tilesN), u32(tilesM), u32(groups)],
        workgroups: grid(groups),
      },
      {
        shader: 'conv2d_winograd_output',
        defines,
        bindings: [SCRATCH(2), bias, OUT(0)],
        params: [
          u32(outCount), u32(k.m), u32(k.oh), u32(k.ow), u32(l.tilesW), u32(l.tilesPerImage),
          u32(t0), u32(count), u32(hasBias ? 1 : 0),
        ],
        workgroups: grid1d(outCount, WG),
      },
    );
  }
  return out;
}

/** The kernels, with chunks of at most `chunkFloats` (smaller only in tests, to get many chunks). */
export function winogradKernelTable(chunkFloats = CHUNK_FLOATS): WgslKernelTable {
  return {
    conv2dWinograd: {
      scratch: (g) => scratch(forward(g), chunkFloats),
      passes: (g) => passes(forward(g), chunkFloats, IN(0), IN(1), IN(2), g.hasBias),
    },
    // No bias: the weight stands in for the bias binding, which hasBias = 0 never reads.
    conv2dGradInputWinograd: {
      scratch: (g) => scratch(gradInput(g), chunkFloats),
      passes: (g) => passes(gradInput(g), chunkFloats, IN(0), IN(1), IN(1), false),
    },
  };
}

export const winogradKernels: WgslKernelTable = winogradKernelTable();
