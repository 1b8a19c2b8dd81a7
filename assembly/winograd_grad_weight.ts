// Weight gradient of a 3x3 stride-1 conv (padding 0 or 1) by Winograd's F(2x2, 3x3), the
// tile of the training path (winograd_f2.ts has the transforms). The forward conv computes
// each 2x2 output tile as Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A, so
//   dL/dg = Gᵀ [ Σ_tiles (Bᵀ d B) ⊙ (A dY Aᵀ) ] G
// per (cOut, cIn) pair: with V_pos[ci, t] the transformed input tiles (as the forward makes
// them) and D_pos[co, t] the transformed 2x2 tiles of dy, one GEMM per tile position
//   M_pos[co, ci] = Σ_t D_pos[co, t] · V_pos[ci, t]
// reduces over the tiles of every image (16 positions x 4 multiply-adds per output pixel,
// instead of the direct kernel's 9: 2.25x fewer), then Gᵀ M G gives the 3x3 gradient.
//   A = [1  0]   G = [ 1    0    0 ]   Bᵀ = [1  0 -1  0]
//       [1  1]       [1/2  1/2  1/2]        [0  1  1  0]
//       [1 -1]       [1/2 -1/2  1/2]        [0 -1  1  0]
//       [0 -1]       [ 0    0    1 ]        [0  1  0 -1]
// The binding (src/backends/wasm/kernels/winograd.ts) runs three steps over one buffer:
//   1. conv2dGradWeightWinogradTransform: D and V of a chunk of tiles, already in the packed
//      operand layouts of gemm.ts (D as the A operand: 4-row panels; V as the B operand:
//      8-column panels; tiles are the reduction). Units are runs of tiles; each writes its own.
//   2. conv2dGradWeightWinogradProducts: M_pos (+)= D_pos · V_posᵀ for the chunk. Units are
//      (position, block of output channels): each sums its elements of M over the tiles in
//      the GEMM's fixed order, whichever thread claims it, so 1 and N threads give the same bits.
//   Steps 1-2 repeat over chunks of tiles (in order), which bounds the buffer for large images.
//   3. conv2dGradWeightWinograd: dweight = Gᵀ M G per channel pair.
// The sums over tiles are the GEMM's f32 accumulations, as in the direct kernel: measured
// against float64 PyTorch (bench/winograd_error.mjs, 256 channels, up to 1024 tiles) the error
// is 7.1e-7 to 8.2e-7 of the gradient's largest magnitude (direct: 4.0e-7 to 4.2e-7).
// src/ops/conv2d_algorithm.ts (winogradGradWeightPays) says where it is used.
import { GEMM_KC, GEMM_NR, gemmPackedSlice } from './gemm';
import { nextUnit } from './tasks';
import { dyTile, inputQuad4, inputTile } from './winograd_grad_weight_tiles';

/** Tile positions of F(2x2, 3x3). */
const POSITIONS: i32 = 16;
/** Tiles per unit of the transform step. */
const TRANSFORM_UNIT_TILES: i32 = 32;
/** Output channels per unit of the product step (gemm.ts's MC: one packed A block). */
const CO_BLOCK: i32 = 128;
/** The transformed operands of one chunk stay under this (plus M): 32 MiB. */
const CHUNK_BYTES: usize = 32 << 20;
/** Scratch each part of the product step needs: gemm.ts's edge tile and edge panel. */
export function conv2dGradWeightWinogradWorkBytes(): i32 {
  return 16 * 1024;
}

/** Where a chunk's D_pos start in buf: after M (16 cOut x cIn matrices, whatever the chunk). */
// @ts-ignore: decorator
@inline
function dBase(buf: usize, cIn: i32, cOut: i32): usize {
  return buf + ((<usize>POSITIONS * <usize>cOut * <usize>cIn) << 2);
}

// @ts-ignore: decorator
@inline
function roundUp(x: i32, m: i32): i32 {
  return ((x + m - 1) / m) * m;
}

// @ts-ignore: decorator
@inline
function aBytes(cOut: i32, tc: i32): usize {
  return (<usize>roundUp(cOut, 4) * <usize>tc) << 2;
}

// @ts-ignore: decorator
@inline
function bBytes(cIn: i32, tc: i32): usize {
  return (<usize>roundUp(cIn, GEMM_NR) * <usize>tc) << 2;
}

