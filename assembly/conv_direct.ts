// Direct (im2col-free) forward convolution for layers with at most 4 output channels: the
// generator's last 7x7 conv (64 -> 3) and similar heads. Lowered to a GEMM, such a layer has a
// single 4-row panel of weights, so each lowered pixel is used for only 3 rows of products and
// writing and re-reading the lowered columns costs more than the arithmetic. Here the
// micro-kernel reads the image in place instead: for 8 consecutive output pixels of one row
// and all (up to 4) output channels, 8 accumulators run over every (c, ki, kj) tap, loading
// the 8 input pixels under the tap straight from the image row.
// Valid windows only (stride 1, no padding): the generator pads with ReflectionPad2d first.
import { madd } from './simd';
import { nextUnit } from './tasks';
import { GEMM_KC } from './gemm';

const LANES: i32 = 8; // output pixels per strip (two f32x4)
const CO: i32 = 4; // output channels per strip (the weights are packed 4 per tap)

/** True when conv2dDirect can run this conv: ≤ 4 output channels, stride 1, no padding, ow >= 8. */
export function conv2dDirectFits(cOut: i32, sh: i32, sw: i32, ph: i32, pw: i32, ow: i32): bool {
  return cOut >= 1 && cOut <= CO && sh == 1 && sw == 1 && ph == 0 && pw == 0 && ow >= LANES;
}

/** Scratch bytes of conv2dDirect: the weights repacked as 4 output channels per tap. */
export function conv2dDirectBytes(cIn: i32, kh: i32, kw: i32): usize {
  return (<usize>cIn * <usize>kh * <usize>kw * <usize>CO) << 2;
}

/**
 * y = conv2d(x, weight) + bias, for a conv where conv2dDirectFits. The units of work are
 * output rows of one image (tasks.ts), claimed by the `parts` threads of the call.
 */
export function conv2dDirect(
  x: usize,
  weight: usize,
  bias: usize,
  y: usize,
  work: usize,
  n: i32,
  cIn: i32,
  h: i32,
  w: i32,
  cOut: i32,
  kh: i32,
  kw: i32,
  oh: i32,
  ow: i32,
  parts: i32,
): void {
  const k = cIn * kh * kw;
  // work[r][co] = weight[co, r], zero for co >= cOut: one 16-byte row per tap.
  for (let r = 0; r < k; r++) {
    for (let co = 0; co < CO; co++) {
      const v: f32 = co < cOut ? load<f32>(weight + ((<usize>co * <usize>k + <usize>r) << 2)) : 0;
      store<f32>(work + ((<usize>(r * CO + co)) << 2), v);
    }
  }
  const planeBytes = (<usize>h * <usize>w) << 2;
  const outPlaneBytes = (<usize>oh * <usize>ow) << 2;
  for (let u = nextUnit(-1, parts); u < n * oh; u = nextUnit(u, parts)) {
    const i = u / oh;
    const oy = u - i * oh;
    const img = x + <usize>i * <usize>cIn * planeBytes;
    const out = y + <usize>i * <usize>cOut * outPlaneBytes;
    // The last strip of a row is shifted left to end at ow: it recomputes a few pixels of
    // the previous strip (same values) instead of taking a scalar path for the remainder.
    for (let ox0 = 0; ox0 < ow; ox0 += LANES) {
      const ox = min<i32>(ox0, ow - LANES);
      const src = img + ((<usize>oy * <usize>w + <usize>ox) << 2);
      const dst = out + ((<usize>oy * <usize>ow + <usize>ox) << 2);
      directStrip(src, work, dst, outPlaneBytes, planeBytes, w, cIn, kh, kw, cOut, bias);
    }
  }
}

/**
 * 8 output pixels (from dst) of every output channel, over all cIn*kh*kw taps. The taps are
 * summed in slices of GEMM_KC, each slice in registers from zero and then added to the
 * output, exactly as the lowered GEMM would: the result is bitwise the same as the im2col
 * path's, so switching paths changes no rounding (training runs compared with PyTorch step
 * by step are sensitive to that).
 */
