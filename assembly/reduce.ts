// Full reductions (sum, mean) and the gradient of both (broadcastScalar).
// Sums accumulate in float64 (f64x2 lanes, four independent accumulators so the adds
// pipeline): a 4M-element sum then stays within ~1e-9 relative of an exact one, where a plain
// float32 running sum would drift by ~1e-4. The f32 -> f64 promotion costs little here since
// the loop is bound by memory bandwidth.

// @ts-ignore: decorator
@inline function sumF64(x: usize, n: i32): f64 {
  let a0 = f64x2.splat(0);
  let a1 = f64x2.splat(0);
  let a2 = f64x2.splat(0);
  let a3 = f64x2.splat(0);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const p = x + (<usize>i << 2);
    const v0 = v128.load(p);
    const v1 = v128.load(p, 16);
    // promote_low widens lanes 0,1; the shuffle moves lanes 2,3 down to widen them too.
    a0 = f64x2.add(a0, f64x2.promote_low_f32x4(v0));
    a1 = f64x2.add(a1, f64x2.promote_low_f32x4(v128.shuffle<f32>(v0, v0, 2, 3, 2, 3)));
    a2 = f64x2.add(a2, f64x2.promote_low_f32x4(v1));
    a3 = f64x2.add(a3, f64x2.promote_low_f32x4(v128.shuffle<f32>(v1, v1, 2, 3, 2, 3)));
  }
  const t = f64x2.add(f64x2.add(a0, a1), f64x2.add(a2, a3));
  let s = f64x2.extract_lane(t, 0) + f64x2.extract_lane(t, 1);
  for (; i < n; i++) s += <f64>load<f32>(x + (<usize>i << 2));
  return s;
}

/** s[0] = sum of x[0:n] (0 for n = 0). */
export function sum(x: usize, s: usize, n: i32): void {
  store<f32>(s, <f32>sumF64(x, n));
}

/** s[0] = mean of x[0:n] (NaN for n = 0, like PyTorch). */
export function mean(x: usize, s: usize, n: i32): void {
  store<f32>(s, <f32>(sumF64(x, n) / <f64>n));
}

/**
 * y[0:n] = x[0] * scale: the gradient of sum (scale 1) and of mean (scale 1/n). The product is
 * formed in float64 so that dy/n is rounded once, as PyTorch's division rounds it.
 */
export function broadcastScalar(x: usize, y: usize, n: i32, scale: f64): void {
  const value = <f32>(<f64>load<f32>(x) * scale);
  const v = f32x4.splat(value);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), v);
  for (; i < n; i++) store<f32>(y + (<usize>i << 2), value);
}
