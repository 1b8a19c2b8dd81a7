// Packed, register-blocked single-precision GEMM on SIMD128: C (+)= A·B (+ row bias).
//
// Every convolution kernel lowers to this one routine (see im2col.ts). Operands are described
// by strides, so the transposed products the backward passes need (Aᵀ·B, A·Bᵀ) cost only a
// different packing routine: A(i, k) = a[i*aRow + k*aCol], B(k, j) = b[k*bRow + j*bCol].
//
// Structure (Goto/BLIS): for each NC-wide block of columns and KC-deep slice of the
// reduction, B is packed once into NR-wide panels; for each MC-tall block of rows, A is packed
// into MR-tall panels; then an MR x NR micro-kernel keeps its tile of C in registers across
// the whole KC slice. Packing makes every micro-kernel load sequential and aligned, whatever
// the operands' strides, and the blocking keeps a B panel in L1 and the A block in L2.
//
// Two deviations from the textbook, both for convolutions: A (the weights) can be packed once
// and reused for every chunk and image (gemmPackA), and when A has a single panel B is read
// in place, since packing it would cost a pass over memory that is never paid back.
//
// The micro-kernel is 4 x 8: 8 accumulators + 2 B vectors + a broadcast A value + a product
// is 12 v128 registers. V8 gives wasm 15 xmm registers on x64 (xmm15 is its scratch); a
// 6 x 8 tile needs 16 and would spill. In L1/L2 this kernel measured about 34 GFLOP/s on one
// core whose mul+add peak is about 39.
// Plain SIMD128 has no fused multiply-add, so each step is mul + add; the relaxed-SIMD build
// of this module (ASC_FEATURE_RELAXED_SIMD) uses f32x4.relaxed_madd, one FMA where the
// hardware has it, which halves the floating-point instructions of the inner loop.
//
// The k loop is not unrolled: V8 compiles each step to 22 SIMD instructions plus about 10 of
// loop bookkeeping (counter, pointers, its interrupt check), but an unrolled-by-two body
// measured 20-25% slower on every conv shape (TurboFan then spills accumulators).
//
// Loop order inside a block: A panel outer, B panels inner. The 4-row A panel (4 KiB at
// KC=256) stays in L1 while the B block (KC x NC, 512 KiB) streams from L2, and consecutive
// tiles walk along the same 4 rows of C. The opposite order walks down C's columns, and with
// a row pitch that is a multiple of 4 KiB (every power-of-two image width) those rows all
// fall into one L1 set and evict each other.

import { madd } from './simd';

const MR: i32 = 4;
const NR: i32 = 8;
const KC: i32 = 256;
const MC: i32 = 128;
const NC: i32 = 512;

/** Bytes of workspace gemmF32 needs: packed A block, packed B block, one edge tile, one edge B panel. */
export function gemmWorkBytes(): usize {
  return (<usize>(MC * KC + KC * NC + MR * NR + KC * NR)) << 2;
}

/** Columns per panel of a B operand packed by the caller (gemmPackedSlice). */
export const GEMM_NR: i32 = NR;
/** Depth of the reduction slices (gemmPackedSlice). */
export const GEMM_KC: i32 = KC;

/**
 * C[m, n] = A·B (+ bias[i] on row i), or C += A·B when `accumulate` (bias then ignored).
 * C is row-major with leading dimension ldc (floats). `bias` 0 means none. `work` holds
 * gemmWorkBytes() bytes, 16-byte aligned.
 */
export function gemmF32(
  m: i32,
  n: i32,
  k: i32,
  a: usize,
  aRow: i32,
  aCol: i32,
  b: usize,
  bRow: i32,
  bCol: i32,
  c: usize,
  ldc: i32,
  accumulate: bool,
  bias: usize,
  work: usize,
): void {
  gemmCore(m, n, k, a, aRow, aCol, 0, b, bRow, bCol, c, ldc, accumulate, bias, work);
}

/** Bytes of an A operand packed by gemmPackA. */
export function gemmPackedABytes(m: i32, k: i32): usize {
  return (<usize>roundUp(m, MR) * <usize>max<i32>(k, 0)) << 2;
}

