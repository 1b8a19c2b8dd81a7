// Winograd convolution F(4x4, 3x3) for 3x3 stride-1 convs with zero padding (conv2dWinograd;
// src/ops/conv2d.ts chooses it per shape). Each 4x4 output tile comes from a 6x6 input tile d:
//   y_tile = Aᵀ [ Σ_c U[co, c] ⊙ (Bᵀ d_c B) ] A
// so the 36 multiply-adds per output pixel and channel pair of the direct conv become 36 per
// 16 pixels (2.25 per pixel, 4x fewer), plus the transforms. With V_pos[c, t] the transformed
// input tiles and U_pos[co, c] the transformed filter (winograd_filter.ts), the sum is one
// GEMM per tile position pos: M_pos = U_pos · V_pos, run by gemm.ts's packed micro-kernel.
//   Bᵀ = [4  0 -5  0  1  0]    Aᵀ = [1  1  1  1  1  0]
//        [0 -4 -4  1  1  0]         [0  1 -1  2 -2  0]
//        [0  4 -4 -1  1  0]         [0  1  1  4  4  0]
//        [0 -2 -1  2  1  0]         [0  1 -1  8 -8  1]
//        [0  2 -1 -2  1  0]
//        [0  4  0 -5  0  1]
// Its float32 error measured 1.0e-5 to 1.65e-5 of the output's largest magnitude for 256
// channels against a float64 oracle (F(2x2, 3x3), winograd_f2.ts: 7e-7; direct: 3.5e-7),
// inside the 1e-4 bound: inference uses it, training uses F(2x2) (src/ops/conv2d_algorithm.ts).
//
// Work is cut into units of `unitQuads` quads, a quad being 4 horizontally adjacent tiles (one
// per SIMD lane in the transforms). A unit is done start to end by one thread: transform its
// tiles into V (laid out as the GEMM's packed B panels: tiles are the columns), 36 GEMMs into
// M, output transform (+ bias) into y. Units are independent, so threads claim them from the
// shared counter (tasks.ts) with no barrier, and a tile's arithmetic is the same whichever
// thread does it: 1 and N threads give identical results.
import { GEMM_KC, gemmPackedABytes, gemmPackedSlice } from './gemm';
import { nextUnit } from './tasks';
import { winogradPositions } from './winograd_filter';
import { inputQuad2, outputQuad2 } from './winograd_f2';
import { gatherQuadTiles, quadColumnBlock, quadInputRow, quadUpsampledRow, storeQuadTileRows, storeRowPart } from './winograd_quads';
import { col0, col1, col2, col3, detransform4, transform6 } from './winograd_transforms';

/**
 * Quads (4 tiles each) per unit of F(4x4): each unit's 36 GEMMs stream the whole transformed
 * filter (36 x cOut x cIn floats: 9.4 MB at 256 channels, past L2) for its N = 4q columns, so
 * q sets how often the filter crosses the memory bus. 64 tiles (V and M 4.7 MB at 256 channels)
 * measured 3-16% less CPU time than 32 (runs on a loaded 2-core machine) on the residual conv
 * of a 512x512 photo (128x128 map); 128 tiles gained only ~3% more for twice the memory;
 * smaller images get smaller units anyway (MIN_UNITS).
 */
const MAX_UNIT_QUADS: i32 = 16;
/** The same for F(2x2) (training): 16 positions per tile, 64 tiles a unit as before (not re-measured). */
const MAX_UNIT_QUADS_F2: i32 = 16;
/** Units wanted at least, so that 2-4 threads can share small images (the choice never depends on threads). */
const MIN_UNITS: i32 = 8;

