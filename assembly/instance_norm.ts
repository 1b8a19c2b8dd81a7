// Instance norm over each (n, c) plane of hw floats, forward and backward, like PyTorch's
// F.instance_norm without running statistics (biased variance). Kernel names match
// src/ops/instance_norm.ts and kernels/*.wgsl.
//
// Accuracy: a plane can hold 65536 floats with a large common offset (images around 100 +- 1),
// where a plain f32 running sum loses the mean and E[x^2] - E[x]^2 loses the variance outright.
// So: two passes (mean, then squared deviations from it), each summing short blocks in f32x4
// lanes (fast, and a short f32 sum is exact enough) and folding every block into f64 lanes.
// The second pass also sums the deviations themselves: that sum is what the f32 rounding of the
// mean lost, and correcting for it (the "corrected two-pass" algorithm of Chan, Golub and
// LeVeque) keeps y and the variance accurate even for an offset 1e5 times the spread. The saved
// mean is the f32 one; the backward recovers the same correction from x.

/** Floats summed in f32x4 lanes before a block is folded into the f64 accumulators. */
const BLOCK: i32 = 64;

// Block-sum accumulators. Module globals rather than return values, because a kernel cannot
// allocate a tuple; kernels run one at a time, so sharing them is safe.
let accA: f64 = 0;
let accB: f64 = 0;
let accC: f64 = 0;

/** Sum of the four f32 lanes of `a`, in f64. */
@inline
function hsum(a: v128): f64 {
  const lo = f64x2.promote_low_f32x4(a);
  const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(a, a, 2, 3, 0, 1));
  const s = f64x2.add(lo, hi);
  return f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
}

/** accA = sum of the hw floats at p. */
function planeSum(p: usize, hw: i32): void {
  const hw4 = hw & ~3;
  let total: f64 = 0;
  let i = 0;
  while (i < hw4) {
    const end = min(i + BLOCK, hw4);
    let a = f32x4.splat(0);
    for (; i < end; i += 4) a = f32x4.add(a, v128.load(p + (<usize>i << 2)));
    total += hsum(a);
  }
  for (; i < hw; i++) total += <f64>load<f32>(p + (<usize>i << 2));
  accA = total;
}

/** accA = sum of (x - m), accB = sum of (x - m)^2 over the hw floats at p. */
function planeDeviations(p: usize, hw: i32, m: f32): void {
  const hw4 = hw & ~3;
  const mv = f32x4.splat(m);
  let sd: f64 = 0;
  let sq: f64 = 0;
  let i = 0;
  while (i < hw4) {
    const end = min(i + BLOCK, hw4);
    let a = f32x4.splat(0);
    let b = f32x4.splat(0);
    for (; i < end; i += 4) {
      const d = f32x4.sub(v128.load(p + (<usize>i << 2)), mv);
      a = f32x4.add(a, d);
      b = f32x4.add(b, f32x4.mul(d, d));
    }
    sd += hsum(a);
    sq += hsum(b);
  }
  for (; i < hw; i++) {
    const d = <f64>(load<f32>(p + (<usize>i << 2)) - m);
    sd += d;
    sq += d * d;
  }
  accA = sd;
  accB = sq;
}

/**
 * accA = sum of dy, accB = sum of dy * (x - m), accC = sum of (x - m) over one plane of hw
 * floats (accC recovers the rounding of the saved f32 mean, as in the forward).
 */
function planeGradSums(dy: usize, x: usize, hw: i32, m: f32): void {
  const hw4 = hw & ~3;
  const mv = f32x4.splat(m);
  let s1: f64 = 0;
  let s2: f64 = 0;
  let s3: f64 = 0;
  let i = 0;
  while (i < hw4) {
    const end = min(i + BLOCK, hw4);
    let a = f32x4.splat(0);
    let b = f32x4.splat(0);
    let c = f32x4.splat(0);
    for (; i < end; i += 4) {
      const o = <usize>i << 2;
      const g = v128.load(dy + o);
      const d = f32x4.sub(v128.load(x + o), mv);
      a = f32x4.add(a, g);
      b = f32x4.add(b, f32x4.mul(g, d));
      c = f32x4.add(c, d);
    }
    s1 += hsum(a);
    s2 += hsum(b);
    s3 += hsum(c);
  }
  for (; i < hw; i++) {
    const o = <usize>i << 2;
    const g = <f64>load<f32>(dy + o);
    const d = <f64>(load<f32>(x + o) - m);
    s1 += g;
    s2 += g * d;
    s3 += d;
  }
  accA = s1;
  accB = s2;
  accC = s3;
}

/**
 * y = (x - mean) * invStd * weight[c] + bias[c] per plane; also writes mean and invStd
 * ([n*c] each) for the backward. weight and bias are read only when affine != 0.
 */