/** Tiles per chunk: all of them, or a multiple of the GEMM's reduction slice that keeps D and V under CHUNK_BYTES. */
export function conv2dGradWeightWinogradChunkTiles(n: i32, cIn: i32, cOut: i32, oh: i32, ow: i32): i32 {
  const total = n * ((oh + 1) >> 1) * ((ow + 1) >> 1);
  const perTile = <usize>POSITIONS * (((<usize>roundUp(cOut, 4) + <usize>roundUp(cIn, GEMM_NR))) << 2);
  const fit = max<i32>(1, <i32>(CHUNK_BYTES / perTile / <usize>GEMM_KC)) * GEMM_KC;
  return min<i32>(total, fit);
}

/** Bytes of the buffer the three steps share: M, then D and V of a chunk of tc tiles. */
export function conv2dGradWeightWinogradBytes(cIn: i32, cOut: i32, tc: i32): usize {
  return <usize>POSITIONS * (aBytes(cOut, tc) + bBytes(cIn, tc) + ((<usize>cOut * <usize>cIn) << 2));
}

/**
 * Step 1: D_pos and V_pos of tiles t0 .. t0 + tc - 1 (numbered over all images, row-major in
 * each) into buf. x [n, cIn, h, w], dy [n, cOut, oh, ow], oh = h + 2*pad - 2. `work` holds
 * 1024 bytes (inputQuad4's 64 vectors).
 */
export function conv2dGradWeightWinogradTransform(
  x: usize, dy: usize, buf: usize, work: usize, n: i32, cIn: i32, h: i32, w: i32, cOut: i32, oh: i32, ow: i32,
  pad: i32, t0: i32, tc: i32, part: i32, parts: i32,
): void {
  const tw = (ow + 1) >> 1;
  const tilesPerImage = ((oh + 1) >> 1) * tw;
  const mPad = roundUp(cOut, 4);
  const nPad = roundUp(cIn, GEMM_NR);
  const aPos = aBytes(cOut, tc);
  const bPos = bBytes(cIn, tc);
  const dStart = dBase(buf, cIn, cOut);
  const vBase = dStart + <usize>POSITIONS * aPos;
  const units = (tc + TRANSFORM_UNIT_TILES - 1) / TRANSFORM_UNIT_TILES;
  const th = (oh + 1) >> 1;
  for (let unit = nextUnit(-1, parts); unit < units; unit = nextUnit(unit, parts)) {
    // A unit's tiles lie in one reduction slice (TRANSFORM_UNIT_TILES divides GEMM_KC).
    const start = unit * TRANSFORM_UNIT_TILES;
    const end = min<i32>(tc, start + TRANSFORM_UNIT_TILES);
    const pc = start - (start % GEMM_KC);
    const kc = min<i32>(GEMM_KC, tc - pc);
    const g0 = t0 + start;
    const img0 = g0 / tilesPerImage;
    const ty0 = (g0 - img0 * tilesPerImage) / tw;
    const tx0 = g0 - img0 * tilesPerImage - ty0 * tw;
    // Channel by channel, tile by tile: each position's stores then run along one packed
    // panel (consecutive tiles are one panel row apart), and the reads along one plane.
    // D: A dY Aᵀ of each 2x2 dy tile (zero past the output's edge), to the packed A layout.
    for (let co = 0; co < mPad; co++) {
      const panel = dStart + ((<usize>pc * <usize>mPad + <usize>(co >> 2) * <usize>kc * 4 + <usize>(co & 3)) << 2);
      let img = img0;
      let ty = ty0;
      let tx = tx0;
      for (let t = start; t < end; t++) {
        const dst = panel + ((<usize>(t - pc) * 4) << 2);
        if (co >= cOut) {
          for (let p = 0; p < POSITIONS; p++) store<f32>(dst + <usize>p * aPos, 0);
        } else {
          const plane = dy + ((<usize>(img * cOut + co) * <usize>oh * <usize>ow) << 2);
          dyTile(plane, oh, ow, ty * 2, tx * 2, dst, aPos);
        }
        if (++tx == tw) {
          tx = 0;
          if (++ty == th) {
            ty = 0;
            img++;
          }
        }
      }
    }
    // V: Bᵀ d B of each 4x4 input tile (zero outside the image), to the packed B layout, 4
    // channels at a time: 4 tiles of one row whose windows lie inside the image go through
    // SIMD (a lane per tile, then transposed to a lane per channel: one store per tile and
    // position), the others tile by tile. Both do the same float operations in the same order.
    for (let c4 = 0; c4 < nPad; c4 += 4) {
      const panel = vBase + ((<usize>pc * <usize>nPad + <usize>(c4 / GEMM_NR) * <usize>kc * GEMM_NR + <usize>(c4 % GEMM_NR)) << 2);
      const live = min<i32>(4, cIn - c4);
      let img = img0;
      let ty = ty0;
      let tx = tx0;
      let t = start;
      while (t < end) {
        const dst = panel + ((<usize>(t - pc) * GEMM_NR) << 2);
        const y0 = ty * 2 - pad;
        const xLeft = tx * 2 - pad;
        let step = 1;
        if (live == 4 && t + 4 <= end && tx + 4 <= tw && y0 >= 0 && y0 + 4 <= h && xLeft >= 0 && xLeft + 10 <= w) {
          const base = x + ((<usize>(img * cIn + c4) * <usize>h * <usize>w + <usize>y0 * <usize>w + <usize>xLeft) << 2);
          inputQuad4(base, (<usize>h * <usize>w) << 2, (<usize>w) << 2, dst, bPos, work);
          step = 4;
        } else {
          for (let c = 0; c < 4; c++) {
            if (c >= live) {
              for (let p = 0; p < POSITIONS; p++) store<f32>(dst + ((<usize>c) << 2) + <usize>p * bPos, 0);
              continue;
            }
            const plane = x + ((<usize>(img * cIn + c4 + c) * <usize>h * <usize>w) << 2);
            inputTile(plane, h, w, y0, xLeft, dst + ((<usize>c) << 2), bPos);
          }
        }
        t += step;
        tx += step;
        if (tx == tw) {
          tx = 0;
          if (++ty == th) {
            ty = 0;
            img++;
          }
        }
      }
    }
  }
}