/** Workspace of the GEMM's edge tiles (gemm.ts macroKernel with packed B: one 4 x 8 tile). */
const GEMM_EDGE_BYTES: usize = 16 * 1024;
/** Transform scratch: 36 vectors, 36 gathered vectors, a 20-float row copy and a 20-float zero row. */
const TMP_BYTES: usize = 2 * 36 * 16 + 2 * 96;
/**
 * Gap after each position's V and M blocks. Without it those blocks are cIn x cols and cOut x
 * cols floats apart, a power of two for the usual widths (64 KiB at 256 channels, 64 columns),
 * so the 36 (16) vectors a transform reads or writes across positions all fall in one L1 set.
 */
const POS_GAP: usize = 64;
/** Where the gathered 6x6 tiles of a quad that is not one row segment go (after the 36 vectors of tmp). */
const GATHER_OFFSET: usize = 36 * 16;

// @ts-ignore: decorator
@inline
function tiles(size: i32, tile: i32): i32 {
  return (size + tile - 1) / tile;
}

/** Quads per unit for this geometry and tile size (4: F(4x4, 3x3); 2: F(2x2, 3x3)); a function of the shape only. */
export function conv2dWinogradUnitQuads(n: i32, oh: i32, ow: i32, tile: i32): i32 {
  const quads = n * ((tiles(oh, tile) * tiles(ow, tile) + 3) >> 2);
  let q = tile == 2 ? MAX_UNIT_QUADS_F2 : MAX_UNIT_QUADS;
  while (q > 2 && (quads + q - 1) / q < MIN_UNITS) q >>= 1;
  return q;
}

/** Bytes of each part's workspace. */
export function conv2dWinogradScratchBytes(n: i32, cIn: i32, cOut: i32, oh: i32, ow: i32, tile: i32): usize {
  const cols = <usize>(conv2dWinogradUnitQuads(n, oh, ow, tile) * 4);
  const positions = <usize>winogradPositions(tile);
  return GEMM_EDGE_BYTES + TMP_BYTES + ((positions * <usize>(cIn + cOut) * cols) << 2) + 2 * positions * POS_GAP;
}

/**
 * y[n, cOut, oh, ow] = conv2d(x, weight, bias, padding pad) with oh = h + 2*pad - 2, from u =
 * conv2dWinogradFilter(weight, ..., tile) (bias 0 = none); tile 4 is F(4x4, 3x3) (the
 * functions below), tile 2 is F(2x2, 3x3) (winograd_f2.ts).
 */
export function conv2dWinograd(
  x: usize,
  u: usize,
  bias: usize,
  y: usize,
  work: usize,
  n: i32,
  cIn: i32,
  h: i32,
  w: i32,
  cOut: i32,
  oh: i32,
  ow: i32,
  pad: i32,
  tile: i32,
  part: i32,
  parts: i32,
): void {
  winogradForward(x, u, bias, y, work, n, cIn, h, w, cOut, oh, ow, pad, tile, false, parts);
}

/**
 * y[n, cOut, 2h, 2w] = conv2d(upsampleNearest2d(x, 2), weight, bias, padding 1) by F(4x4, 3x3),
 * x [n, cIn, h, w], u = conv2dWinogradFilter(weight, ..., 4): the Winograd conv reads the
 * upsampled image where it is, pixel (yy, xx) of it being x[yy >> 1, xx >> 1], so the
 * upsampled tensor never exists (upsampleConv2dWinograd in src/ops/upsample_conv2d.ts: inference
 * only; 2.25 multiply-adds per output instead of the four 2x2 phase convs' 4).
 */
export function upsampleConv2dWinograd(
  x: usize,
  u: usize,
  bias: usize,
  y: usize,
  work: usize,
  n: i32,
  cIn: i32,
  h: i32,
  w: i32,
  cOut: i32,
  part: i32,
  parts: i32,
): void {
  winogradForward(x, u, bias, y, work, n, cIn, 2 * h, 2 * w, cOut, 2 * h, 2 * w, 1, 4, true, parts);
}

/**
 * The body of both: h x w is the image the conv reads, which with `up` is x upsampled by 2
 * (x itself is h/2 x w/2; only F(4x4) reads an upsampled image).
 */