export function instanceNorm2d(
  x: usize,
  weight: usize,
  bias: usize,
  y: usize,
  mean: usize,
  invStd: usize,
  n: i32,
  c: i32,
  hw: i32,
  eps: f32,
  affine: i32,
): void {
  const hw4 = hw & ~3;
  const planes = n * c;
  for (let pl = 0; pl < planes; pl++) {
    const off = <usize>pl * <usize>hw << 2;
    const xp = x + off;
    const yp = y + off;

    planeSum(xp, hw);
    const m = <f32>(accA / <f64>hw);
    planeDeviations(xp, hw, m);
    // Biased variance about the exact mean m + accA/hw, not about the rounded m.
    const var_ = max<f64>((accB - (accA * accA) / <f64>hw) / <f64>hw, 0);
    const inv = 1.0 / Math.sqrt(var_ + <f64>eps);
    store<f32>(mean + (<usize>pl << 2), m);
    store<f32>(invStd + (<usize>pl << 2), <f32>inv);

    // m is the f32-rounded mean; r = mean(x - m) is what that rounding lost. Subtracting it
    // after the exact x - m keeps y accurate even when the offset dwarfs the spread.
    const r = <f32>(accA / <f64>hw);
    let scale = <f32>inv;
    let shift: f32 = 0;
    if (affine) {
      const ch = <usize>(pl % c) << 2;
      scale = <f32>(inv * <f64>load<f32>(weight + ch));
      shift = load<f32>(bias + ch);
    }
    // (x - m) first: for x near m it is exact (no cancellation, unlike x * scale - m * scale).
    const mv = f32x4.splat(m);
    const rv = f32x4.splat(r);
    const sv = f32x4.splat(scale);
    const bv = f32x4.splat(shift);
    let i = 0;
    for (; i < hw4; i += 4) {
      const o = <usize>i << 2;
      const d = f32x4.sub(f32x4.sub(v128.load(xp + o), mv), rv);
      v128.store(yp + o, f32x4.add(f32x4.mul(d, sv), bv));
    }
    for (; i < hw; i++) {
      const o = <usize>i << 2;
      store<f32>(yp + o, (load<f32>(xp + o) - m - r) * scale + shift);
    }
  }
}

/**
 * Backward of instanceNorm2d. With xhat = (x - mean) * invStd and g = weight[c] (1 when not
 * affine), per plane:
 *   dx = g * invStd * (dy - mean(dy) - xhat * mean(dy * xhat))
 *   dweight[c] = sum over n and the plane of dy * xhat;  dbias[c] = sum of dy.
 * An output pointer of 0 means that gradient is not wanted; it is neither computed nor
 * written. Channels are the outer loop so dweight/dbias are summed over n in registers
 * and written once (outputs start uninitialized).
 */
export function instanceNorm2dGrad(
  dy: usize,
  x: usize,
  mean: usize,
  invStd: usize,
  weight: usize,
  dx: usize,
  dweight: usize,
  dbias: usize,
  n: i32,
  c: i32,
  hw: i32,
  affine: i32,
): void {
  const hw4 = hw & ~3;
  const fhw = <f64>hw;
  for (let ch = 0; ch < c; ch++) {
    const g: f64 = affine ? <f64>load<f32>(weight + (<usize>ch << 2)) : 1.0;
    let sumDy: f64 = 0;
    let sumDyXhat: f64 = 0;
    for (let b = 0; b < n; b++) {
      const pl = b * c + ch;
      const off = <usize>pl * <usize>hw << 2;
      const dyp = dy + off;
      const xp = x + off;
      const m = load<f32>(mean + (<usize>pl << 2));
      const inv = <f64>load<f32>(invStd + (<usize>pl << 2));

      planeGradSums(dyp, xp, hw, m);
      // With r = mean(x - m), the plane's true mean is m + r: sum dy * (x - mean) = accB - r * accA.
      const r = accC / fhw;
      const sumDyD = accB - r * accA;
      sumDy += accA;
      sumDyXhat += sumDyD * inv;
      if (dx == 0) continue;

      // dx = A * ((dy - mean(dy)) - (x - m - r) * K), factored so that a small dx is not the
      // difference of two large rounded products; r * K folds into the mean(dy) term.
      const A = <f32>(g * inv);
      const Kd = (sumDyD / fhw) * inv * inv;
      const K = <f32>Kd;
      const mdy = <f32>(accA / fhw - r * Kd);
      const av = f32x4.splat(A);
      const mdyv = f32x4.splat(mdy);
      const kv = f32x4.splat(K);
      const mv = f32x4.splat(m);
      const dxp = dx + off;
      let i = 0;
      for (; i < hw4; i += 4) {
        const o = <usize>i << 2;
        const d = f32x4.sub(v128.load(xp + o), mv);
        const t = f32x4.sub(f32x4.sub(v128.load(dyp + o), mdyv), f32x4.mul(d, kv));
        v128.store(dxp + o, f32x4.mul(t, av));
      }
      for (; i < hw; i++) {
        const o = <usize>i << 2;
        const d = load<f32>(xp + o) - m;
        store<f32>(dxp + o, (load<f32>(dyp + o) - mdy - d * K) * A);
      }
    }
    if (dweight != 0) store<f32>(dweight + (<usize>ch << 2), <f32>sumDyXhat);
    if (dbias != 0) store<f32>(dbias + (<usize>ch << 2), <f32>sumDy);
  }
}