/**
 * Step 2: M_pos[co, ci] (+)= Σ over the chunk's tc tiles of D_pos[co, t] · V_pos[ci, t]
 * (`first`: the first chunk, which overwrites M). `work` holds conv2dGradWeightWinogradWorkBytes().
 */
export function conv2dGradWeightWinogradProducts(buf: usize, work: usize, cIn: i32, cOut: i32, tc: i32, first: bool, part: i32, parts: i32): void {
  const mPad = roundUp(cOut, 4);
  const nPad = roundUp(cIn, GEMM_NR);
  const aPos = aBytes(cOut, tc);
  const bPos = bBytes(cIn, tc);
  const dStart = dBase(buf, cIn, cOut);
  const vBase = dStart + <usize>POSITIONS * aPos;
  const mBase = buf;
  const mPos = (<usize>cOut * <usize>cIn) << 2;
  const blocks = (cOut + CO_BLOCK - 1) / CO_BLOCK;
  const units = POSITIONS * blocks;
  for (let unit = nextUnit(-1, parts); unit < units; unit = nextUnit(unit, parts)) {
    const pos = unit / blocks;
    const co0 = (unit - pos * blocks) * CO_BLOCK;
    const mb = min<i32>(CO_BLOCK, cOut - co0);
    const a = dStart + <usize>pos * aPos;
    const b = vBase + <usize>pos * bPos;
    const c = mBase + <usize>pos * mPos + ((<usize>co0 * <usize>cIn) << 2);
    for (let pc = 0; pc < tc; pc += GEMM_KC) {
      const kc = min<i32>(GEMM_KC, tc - pc);
      // Rows co0 .. co0 + mb of this slice's packed A: its panels from co0 / 4 on.
      const aSlice = a + ((<usize>pc * <usize>mPad + <usize>co0 * <usize>kc) << 2);
      const bSlice = b + ((<usize>pc * <usize>nPad) << 2);
      gemmPackedSlice(mb, cIn, tc, 0, kc, aSlice, bSlice, c, cIn, first && pc == 0, 0, work);
    }
  }
}

/**
 * Step 3: dweight[co, ci] = Gᵀ M[co, ci] G for every channel pair, from buf after the products.
 * Four consecutive pairs at once (one per lane: M_pos is row-major [cOut, cIn], so they are
 * adjacent in each M_pos); the last cOut*cIn % 4 pairs one lane of a partly loaded vector.
 */