function directStrip(
  src: usize,
  wp: usize,
  dst: usize,
  outPlaneBytes: usize,
  planeBytes: usize,
  w: i32,
  cIn: i32,
  kh: i32,
  kw: i32,
  cOut: i32,
  bias: usize,
): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  const rowBytes = (<usize>w) << 2;
  let inSlice = 0;
  let first = true;
  for (let c = 0; c < cIn; c++) {
    let row = src + <usize>c * planeBytes;
    for (let ki = 0; ki < kh; ki++) {
      let px = row;
      let kj = 0;
      while (kj < kw) {
        // The taps up to the end of this row or of this slice, whichever comes first: the
        // slice check stays out of the innermost loop (inside it, V8 spilled accumulators).
        const run = min<i32>(kw - kj, GEMM_KC - inSlice);
        for (let t = 0; t < run; t++) {
          const b0 = v128.load(px);
          const b1 = v128.load(px, 16);
          let a = v128.load32_splat(wp);
          c00 = madd(c00, a, b0);
          c01 = madd(c01, a, b1);
          a = v128.load32_splat(wp, 4);
          c10 = madd(c10, a, b0);
          c11 = madd(c11, a, b1);
          a = v128.load32_splat(wp, 8);
          c20 = madd(c20, a, b0);
          c21 = madd(c21, a, b1);
          a = v128.load32_splat(wp, 12);
          c30 = madd(c30, a, b0);
          c31 = madd(c31, a, b1);
          wp += CO << 2;
          px += 4;
        }
        kj += run;
        inSlice += run;
        if (inSlice == GEMM_KC) {
          flushRow(dst, c00, c01, bias, 0, first);
          if (cOut > 1) flushRow(dst + outPlaneBytes, c10, c11, bias, 1, first);
          if (cOut > 2) flushRow(dst + 2 * outPlaneBytes, c20, c21, bias, 2, first);
          if (cOut > 3) flushRow(dst + 3 * outPlaneBytes, c30, c31, bias, 3, first);
          c00 = f32x4.splat(0);
          c01 = f32x4.splat(0);
          c10 = f32x4.splat(0);
          c11 = f32x4.splat(0);
          c20 = f32x4.splat(0);
          c21 = f32x4.splat(0);
          c30 = f32x4.splat(0);
          c31 = f32x4.splat(0);
          inSlice = 0;
          first = false;
        }
      }
      row += rowBytes;
    }
  }
  if (inSlice > 0 || first) {
    flushRow(dst, c00, c01, bias, 0, first);
    if (cOut > 1) flushRow(dst + outPlaneBytes, c10, c11, bias, 1, first);
    if (cOut > 2) flushRow(dst + 2 * outPlaneBytes, c20, c21, bias, 2, first);
    if (cOut > 3) flushRow(dst + 3 * outPlaneBytes, c30, c31, bias, 3, first);
  }
}

/** Slice sums to the output row: the first slice stores them (+ bias), later ones add to it. */
// @ts-ignore: decorator
@inline
function flushRow(dst: usize, lo: v128, hi: v128, bias: usize, co: i32, first: bool): void {
  if (first) {
    if (bias != 0) {
      const b = v128.load32_splat(bias + ((<usize>co) << 2));
      lo = f32x4.add(lo, b);
      hi = f32x4.add(hi, b);
    }
  } else {
    lo = f32x4.add(lo, v128.load(dst));
    hi = f32x4.add(hi, v128.load(dst, 16));
  }
  v128.store(dst, lo);
  v128.store(dst, hi, 16);
}

/**
 * dweight = Σ_n dy[n] ⋆ x[n] for a conv where conv2dDirectFits (the weight gradient of the
 * same layers). Lowered, it is a GEMM with at most 4 rows whose reduction runs over every
 * pixel: the lowered columns would be written, transposed into panels and read once. Here
 * each weight tap is a dot product of a dy row and a shifted x row, read in place: for one
 * (c, ki) and two neighbouring kj, 8 accumulators (4 output channels x 2 taps) run over all
 * images and rows, 4 pixels at a time. The units of work are the (c, ki) pairs.
 */
