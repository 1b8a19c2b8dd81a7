// The fused Adam update, in place over param, expAvg and expAvgSq: exactly the arithmetic of
// torch.optim.Adam's single-tensor path (torch 1.13), one pass instead of its six tensor ops.
// Hyper-parameters arrive as float64 and are rounded to float32 once, as PyTorch rounds a
// Python float scalar for a float32 tensor op; (1 - beta) is formed in float64 first, as
// Python forms it (1 - 0.999 in float32 arithmetic would be off by 1.3e-5 relative).

// @ts-ignore: decorator
@inline function adamLoop(
  decay: bool,
  param: usize, grad: usize, m: usize, v: usize, n: i32,
  beta1: f64, beta2: f64, eps: f64, weightDecay: f64, stepSize: f64, bc2Sqrt: f64,
): void {
  const b1 = <f32>beta1;
  const c1 = <f32>(1 - beta1);
  const b2 = <f32>beta2;
  const c2 = <f32>(1 - beta2);
  const e = <f32>eps;
  const wd = <f32>weightDecay;
  const ns = <f32>(-stepSize);
  const bc = <f32>bc2Sqrt;
  const vb1 = f32x4.splat(b1), vc1 = f32x4.splat(c1), vb2 = f32x4.splat(b2), vc2 = f32x4.splat(c2);
  const ve = f32x4.splat(e), vwd = f32x4.splat(wd), vns = f32x4.splat(ns), vbc = f32x4.splat(bc);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const p = v128.load(param + o);
    let g = v128.load(grad + o);
    // grad.add(param, alpha=weight_decay)
    if (decay) g = f32x4.add(g, f32x4.mul(vwd, p));
    // exp_avg.mul_(beta1).add_(grad, alpha=1-beta1)
    const mt = f32x4.add(f32x4.mul(v128.load(m + o), vb1), f32x4.mul(vc1, g));
    // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1-beta2)
    const vt = f32x4.add(f32x4.mul(v128.load(v + o), vb2), f32x4.mul(f32x4.mul(vc2, g), g));
    // denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps)
    const denom = f32x4.add(f32x4.div(f32x4.sqrt(vt), vbc), ve);
    // param.addcdiv_(exp_avg, denom, value=-step_size)
    v128.store(param + o, f32x4.add(p, f32x4.div(f32x4.mul(vns, mt), denom)));
    v128.store(m + o, mt);
    v128.store(v + o, vt);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const p = load<f32>(param + o);
    let g = load<f32>(grad + o);
    if (decay) g = g + wd * p;
    const mt = load<f32>(m + o) * b1 + c1 * g;
    const vt = load<f32>(v + o) * b2 + c2 * g * g;
    const denom = Mathf.sqrt(vt) / bc + e;
    store<f32>(param + o, p + (ns * mt) / denom);
    store<f32>(m + o, mt);
    store<f32>(v + o, vt);
  }
}

/**
 * One Adam step over n elements. stepSize = lr / (1 - beta1^step) and
 * bc2Sqrt = sqrt(1 - beta2^step) are computed by the caller in float64, as PyTorch does.
 */
export function adam(
  param: usize, grad: usize, expAvg: usize, expAvgSq: usize, n: i32,
  beta1: f64, beta2: f64, eps: f64, weightDecay: f64, stepSize: f64, bc2Sqrt: f64,
): void {
  // Two specialised loops: without weight decay, grad is used as is (also for inf params).
  if (weightDecay != 0) {
    adamLoop(true, param, grad, expAvg, expAvgSq, n, beta1, beta2, eps, weightDecay, stepSize, bc2Sqrt);
  } else {
    adamLoop(false, param, grad, expAvg, expAvgSq, n, beta1, beta2, eps, weightDecay, stepSize, bc2Sqrt);
  }
}