/**
 * Packs all of A[m, k] once, for an A that multiplies many B's (the weights, across chunks
 * of columns and images): KC-deep slices one after the other, each as gemmF32 would pack it.
 */
export function gemmPackA(m: i32, k: i32, a: usize, aRow: i32, aCol: i32, dst: usize): void {
  const mPad = roundUp(m, MR);
  for (let pc = 0; pc < k; pc += KC) {
    packABlock(a, aRow, aCol, 0, m, pc, min<i32>(KC, k - pc), dst + ((<usize>pc * <usize>mPad) << 2));
  }
}

/** gemmF32 with A already packed by gemmPackA. */
export function gemmF32PackedA(
  m: i32,
  n: i32,
  k: i32,
  packedA: usize,
  b: usize,
  bRow: i32,
  bCol: i32,
  c: usize,
  ldc: i32,
  accumulate: bool,
  bias: usize,
  work: usize,
): void {
  gemmCore(m, n, k, 0, 0, 0, packedA, b, bRow, bCol, c, ldc, accumulate, bias, work);
}

/**
 * One KC-deep slice of C[m, n] (+)= A·B, for a caller that packs B itself: A packed by
 * gemmPackA over the whole reduction k, this slice's rows [pc, pc + kc) of B packed as
 * NR-column panels (panel q holds, for each of the kc rows, NR consecutive floats, zero past
 * column n; panels kc*NR floats apart). `first` overwrites C (adding bias[i] to row i),
 * later slices add to it. A convolution lowers its image straight into this layout
 * (im2col.ts lowerPanels), which saves the pass that would copy im2col's rows into panels.
 */
export function gemmPackedSlice(
  m: i32,
  n: i32,
  k: i32,
  pc: i32,
  kc: i32,
  packedA: usize,
  bSlice: usize,
  c: usize,
  ldc: i32,
  first: bool,
  bias: usize,
  work: usize,
): void {
  const mPad = roundUp(m, MR);
  const panelBytes = (<usize>kc * <usize>NR) << 2;
  for (let ic = 0; ic < m; ic += MC) {
    const mc = min<i32>(MC, m - ic);
    const aBlock = packedA + ((<usize>pc * <usize>mPad + <usize>ic * <usize>kc) << 2);
    const cBlock = c + ((<usize>ic * <usize>ldc) << 2);
    const biasBlock = bias != 0 ? bias + ((<usize>ic) << 2) : 0;
    macroKernel(mc, n, kc, aBlock, bSlice, panelBytes, 0, 0, cBlock, ldc, first, biasBlock, work);
  }
}

// @ts-ignore: decorator
@inline
function roundUp(x: i32, m: i32): i32 {
  return ((x + m - 1) / m) * m;
}

/** The blocked loops; A comes as strides (a, aRow, aCol) or prepacked (packedA != 0). */
function gemmCore(
  m: i32,
  n: i32,
  k: i32,
  a: usize,
  aRow: i32,
  aCol: i32,
  packedA: usize,
  b: usize,
  bRow: i32,
  bCol: i32,
  c: usize,
  ldc: i32,
  accumulate: bool,
  bias: usize,
  work: usize,
): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    // An empty reduction: the product is zero, but every output element is still written.
    if (!accumulate) gemmFillRows(c, ldc, m, n, bias);
    return;
  }
  const packA = work;
  const packB = work + ((<usize>(MC * KC)) << 2);
  const tile = packB + ((<usize>(KC * NC)) << 2);
  const mPad = roundUp(m, MR);
  // With a single A panel (m <= MR) each B panel is used once, so packing B would only add a
  // pass over memory: the micro-kernel then reads rows of B in place (when they are
  // contiguous). Convs with few output channels are bound by memory traffic, so this counts.
  const inPlaceB = m <= MR && bCol == 1;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min<i32>(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min<i32>(KC, k - pc);
      if (!inPlaceB) packBBlock(b, bRow, bCol, pc, kc, jc, nc, packB);
      const bBlock = inPlaceB ? b + ((<usize>pc * <usize>bRow + <usize>jc) << 2) : 0;
      // The first slice of the reduction overwrites C (uninitialized memory), later ones add.
      const first = pc == 0 && !accumulate;
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min<i32>(MC, m - ic);
        let aBlock = packA;
        if (packedA != 0) aBlock = packedA + ((<usize>pc * <usize>mPad + <usize>ic * <usize>kc) << 2);
        else packABlock(a, aRow, aCol, ic, mc, pc, kc, packA);
        const cBlock = c + ((<usize>ic * <usize>ldc + <usize>jc) << 2);
        const biasBlock = bias != 0 ? bias + ((<usize>ic) << 2) : 0;
        const panelBytes = (<usize>kc * <usize>NR) << 2;
        macroKernel(mc, nc, kc, aBlock, packB, panelBytes, bBlock, bRow, cBlock, ldc, first, biasBlock, tile);
      }
    }
  }
}