export function conv2dDirectGradWeight(
  dy: usize,
  x: usize,
  dweight: usize,
  n: i32,
  cIn: i32,
  h: i32,
  w: i32,
  cOut: i32,
  kh: i32,
  kw: i32,
  oh: i32,
  ow: i32,
  parts: i32,
): void {
  const planeBytes = (<usize>h * <usize>w) << 2;
  const outPlaneBytes = (<usize>oh * <usize>ow) << 2;
  const khw = kh * kw;
  for (let u = nextUnit(-1, parts); u < cIn * kh; u = nextUnit(u, parts)) {
    const c = u / kh;
    const ki = u - c * kh;
    for (let kj = 0; kj < kw; kj += 2) {
      const pair = kj + 1 < kw;
      let a00 = f32x4.splat(0);
      let a01 = f32x4.splat(0);
      let a10 = f32x4.splat(0);
      let a11 = f32x4.splat(0);
      let a20 = f32x4.splat(0);
      let a21 = f32x4.splat(0);
      let a30 = f32x4.splat(0);
      let a31 = f32x4.splat(0);
      // Scalar remainders of rows whose width is not a multiple of 4, per (co, tap).
      let r00: f32 = 0, r01: f32 = 0, r10: f32 = 0, r11: f32 = 0;
      let r20: f32 = 0, r21: f32 = 0, r30: f32 = 0, r31: f32 = 0;
      for (let i = 0; i < n; i++) {
        const img = x + (<usize>i * <usize>cIn + <usize>c) * planeBytes;
        const grads = dy + <usize>i * <usize>cOut * outPlaneBytes;
        // Output channels past cOut re-read channel 0; their sums are never stored.
        const g1 = grads + (cOut > 1 ? outPlaneBytes : 0);
        const g2 = grads + (cOut > 2 ? 2 * outPlaneBytes : 0);
        const g3 = grads + (cOut > 3 ? 3 * outPlaneBytes : 0);
        for (let oy = 0; oy < oh; oy++) {
          const xr = img + ((<usize>(oy + ki) * <usize>w + <usize>kj) << 2);
          const o = (<usize>oy * <usize>ow) << 2;
          let ox = 0;
          for (; ox + 4 <= ow; ox += 4) {
            const q = (<usize>ox) << 2;
            const xa = v128.load(xr + q);
            // The second tap's vector, when kj+1 is a tap: one float further along the row.
            const xb = pair ? v128.load(xr + q, 4) : xa;
            const d0 = v128.load(grads + o + q);
            const d1 = v128.load(g1 + o + q);
            const d2 = v128.load(g2 + o + q);
            const d3 = v128.load(g3 + o + q);
            a00 = madd(a00, d0, xa);
            a01 = madd(a01, d0, xb);
            a10 = madd(a10, d1, xa);
            a11 = madd(a11, d1, xb);
            a20 = madd(a20, d2, xa);
            a21 = madd(a21, d2, xb);
            a30 = madd(a30, d3, xa);
            a31 = madd(a31, d3, xb);
          }
          for (; ox < ow; ox++) {
            const q = (<usize>ox) << 2;
            const va = load<f32>(xr + q);
            const vb = pair ? load<f32>(xr + q, 4) : va;
            const e0 = load<f32>(grads + o + q);
            const e1 = load<f32>(g1 + o + q);
            const e2 = load<f32>(g2 + o + q);
            const e3 = load<f32>(g3 + o + q);
            r00 += e0 * va;
            r01 += e0 * vb;
            r10 += e1 * va;
            r11 += e1 * vb;
            r20 += e2 * va;
            r21 += e2 * vb;
            r30 += e3 * va;
            r31 += e3 * vb;
          }
        }
      }
      // dweight[co, c, ki, kj] (and kj + 1)
      const at = dweight + ((<usize>(c * khw + ki * kw + kj)) << 2);
      const coBytes = (<usize>cIn * <usize>khw) << 2;
      storeTap(at, a00, r00, a01, r01, pair);
      if (cOut > 1) storeTap(at + coBytes, a10, r10, a11, r11, pair);
      if (cOut > 2) storeTap(at + 2 * coBytes, a20, r20, a21, r21, pair);
      if (cOut > 3) storeTap(at + 3 * coBytes, a30, r30, a31, r31, pair);
    }
  }
}

/** Stores the lane sums (plus the scalar remainder) of one or two neighbouring taps. */
// @ts-ignore: decorator
@inline
function storeTap(at: usize, a: v128, ra: f32, b: v128, rb: f32, pair: bool): void {
  store<f32>(at, laneSum(a) + ra);
  if (pair) store<f32>(at, laneSum(b) + rb, 4);
}

// @ts-ignore: decorator
@inline
function laneSum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}
