// The F(2x2, 3x3) variant of the Winograd conv (winograd.ts runs it with tile = 2): 2x2 output
// tiles from 4x4 input tiles, 16 tile positions, 2.25x fewer multiply-adds than the direct
// conv instead of F(4x4)'s 4x, but a float32 error near the direct conv's (measured against a
// float64 oracle at 256 channels: 7e-7 of the output's largest magnitude, direct 3.5e-7,
// F(4x4) 1.65e-5), which the training path needs (src/ops/conv2d_algorithm.ts). Transforms
// (Lavin & Gray):
//   Bᵀ = [1  0 -1  0]   G = [ 1    0    0 ]   Aᵀ = [1  1  1  0]
//        [0  1  1  0]       [1/2  1/2  1/2]        [0  1 -1 -1]
//        [0 -1  1  0]       [1/2 -1/2  1/2]
//        [0  1  0 -1]       [ 0    0    1 ]
// A quad is 4 tiles of one row (8 output columns, a 4 x 10 input window), one per lane, laid
// out in V and M exactly as the F(4x4) quads are.
import { GEMM_KC } from './gemm';
import { gatherQuadTiles, quadColumnBlock, quadInputRow, storeQuadTileRows, storeRowPart } from './winograd_quads';

// @ts-ignore: decorator
@inline
function bt4(dst: usize, step: usize, d0: v128, d1: v128, d2: v128, d3: v128): void {
  v128.store(dst, f32x4.sub(d0, d2));
  v128.store(dst + step, f32x4.add(d1, d2));
  v128.store(dst + 2 * step, f32x4.sub(d2, d1));
  v128.store(dst + 3 * step, f32x4.sub(d1, d3));
}

/**
 * Bᵀ d B of one quad (tiles t0..t0+3, row-major over tw tiles per row) for every input
 * channel, into column block qi of each of the 16 V_pos. `tmp` holds 32 vectors.
 */
export function inputQuad2(
  x: usize, vBuf: usize, vPos: usize, cIn: i32, h: i32, w: i32, cols: i32, qi: i32,
  t0: i32, tw: i32, tilesPerImage: i32, pad: i32, tmp: usize, rowCopy: usize, zeroRow: usize,
): void {
  const ty0 = t0 / tw;
  const segment = t0 + 3 < tilesPerImage && (t0 + 3) / tw == ty0;
  const y0 = ty0 * 2 - pad;
  const x0 = (t0 - ty0 * tw) * 2 - pad;
  const inside = x0 >= 0 && x0 + 12 <= w;
  const gather = tmp + 16 * 16;
  const planeBytes = (<usize>h * <usize>w) << 2;
  for (let c = 0; c < cIn; c++) {
    const plane = x + <usize>c * planeBytes;
    if (!segment) {
      gatherQuadTiles(plane, h, w, t0, tw, tilesPerImage, pad, 2, gather);
      for (let i = 0; i < 4; i++) {
        const s = gather + <usize>(i * 64);
        bt4(tmp + <usize>(i * 64), 16, v128.load(s), v128.load(s, 16), v128.load(s, 32), v128.load(s, 48));
      }
    }
    for (let i = 0; segment && i < 4; i++) {
      const src = quadInputRow(plane, y0 + i, h, w, x0, 10, inside, rowCopy, zeroRow);
      // Lane l is tile l, whose column j is src[2l + j].
      const v0 = v128.load(src);
      const v1 = v128.load(src, 16);
      const u0 = v128.load(src, 8);
      const u1 = v128.load(src, 24);
      bt4(
        tmp + <usize>(i * 64),
        16,
        f32x4.shuffle(v0, v1, 0, 2, 4, 6),
        f32x4.shuffle(v0, v1, 1, 3, 5, 7),
        f32x4.shuffle(u0, u1, 0, 2, 4, 6),
        f32x4.shuffle(u0, u1, 1, 3, 5, 7),
      );
    }
    const dst = quadColumnBlock(vBuf, c, cIn, cols, qi, GEMM_KC);
    for (let j = 0; j < 4; j++) {
      const s = tmp + ((<usize>j) << 4);
      bt4(dst + <usize>j * vPos, 4 * vPos, v128.load(s), v128.load(s, 64), v128.load(s, 128), v128.load(s, 192));
    }
  }
}

// @ts-ignore: decorator
@inline
function at2(m0: v128, m1: v128, m2: v128, m3: v128, dst: usize, step: usize): void {
  v128.store(dst, f32x4.add(f32x4.add(m0, m1), m2));
  v128.store(dst + step, f32x4.sub(f32x4.sub(m1, m2), m3));
}

/** Aᵀ m A (+ bias) of one quad for every output channel, from column block qi of each M_pos. */
export function outputQuad2(
  mBuf: usize, mPos: usize, y: usize, bias: usize, cOut: i32, oh: i32, ow: i32, cols: i32, qi: i32,
  t0: i32, tw: i32, tilesPerImage: i32, tmp: usize,
): void {
  const ty0 = t0 / tw;
  const segment = t0 + 3 < tilesPerImage && (t0 + 3) / tw == ty0;
  const y0 = ty0 * 2;
  const x0 = (t0 - ty0 * tw) * 2;
  const full = segment && x0 + 8 <= ow;
  const planeBytes = (<usize>oh * <usize>ow) << 2;
  for (let co = 0; co < cOut; co++) {
    const m = mBuf + ((<usize>co * <usize>cols + <usize>(qi * 4)) << 2);
    // Columns: Aᵀ m, column j of 4 positions to 2 rows, into tmp[row][4].
    for (let j = 0; j < 4; j++) {
      const s = m + <usize>j * mPos;
      const step: usize = 4 * mPos;
      at2(v128.load(s), v128.load(s + step), v128.load(s + 2 * step), v128.load(s + 3 * step), tmp + ((<usize>j) << 4), 64);
    }
    const b = bias != 0 ? v128.load32_splat(bias + ((<usize>co) << 2)) : f32x4.splat(0);
    const plane = y + <usize>co * planeBytes;
    const o = tmp + 128;
    for (let i = 0; i < 2; i++) {
      const s = tmp + <usize>(i * 64);
      at2(v128.load(s), v128.load(s, 16), v128.load(s, 32), v128.load(s, 48), o, 16);
      const o0 = f32x4.add(v128.load(o), b);
      const o1 = f32x4.add(v128.load(o, 16), b);
      // Pixel order: tile 0 (x0, x0+1), tile 1, ...
      const p0 = f32x4.shuffle(o0, o1, 0, 4, 1, 5);
      const p1 = f32x4.shuffle(o0, o1, 2, 6, 3, 7);
      if (segment) {
        const yy = y0 + i;
        if (yy >= oh) break;
        const row = plane + ((<usize>yy * <usize>ow + <usize>x0) << 2);
        if (full) {
          v128.store(row, p0);
          v128.store(row, p1, 16);
        } else {
          v128.store(o, p0);
          v128.store(o, p1, 16);
          storeRowPart(row, o, min<i32>(8, ow - x0));
        }
        continue;
      }
      v128.store(o, p0);
      v128.store(o, p1, 16);
      storeQuadTileRows(plane, oh, ow, t0, tw, tilesPerImage, 2, i, o);
    }
  }
}
