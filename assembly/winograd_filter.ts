// Filter transform of the Winograd convolution F(4x4, 3x3) (see winograd.ts): each 3x3 kernel
// g becomes the 6x6 matrix U = G g Gᵀ, with (Lavin & Gray's points 0, ±1, ±2, ∞)
//   G = [ 1/4     0     0  ]
//       [-1/6  -1/6  -1/6  ]
//       [-1/6   1/6  -1/6  ]
//       [1/24  1/12   1/6  ]
//       [1/24 -1/12   1/6  ]
//       [  0     0     1   ]
// and U is stored as 36 matrices U_pos[m, k] (pos = 6*row + col of the 6x6), each already
// packed as the A operand of gemm.ts (gemmPackA's layout: KC-deep slices of 4-row panels),
// so the convolution's 36 products read it as it is. Four output channels are transformed at
// once, one per SIMD lane: a lane's 4 results for one position and one input channel are
// exactly one 4-row column of a packed panel, so every result is one vector store.
//
// `flip` gives the filter of conv2d's input gradient instead: the kernel flipped in both axes
// with its channel axes swapped (m = cIn rows, k = cOut columns), so that dx is the forward
// Winograd conv of dy (see conv2d.ts: the adjoint of a stride-1 conv is the conv with the
// flipped, transposed kernel and padding k - 1 - p).
import { GEMM_KC, gemmPackedABytes } from './gemm';

/** Positions of the transformed tile: 36 (6x6) for F(4x4, 3x3), tile 4; 16 (4x4) for F(2x2, 3x3), tile 2. */
// @ts-ignore: decorator
@inline
export function winogradPositions(tile: i32): i32 {
  return (tile + 2) * (tile + 2);
}

/** Bytes of the transformed filter: 36 (or 16) packed m x k matrices (m = cOut, or cIn when flipped). */
export function conv2dWinogradFilterBytes(m: i32, k: i32, tile: i32): usize {
  return <usize>winogradPositions(tile) * gemmPackedABytes(m, k);
}

// @ts-ignore: decorator
@inline
function lanes4(base: usize, laneStride: usize, live: i32): v128 {
  // Lanes past the last row (m not a multiple of 4) are zero: the packed panel's padding rows.
  let v = f32x4.splat(0);
  v = f32x4.replace_lane(v, 0, load<f32>(base));
  if (live > 1) v = f32x4.replace_lane(v, 1, load<f32>(base + laneStride));
  if (live > 2) v = f32x4.replace_lane(v, 2, load<f32>(base + 2 * laneStride));
  if (live > 3) v = f32x4.replace_lane(v, 3, load<f32>(base + 3 * laneStride));
  return v;
}

/**
 * u = the transformed filter of weight [cOut, cIn, 3, 3] (flip: of the input gradient's
 * filter). `tmp` holds 18 vectors (288 bytes) of scratch.
 */
export function conv2dWinogradFilter(weight: usize, u: usize, cIn: i32, cOut: i32, flip: bool, tmp: usize, tile: i32): void {
  const m = flip ? cIn : cOut;
  const k = flip ? cOut : cIn;
  // Tap t of (row r, column c) of the matrix being transformed is at
  // weight + r*rowStride + c*colStride + tap(t), with the taps reversed when flipped.
  const rowStride: usize = flip ? 36 : <usize>cIn * 36;
  const colStride: usize = flip ? <usize>cIn * 36 : 36;
  const mPad = (m + 3) & ~3;
  const posBytes = gemmPackedABytes(m, k);
  const sixth: f32 = 1.0 / 6.0;
  const twelfth: f32 = 1.0 / 12.0;
  const twentyFourth: f32 = 1.0 / 24.0;
  for (let r0 = 0; r0 < m; r0 += 4) {
    const live = min<i32>(4, m - r0);
    for (let c = 0; c < k; c++) {
      const src = weight + <usize>r0 * rowStride + <usize>c * colStride;
      // The packed A layout: slice pc = c - c % KC, kc deep; panel r0/4 of it; column c - pc.
      const pc = c - (c % GEMM_KC);
      const kc = min<i32>(GEMM_KC, k - pc);
      const dstOffset = ((<usize>pc * <usize>mPad + <usize>r0 * <usize>kc + <usize>(c - pc) * 4) << 2);
      if (tile == 2) {
        filterF2(src, rowStride, live, flip, u + dstOffset, posBytes, tmp);
        continue;
      }
      // First pass: G g, the 3 columns of g to 6 rows each (t[6][3] in tmp).
      for (let j = 0; j < 3; j++) {
        const t0 = flip ? 8 - j : j; // taps (0, j), (1, j), (2, j), reversed when flipped
        const t1 = flip ? 5 - j : 3 + j;
        const t2 = flip ? 2 - j : 6 + j;
        const g0 = lanes4(src + ((<usize>t0) << 2), rowStride, live);
        const g1 = lanes4(src + ((<usize>t1) << 2), rowStride, live);
        const g2 = lanes4(src + ((<usize>t2) << 2), rowStride, live);
        store6(tmp + ((<usize>j) << 4), 48, g0, g1, g2, sixth, twelfth, twentyFourth);
      }
      // Second pass: (G g) Gᵀ, each of the 6 rows of 3 to 6 columns, one packed store each.
      for (let i = 0; i < 6; i++) {
        const row = tmp + ((<usize>i) * 48);
        const g0 = v128.load(row);
        const g1 = v128.load(row, 16);
        const g2 = v128.load(row, 32);
        const a = f32x4.mul(f32x4.add(g0, g2), f32x4.splat(-sixth));
        const b = f32x4.mul(g1, f32x4.splat(sixth));
        const cc = f32x4.add(f32x4.mul(g0, f32x4.splat(twentyFourth)), f32x4.mul(g2, f32x4.splat(sixth)));
        const d = f32x4.mul(g1, f32x4.splat(twelfth));
        const base = u + dstOffset + <usize>(i * 6) * posBytes;
        v128.store(base, f32x4.mul(g0, f32x4.splat(0.25)));
        v128.store(base + posBytes, f32x4.sub(a, b));
        v128.store(base + 2 * posBytes, f32x4.add(a, b));
        v128.store(base + 3 * posBytes, f32x4.add(cc, d));
        v128.store(base + 4 * posBytes, f32x4.sub(cc, d));
        v128.store(base + 5 * posBytes, g2);
      }
    }
  }
}

