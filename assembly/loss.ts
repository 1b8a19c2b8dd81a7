// Mean-reduced losses (PyTorch's default reduction) and their gradients w.r.t. the input.
// The per-element term is formed in float32 as PyTorch forms it; the sum over all elements
// accumulates in float64 lanes (see reduce.ts for why).

/** loss[0] = mean((input - target)^2) */
export function mseLoss(input: usize, target: usize, loss: usize, n: i32): void {
  let a0 = f64x2.splat(0);
  let a1 = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const d = f32x4.sub(v128.load(input + o), v128.load(target + o));
    const q = f32x4.mul(d, d);
    a0 = f64x2.add(a0, f64x2.promote_low_f32x4(q));
    a1 = f64x2.add(a1, f64x2.promote_low_f32x4(v128.shuffle<f32>(q, q, 2, 3, 2, 3)));
  }
  const t = f64x2.add(a0, a1);
  let s = f64x2.extract_lane(t, 0) + f64x2.extract_lane(t, 1);
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const d = load<f32>(input + o) - load<f32>(target + o);
    s += <f64>(d * d);
  }
  store<f32>(loss, <f32>(s / <f64>n));
}

/** dInput = (2/n) * (input - target) * dLoss, in PyTorch's order of operations. */
export function mseLossGrad(input: usize, target: usize, dLoss: usize, dInput: usize, n: i32): void {
  const norm = <f32>(2.0 / <f64>n);
  const g = load<f32>(dLoss);
  const vn = f32x4.splat(norm);
  const vg = f32x4.splat(g);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const d = f32x4.sub(v128.load(input + o), v128.load(target + o));
    v128.store(dInput + o, f32x4.mul(f32x4.mul(vn, d), vg));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dInput + o, norm * (load<f32>(input + o) - load<f32>(target + o)) * g);
  }
}

/** loss[0] = mean(|input - target|) */
export function l1Loss(input: usize, target: usize, loss: usize, n: i32): void {
  let a0 = f64x2.splat(0);
  let a1 = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const q = f32x4.abs(f32x4.sub(v128.load(input + o), v128.load(target + o)));
    a0 = f64x2.add(a0, f64x2.promote_low_f32x4(q));
    a1 = f64x2.add(a1, f64x2.promote_low_f32x4(v128.shuffle<f32>(q, q, 2, 3, 2, 3)));
  }
  const t = f64x2.add(a0, a1);
  let s = f64x2.extract_lane(t, 0) + f64x2.extract_lane(t, 1);
  for (; i < n; i++) {
    const o = <usize>i << 2;
    s += <f64>Mathf.abs(load<f32>(input + o) - load<f32>(target + o));
  }
  store<f32>(loss, <f32>(s / <f64>n));
}

/**
 * dInput = sign(input - target) * (dLoss / n), sign(0) = 0 like PyTorch (mean's backward
 * divides dLoss by n, then abs's backward multiplies by sgn).
 */
export function l1LossGrad(input: usize, target: usize, dLoss: usize, dInput: usize, n: i32): void {
  const g = <f32>(<f64>load<f32>(dLoss) / <f64>n);
  const pos = f32x4.splat(g);
  const neg = f32x4.splat(-g);
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const d = f32x4.sub(v128.load(input + o), v128.load(target + o));
    // Lanes where d > 0 take +g, where d < 0 take -g; the rest (0, NaN) stay 0.
    const r = v128.or(v128.and(f32x4.gt(d, zero), pos), v128.and(f32x4.lt(d, zero), neg));
    v128.store(dInput + o, r);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const d = load<f32>(input + o) - load<f32>(target + o);
    store<f32>(dInput + o, d > 0 ? g : d < 0 ? -g : 0);
  }
}