function gemmFillRows(c: usize, ldc: i32, m: i32, n: i32, bias: usize): void {
  for (let i = 0; i < m; i++) {
    const v: f32 = bias != 0 ? load<f32>(bias + ((<usize>i) << 2)) : 0;
    const row = c + ((<usize>i * <usize>ldc) << 2);
    for (let j = 0; j < n; j++) store<f32>(row + ((<usize>j) << 2), v);
  }
}

/** Packs A[i0:i0+mc, k0:k0+kc] into MR-row panels: panel p holds, per k, MR consecutive rows. */
function packABlock(a: usize, aRow: i32, aCol: i32, i0: i32, mc: i32, k0: i32, kc: i32, dst: usize): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = min<i32>(MR, mc - ir);
    const d = dst + ((<usize>ir * <usize>kc) << 2);
    const i = i0 + ir;
    if (mr == MR && aCol == 1) {
      // Rows contiguous along k (A = weights or dy): 4 rows x 4 k, transposed in registers.
      const r0 = a + ((<usize>i * <usize>aRow + <usize>k0) << 2);
      const rs = (<usize>aRow) << 2;
      const r1 = r0 + rs;
      const r2 = r1 + rs;
      const r3 = r2 + rs;
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const o = (<usize>p) << 2;
        transpose4Store(v128.load(r0 + o), v128.load(r1 + o), v128.load(r2 + o), v128.load(r3 + o), d + (o << 2), 16);
      }
      for (; p < kc; p++) {
        const o = (<usize>p) << 2;
        const t = d + (o << 2);
        store<f32>(t, load<f32>(r0 + o));
        store<f32>(t, load<f32>(r1 + o), 4);
        store<f32>(t, load<f32>(r2 + o), 8);
        store<f32>(t, load<f32>(r3 + o), 12);
      }
    } else if (mr == MR && aRow == 1) {
      // Columns contiguous along i (A = transposed weights): one vector per k.
      const cs = (<usize>aCol) << 2;
      let s = a + ((<usize>i + <usize>k0 * <usize>aCol) << 2);
      for (let p = 0; p < kc; p++) {
        v128.store(d + ((<usize>p) << 4), v128.load(s));
        s += cs;
      }
    } else {
      // Edge panel (or odd strides): zero-pad the missing rows so the micro-kernel need not care.
      for (let p = 0; p < kc; p++) {
        for (let ii = 0; ii < MR; ii++) {
          let v: f32 = 0;
          if (ii < mr) v = load<f32>(a + ((<usize>(i + ii) * <usize>aRow + <usize>(k0 + p) * <usize>aCol) << 2));
          store<f32>(d + ((<usize>(p * MR + ii)) << 2), v);
        }
      }
    }
  }
}