/** The 6 rows of G·(g0, g1, g2) (one column of g), to dst + i*step. */
// @ts-ignore: decorator
@inline
function store6(dst: usize, step: usize, g0: v128, g1: v128, g2: v128, sixth: f32, twelfth: f32, twentyFourth: f32): void {
  const a = f32x4.mul(f32x4.add(g0, g2), f32x4.splat(-sixth));
  const b = f32x4.mul(g1, f32x4.splat(sixth));
  const c = f32x4.add(f32x4.mul(g0, f32x4.splat(twentyFourth)), f32x4.mul(g2, f32x4.splat(sixth)));
  const d = f32x4.mul(g1, f32x4.splat(twelfth));
  v128.store(dst, f32x4.mul(g0, f32x4.splat(0.25)));
  v128.store(dst + step, f32x4.sub(a, b));
  v128.store(dst + 2 * step, f32x4.add(a, b));
  v128.store(dst + 3 * step, f32x4.add(c, d));
  v128.store(dst + 4 * step, f32x4.sub(c, d));
  v128.store(dst + 5 * step, g2);
}

/**
 * F(2x2, 3x3)'s G g Gᵀ (G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]) of 4 rows at src, one
 * per lane, to the 16 positions (dst + pos*posBytes).
 */
function filterF2(src: usize, rowStride: usize, live: i32, flip: bool, dst: usize, posBytes: usize, tmp: usize): void {
  const half = f32x4.splat(0.5);
  for (let j = 0; j < 3; j++) {
    const g0 = lanes4(src + ((<usize>(flip ? 8 - j : j)) << 2), rowStride, live);
    const g1 = lanes4(src + ((<usize>(flip ? 5 - j : 3 + j)) << 2), rowStride, live);
    const g2 = lanes4(src + ((<usize>(flip ? 2 - j : 6 + j)) << 2), rowStride, live);
    const s = f32x4.mul(f32x4.add(g0, g2), half);
    const d = f32x4.mul(g1, half);
    const t = tmp + ((<usize>j) << 4); // tmp[row][3], rows 48 bytes apart
    v128.store(t, g0);
    v128.store(t + 48, f32x4.add(s, d));
    v128.store(t + 96, f32x4.sub(s, d));
    v128.store(t + 144, g2);
  }
  for (let i = 0; i < 4; i++) {
    const row = tmp + <usize>(i * 48);
    const g0 = v128.load(row);
    const g1 = v128.load(row, 16);
    const g2 = v128.load(row, 32);
    const s = f32x4.mul(f32x4.add(g0, g2), half);
    const d = f32x4.mul(g1, half);
    const base = dst + <usize>(i * 4) * posBytes;
    v128.store(base, g0);
    v128.store(base + posBytes, f32x4.add(s, d));
    v128.store(base + 2 * posBytes, f32x4.sub(s, d));
    v128.store(base + 3 * posBytes, g2);
  }
}