function winogradForward(
  x: usize,
  u: usize,
  bias: usize,
  y: usize,
  work: usize,
  n: i32,
  cIn: i32,
  h: i32,
  w: i32,
  cOut: i32,
  oh: i32,
  ow: i32,
  pad: i32,
  tile: i32,
  up: bool,
  parts: i32,
): void {
  if (n <= 0 || oh <= 0 || ow <= 0 || cOut <= 0) return;
  const positions = winogradPositions(tile);
  const q = conv2dWinogradUnitQuads(n, oh, ow, tile);
  const cols = q * 4;
  const th = tiles(oh, tile);
  const tw = tiles(ow, tile);
  const tilesPerImage = th * tw;
  const quadsPerImage = (tilesPerImage + 3) >> 2;
  const total = n * quadsPerImage;
  const units = (total + q - 1) / q;
  const gemmWork = work;
  const tmp = work + GEMM_EDGE_BYTES;
  const rowCopy = tmp + 2 * 36 * 16;
  const zeroRow = rowCopy + 96;
  v128.store(zeroRow, f32x4.splat(0));
  v128.store(zeroRow, f32x4.splat(0), 16);
  v128.store(zeroRow, f32x4.splat(0), 32);
  v128.store(zeroRow, f32x4.splat(0), 48);
  v128.store(zeroRow, f32x4.splat(0), 64);
  const vBuf = tmp + TMP_BYTES;
  const vPos = ((<usize>cIn * <usize>cols) << 2) + POS_GAP;
  const mPos = ((<usize>cOut * <usize>cols) << 2) + POS_GAP;
  const mBuf = vBuf + <usize>positions * vPos;
  const uPos = gemmPackedABytes(cOut, cIn);
  for (let unit = nextUnit(-1, parts); unit < units; unit = nextUnit(unit, parts)) {
    const first = unit * q;
    const count = min<i32>(q, total - first);
    for (let qi = 0; qi < count; qi++) {
      const g = first + qi;
      const img = g / quadsPerImage;
      const t0 = (g - img * quadsPerImage) * 4;
      const xi = x + ((<usize>img * <usize>cIn * <usize>(up ? h >> 1 : h) * <usize>(up ? w >> 1 : w)) << 2);
      if (tile == 2) inputQuad2(xi, vBuf, vPos, cIn, h, w, cols, qi, t0, tw, tilesPerImage, pad, tmp, rowCopy, zeroRow);
      else inputQuad(xi, vBuf, vPos, cIn, h, w, cols, qi, t0, tw, tilesPerImage, pad, tmp, rowCopy, zeroRow, up);
    }
    const nCols = count * 4;
    for (let pos = 0; pos < positions; pos++) {
      const v = vBuf + <usize>pos * vPos;
      const mOut = mBuf + <usize>pos * mPos;
      const a = u + <usize>pos * uPos;
      for (let pc = 0; pc < cIn; pc += GEMM_KC) {
        const kc = min<i32>(GEMM_KC, cIn - pc);
        gemmPackedSlice(cOut, nCols, cIn, pc, kc, a, v + ((<usize>pc * <usize>cols) << 2), mOut, cols, pc == 0, 0, gemmWork);
      }
    }
    for (let qi = 0; qi < count; qi++) {
      const g = first + qi;
      const img = g / quadsPerImage;
      const t0 = (g - img * quadsPerImage) * 4;
      const yi = y + ((<usize>img * <usize>cOut * <usize>oh * <usize>ow) << 2);
      if (tile == 2) outputQuad2(mBuf, mPos, yi, bias, cOut, oh, ow, cols, qi, t0, tw, tilesPerImage, tmp);
      else outputQuad(mBuf, mPos, yi, bias, cOut, oh, ow, cols, qi, t0, tw, tilesPerImage, tmp);
    }
  }
}