/** Packs B[k0:k0+kc, j0:j0+nc] into NR-column panels: panel p holds, per k, NR consecutive columns. */
function packBBlock(b: usize, bRow: i32, bCol: i32, k0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = min<i32>(NR, nc - jr);
    const d = dst + ((<usize>jr * <usize>kc) << 2);
    const j = j0 + jr;
    if (nr == NR && bCol == 1) {
      // Rows contiguous along j (B = im2col columns or dy): two vectors per k.
      const rs = (<usize>bRow) << 2;
      let s = b + ((<usize>k0 * <usize>bRow + <usize>j) << 2);
      for (let p = 0; p < kc; p++) {
        const t = d + ((<usize>p) << 5);
        v128.store(t, v128.load(s));
        v128.store(t, v128.load(s, 16), 16);
        s += rs;
      }
    } else if (nr == NR && bRow == 1) {
      // Columns contiguous along k (B = transposed im2col, for weight gradients):
      // read 4 k of each of 8 columns and transpose in two 4x4 blocks.
      const cs = (<usize>bCol) << 2;
      const c0 = b + ((<usize>k0 + <usize>j * <usize>bCol) << 2);
      const c1 = c0 + cs;
      const c2 = c1 + cs;
      const c3 = c2 + cs;
      const c4 = c3 + cs;
      const c5 = c4 + cs;
      const c6 = c5 + cs;
      const c7 = c6 + cs;
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const o = (<usize>p) << 2;
        const t = d + (o << 3);
        transpose4Store(v128.load(c0 + o), v128.load(c1 + o), v128.load(c2 + o), v128.load(c3 + o), t, 32);
        transpose4Store(v128.load(c4 + o), v128.load(c5 + o), v128.load(c6 + o), v128.load(c7 + o), t + 16, 32);
      }
      for (; p < kc; p++) {
        const o = (<usize>p) << 2;
        const t = d + (o << 3);
        store<f32>(t, load<f32>(c0 + o));
        store<f32>(t, load<f32>(c1 + o), 4);
        store<f32>(t, load<f32>(c2 + o), 8);
        store<f32>(t, load<f32>(c3 + o), 12);
        store<f32>(t, load<f32>(c4 + o), 16);
        store<f32>(t, load<f32>(c5 + o), 20);
        store<f32>(t, load<f32>(c6 + o), 24);
        store<f32>(t, load<f32>(c7 + o), 28);
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let jj = 0; jj < NR; jj++) {
          let v: f32 = 0;
          if (jj < nr) v = load<f32>(b + ((<usize>(k0 + p) * <usize>bRow + <usize>(j + jj) * <usize>bCol) << 2));
          store<f32>(d + ((<usize>(p * NR + jj)) << 2), v);
        }
      }
    }
  }
}

/** Stores the transpose of the 4x4 block with rows r0..r3: column q goes to dst + q*step. */
// @ts-ignore: decorator
@inline
function transpose4Store(r0: v128, r1: v128, r2: v128, r3: v128, dst: usize, step: usize): void {
  const t0 = f32x4.shuffle(r0, r1, 0, 4, 1, 5);
  const t1 = f32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const t2 = f32x4.shuffle(r0, r1, 2, 6, 3, 7);
  const t3 = f32x4.shuffle(r2, r3, 2, 6, 3, 7);
  v128.store(dst, f32x4.shuffle(t0, t1, 0, 1, 4, 5));
  v128.store(dst + step, f32x4.shuffle(t0, t1, 2, 3, 6, 7));
  v128.store(dst + 2 * step, f32x4.shuffle(t2, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * step, f32x4.shuffle(t2, t3, 2, 3, 6, 7));
}

/**
 * All tiles of one (MC x KC) A block times one (KC x NC) B block. B comes packed (bBlock 0;
 * NR-column panels panelBytes apart, NR floats per row) or, in place, as rows of stride bRow
 * starting at bBlock; a ragged last panel is then packed on the fly into the workspace,
 * since reading NR columns in place would run past the end of the rows. `work` holds the
 * edge tile (MR*NR floats) then that edge panel (KC*NR floats).
 */
function macroKernel(
  mc: i32,
  nc: i32,
  kc: i32,
  packA: usize,
  packB: usize,
  panelBytes: usize,
  bBlock: usize,
  bRow: i32,
  c: usize,
  ldc: i32,
  first: bool,
  bias: usize,
  work: usize,
): void {
  const ldcBytes = (<usize>ldc) << 2;
  const edgePanel = work + ((<usize>(MR * NR)) << 2);
  let edgeB: usize = 0;
  if (bBlock != 0 && nc % NR != 0) {
    const jr = nc - (nc % NR);
    packBBlock(bBlock + ((<usize>jr) << 2), bRow, 1, 0, kc, 0, nc - jr, edgePanel);
    edgeB = edgePanel;
  }
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = min<i32>(MR, mc - ir);
    const pa = packA + ((<usize>ir * <usize>kc) << 2);
    const bt = bias != 0 ? bias + ((<usize>ir) << 2) : 0;
    const cRow = c + <usize>ir * ldcBytes;
    for (let jr = 0; jr < nc; jr += NR) {
      const nr = min<i32>(NR, nc - jr);
      let pb: usize;
      let bStep: usize = NR << 2;
      if (bBlock == 0) {
        pb = packB + <usize>(jr / NR) * panelBytes;
      } else if (nr == NR) {
        pb = bBlock + ((<usize>jr) << 2);
        bStep = (<usize>bRow) << 2;
      } else {
        pb = edgeB;
      }
      microKernel(kc, pa, pb, bStep, cRow + ((<usize>jr) << 2), ldcBytes, first, bt, mr, nr, work);
    }
  }
}

