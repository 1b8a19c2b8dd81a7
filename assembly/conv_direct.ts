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

/** 8 output pixels (from dst) of every output channel, over all cIn*kh*kw taps. */
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
  for (let c = 0; c < cIn; c++) {
    let row = src + <usize>c * planeBytes;
    for (let ki = 0; ki < kh; ki++) {
      let px = row;
      for (let kj = 0; kj < kw; kj++) {
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
      row += rowBytes;
    }
  }
  storeRow(dst, c00, c01, bias, 0);
  if (cOut > 1) storeRow(dst + outPlaneBytes, c10, c11, bias, 1);
  if (cOut > 2) storeRow(dst + 2 * outPlaneBytes, c20, c21, bias, 2);
  if (cOut > 3) storeRow(dst + 3 * outPlaneBytes, c30, c31, bias, 3);
}

// @ts-ignore: decorator
@inline
function storeRow(dst: usize, lo: v128, hi: v128, bias: usize, co: i32): void {
  if (bias != 0) {
    const b = v128.load32_splat(bias + ((<usize>co) << 2));
    lo = f32x4.add(lo, b);
    hi = f32x4.add(hi, b);
  }
  v128.store(dst, lo);
  v128.store(dst, hi, 16);
}