/**
 * Bᵀ d B of one quad (tiles t0..t0+3 of an image, row-major over its tw tiles per row; one per
 * lane) for every input channel, into column block qi of each V_pos. A quad is usually 4
 * tiles of one tile row: its input window is then 6 rows by 18 columns from row y0, column
 * x0 (negative = padding), rows that leave the image copied with zeros first. A quad that
 * wraps to the next tile row, or runs past the last tile, has each lane's 6x6 tile gathered
 * one value at a time (zeros outside the image and for tiles past the end).
 */
function inputQuad(
  x: usize,
  vBuf: usize,
  vPos: usize,
  cIn: i32,
  h: i32,
  w: i32,
  cols: i32,
  qi: i32,
  t0: i32,
  tw: i32,
  tilesPerImage: i32,
  pad: i32,
  tmp: usize,
  rowCopy: usize,
  zeroRow: usize,
  up: bool,
): void {
  const ty0 = t0 / tw;
  const segment = t0 + 3 < tilesPerImage && (t0 + 3) / tw == ty0;
  const y0 = ty0 * 4 - pad;
  const x0 = (t0 - ty0 * tw) * 4 - pad;
  const inside = x0 >= 0 && x0 + 20 <= w;
  // x0 + 2 * 12 is the last upsampled column quadUpsampledRow's vector path reads, + 1.
  const upInside = (x0 & 1) == 1 && x0 >= 0 && x0 + 24 <= w;
  const gather = tmp + GATHER_OFFSET;
  const four = f32x4.splat(4);
  const five = f32x4.splat(5);
  const two = f32x4.splat(2);
  const planeBytes = up ? (<usize>(h >> 1) * <usize>(w >> 1)) << 2 : (<usize>h * <usize>w) << 2;
  for (let c = 0; c < cIn; c++) {
    const plane = x + <usize>c * planeBytes;
    if (!segment) {
      gatherQuadTiles(plane, h, w, t0, tw, tilesPerImage, pad, 4, gather, up);
      for (let i = 0; i < 6; i++) {
        const s = gather + <usize>(i * 96);
        transform6(tmp + <usize>(i * 96), 16, v128.load(s), v128.load(s, 16), v128.load(s, 32), v128.load(s, 48), v128.load(s, 64), v128.load(s, 80), four, five, two);
      }
    }
    // Rows: d B for each of the 6 input rows, into tmp[row][6].
    for (let i = 0; segment && i < 6; i++) {
      const src = up
        ? quadUpsampledRow(plane, y0 + i, h, w, x0, upInside, rowCopy, zeroRow)
        : quadInputRow(plane, y0 + i, h, w, x0, 18, inside, rowCopy, zeroRow);
      const v0 = v128.load(src);
      const v1 = v128.load(src, 16);
      const v2 = v128.load(src, 32);
      const v3 = v128.load(src, 48);
      const v4 = v128.load(src, 64);
      const d0 = col0(v0, v1, v2, v3);
      const d1 = col1(v0, v1, v2, v3);
      const d2 = col2(v0, v1, v2, v3);
      const d3 = col3(v0, v1, v2, v3);
      const d4 = col0(v1, v2, v3, v4);
      const d5 = col1(v1, v2, v3, v4);
      transform6(tmp + <usize>(i * 96), 16, d0, d1, d2, d3, d4, d5, four, five, two);
    }
    // Columns: Bᵀ (d B), each column of 6 to the 6 positions (i, j).
    const dst = quadColumnBlock(vBuf, c, cIn, cols, qi, GEMM_KC);
    for (let j = 0; j < 6; j++) {
      const s = tmp + ((<usize>j) << 4);
      transform6(
        dst + <usize>j * vPos,
        6 * vPos,
        v128.load(s),
        v128.load(s, 96),
        v128.load(s, 192),
        v128.load(s, 288),
        v128.load(s, 384),
        v128.load(s, 480),
        four,
        five,
        two,
      );
    }
  }
}