/** One MR x NR tile of C over a KC slice, accumulated in registers; B rows are bStep bytes apart. */
function microKernel(
  kc: i32,
  pa: usize,
  pb: usize,
  bStep: usize,
  c: usize,
  ldcBytes: usize,
  first: bool,
  bias: usize,
  mr: i32,
  nr: i32,
  tile: usize,
): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = madd(c00, a, b0);
    c01 = madd(c01, a, b1);
    a = v128.load32_splat(pa, 4);
    c10 = madd(c10, a, b0);
    c11 = madd(c11, a, b1);
    a = v128.load32_splat(pa, 8);
    c20 = madd(c20, a, b0);
    c21 = madd(c21, a, b1);
    a = v128.load32_splat(pa, 12);
    c30 = madd(c30, a, b0);
    c31 = madd(c31, a, b1);
    pa += 16;
    pb += bStep;
  }
  if (mr == MR && nr == NR) {
    const r0 = c;
    const r1 = r0 + ldcBytes;
    const r2 = r1 + ldcBytes;
    const r3 = r2 + ldcBytes;
    if (first && bias != 0) {
      let v = v128.load32_splat(bias);
      c00 = f32x4.add(c00, v);
      c01 = f32x4.add(c01, v);
      v = v128.load32_splat(bias, 4);
      c10 = f32x4.add(c10, v);
      c11 = f32x4.add(c11, v);
      v = v128.load32_splat(bias, 8);
      c20 = f32x4.add(c20, v);
      c21 = f32x4.add(c21, v);
      v = v128.load32_splat(bias, 12);
      c30 = f32x4.add(c30, v);
      c31 = f32x4.add(c31, v);
    } else if (!first) {
      c00 = f32x4.add(c00, v128.load(r0));
      c01 = f32x4.add(c01, v128.load(r0, 16));
      c10 = f32x4.add(c10, v128.load(r1));
      c11 = f32x4.add(c11, v128.load(r1, 16));
      c20 = f32x4.add(c20, v128.load(r2));
      c21 = f32x4.add(c21, v128.load(r2, 16));
      c30 = f32x4.add(c30, v128.load(r3));
      c31 = f32x4.add(c31, v128.load(r3, 16));
    }
    v128.store(r0, c00);
    v128.store(r0, c01, 16);
    v128.store(r1, c10);
    v128.store(r1, c11, 16);
    v128.store(r2, c20);
    v128.store(r2, c21, 16);
    v128.store(r3, c30);
    v128.store(r3, c31, 16);
    return;
  }
  // Edge tile: spill the registers and write only the valid part (padding rows and
  // columns of the packed panels were zeros, but C has no room for them).
  v128.store(tile, c00);
  v128.store(tile, c01, 16);
  v128.store(tile, c10, 32);
  v128.store(tile, c11, 48);
  v128.store(tile, c20, 64);
  v128.store(tile, c21, 80);
  v128.store(tile, c30, 96);
  v128.store(tile, c31, 112);
  for (let ii = 0; ii < mr; ii++) {
    const row = c + <usize>ii * ldcBytes;
    const src = tile + ((<usize>(ii * NR)) << 2);
    // Bias is read only for valid rows: reading past the end of the bias tensor could trap.
    const bv: f32 = first && bias != 0 ? load<f32>(bias + ((<usize>ii) << 2)) : 0;
    for (let jj = 0; jj < nr; jj++) {
      const o = (<usize>jj) << 2;
      let v = load<f32>(src + o) + bv;
      if (!first) v += load<f32>(row + o);
      store<f32>(row + o, v);
    }
  }
}