export function conv2dGradWeightWinograd(buf: usize, dweight: usize, cIn: i32, cOut: i32): void {
  const mPos = (<usize>cOut * <usize>cIn) << 2;
  const pairs = cOut * cIn;
  const half = f32x4.splat(0.5);
  for (let k0 = 0; k0 < pairs; k0 += 4) {
    const live = min<i32>(4, pairs - k0);
    const src = buf + ((<usize>k0) << 2);
    // T = M G: row i of M (positions 4i .. 4i + 3) to 3 values, kept in t[i][b].
    let t00 = f32x4.splat(0), t01 = t00, t02 = t00, t10 = t00, t11 = t00, t12 = t00;
    let t20 = t00, t21 = t00, t22 = t00, t30 = t00, t31 = t00, t32 = t00;
    for (let i = 0; i < 4; i++) {
      const r = src + <usize>(i * 4) * mPos;
      const m0 = loadLanes(r, live);
      const m1 = loadLanes(r + mPos, live);
      const m2 = loadLanes(r + 2 * mPos, live);
      const m3 = loadLanes(r + 3 * mPos, live);
      const s = f32x4.mul(f32x4.add(m1, m2), half);
      const e0 = f32x4.add(m0, s);
      const e1 = f32x4.mul(f32x4.sub(m1, m2), half);
      const e2 = f32x4.add(s, m3);
      if (i == 0) { t00 = e0; t01 = e1; t02 = e2; }
      else if (i == 1) { t10 = e0; t11 = e1; t12 = e2; }
      else if (i == 2) { t20 = e0; t21 = e1; t22 = e2; }
      else { t30 = e0; t31 = e1; t32 = e2; }
    }
    // Gᵀ T, column b of T to column b of each lane's 3x3 kernel.
    const d = dweight + ((<usize>k0 * 9) << 2);
    gtColumn(d, t00, t10, t20, t30, half, live);
    gtColumn(d + 4, t01, t11, t21, t31, half, live);
    gtColumn(d + 8, t02, t12, t22, t32, half, live);
  }
}

/** `live` (1-4) consecutive floats at src, zeros after. */
// @ts-ignore: decorator
@inline
function loadLanes(src: usize, live: i32): v128 {
  if (live == 4) return v128.load(src);
  let v = f32x4.splat(0);
  v = f32x4.replace_lane(v, 0, load<f32>(src));
  if (live > 1) v = f32x4.replace_lane(v, 1, load<f32>(src, 4));
  if (live > 2) v = f32x4.replace_lane(v, 2, load<f32>(src, 8));
  return v;
}

/** Gᵀ of one column (t0..t3) of each lane's T to rows 0..2 of its 3x3 kernel (lane l's kernel 36*l bytes on). */
// @ts-ignore: decorator
@inline
function gtColumn(dst: usize, t0: v128, t1: v128, t2: v128, t3: v128, half: v128, live: i32): void {
  const s = f32x4.mul(f32x4.add(t1, t2), half);
  const r0 = f32x4.add(t0, s);
  const r1 = f32x4.mul(f32x4.sub(t1, t2), half);
  const r2 = f32x4.add(s, t3);
  store<f32>(dst, f32x4.extract_lane(r0, 0));
  store<f32>(dst, f32x4.extract_lane(r1, 0), 12);
  store<f32>(dst, f32x4.extract_lane(r2, 0), 24);
  if (live < 2) return;
  store<f32>(dst, f32x4.extract_lane(r0, 1), 36);
  store<f32>(dst, f32x4.extract_lane(r1, 1), 48);
  store<f32>(dst, f32x4.extract_lane(r2, 1), 60);
  if (live < 3) return;
  store<f32>(dst, f32x4.extract_lane(r0, 2), 72);
  store<f32>(dst, f32x4.extract_lane(r1, 2), 84);
  store<f32>(dst, f32x4.extract_lane(r2, 2), 96);
  if (live < 4) return;
  store<f32>(dst, f32x4.extract_lane(r0, 3), 108);
  store<f32>(dst, f32x4.extract_lane(r1, 3), 120);
  store<f32>(dst, f32x4.extract_lane(r2, 3), 132);
}