/** Aᵀ m A (+ bias) of one quad for every output channel, from column block qi of each M_pos. */
function outputQuad(
  mBuf: usize,
  mPos: usize,
  y: usize,
  bias: usize,
  cOut: i32,
  oh: i32,
  ow: i32,
  cols: i32,
  qi: i32,
  t0: i32,
  tw: i32,
  tilesPerImage: i32,
  tmp: usize,
): void {
  // As in inputQuad: 4 tiles of one row are stored as row segments; others tile by tile.
  const ty0 = t0 / tw;
  const segment = t0 + 3 < tilesPerImage && (t0 + 3) / tw == ty0;
  const y0 = ty0 * 4;
  const x0 = (t0 - ty0 * tw) * 4;
  const full = segment && x0 + 16 <= ow;
  const two = f32x4.splat(2);
  const four = f32x4.splat(4);
  const eight = f32x4.splat(8);
  const planeBytes = (<usize>oh * <usize>ow) << 2;
  for (let co = 0; co < cOut; co++) {
    const m = mBuf + ((<usize>co * <usize>cols + <usize>(qi * 4)) << 2);
    // Columns: Aᵀ m, each column j of 6 positions to 4 rows, into tmp[row][6].
    for (let j = 0; j < 6; j++) {
      const s = m + <usize>j * mPos;
      const step: usize = 6 * mPos;
      detransform4(
        tmp + ((<usize>j) << 4),
        96,
        v128.load(s),
        v128.load(s + step),
        v128.load(s + 2 * step),
        v128.load(s + 3 * step),
        v128.load(s + 4 * step),
        v128.load(s + 5 * step),
        two,
        four,
        eight,
      );
    }
    // Rows: (Aᵀ m) A, each row to 4 outputs per tile, transposed back to pixels.
    const b = bias != 0 ? v128.load32_splat(bias + ((<usize>co) << 2)) : f32x4.splat(0);
    const plane = y + <usize>co * planeBytes;
    for (let i = 0; i < 4; i++) {
      const yy = y0 + i;
      if (segment && yy >= oh) break;
      const s = tmp + <usize>(i * 96);
      const o = tmp + 4 * 96; // 4 vectors after the 4 rows
      detransform4(o, 16, v128.load(s), v128.load(s, 16), v128.load(s, 32), v128.load(s, 48), v128.load(s, 64), v128.load(s, 80), two, four, eight);
      const o0 = f32x4.add(v128.load(o), b);
      const o1 = f32x4.add(v128.load(o, 16), b);
      const o2 = f32x4.add(v128.load(o, 32), b);
      const o3 = f32x4.add(v128.load(o, 48), b);
      // Lane l of o_j is pixel (yy, x0 + 4l + j): the transpose gives each tile's 4 pixels.
      const p0 = col0(o0, o1, o2, o3);
      const p1 = col1(o0, o1, o2, o3);
      const p2 = col2(o0, o1, o2, o3);
      const p3 = col3(o0, o1, o2, o3);
      const row = plane + ((<usize>yy * <usize>ow + <usize>x0) << 2);
      if (!segment) {
        v128.store(o, p0);
        v128.store(o, p1, 16);
        v128.store(o, p2, 32);
        v128.store(o, p3, 48);
        storeQuadTileRows(plane, oh, ow, t0, tw, tilesPerImage, 4, i, o);
      } else if (full) {
        v128.store(row, p0);
        v128.store(row, p1, 16);
        v128.store(row, p2, 32);
        v128.store(row, p3, 48);
      } else {
        const t = o; // reuse: 16 floats in pixel order
        v128.store(t, p0);
        v128.store(t, p1, 16);
        v128.store(t, p2, 32);
        v128.store(t, p3, 48);
        storeRowPart(row, t, min<i32>(16, ow - x0));
      }
    }
  }
}
