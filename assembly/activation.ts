// Activations and their gradients, elementwise over n floats at byte offsets.
// Kernel names match src/ops/activation.ts and kernels/*.wgsl.

export function relu(x: usize, y: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.max(v128.load(x + o), zero));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, max<f32>(load<f32>(x + o), 0));
  }
}

/** dx = dy where x > 0, else 0 (PyTorch's threshold_backward). */
export function reluGrad(dy: usize, x: usize, dx: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const mask = f32x4.gt(v128.load(x + o), zero);
    v128.store(dx + o, v128.and(v128.load(dy + o), mask));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, load<f32>(x + o) > 0 ? load<f32>(dy + o) : 0);
  }
}

export function leakyRelu(x: usize, y: usize, n: i32, slope: f32): void {
  const zero = f32x4.splat(0);
  const s = f32x4.splat(slope);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(x + o);
    v128.store(y + o, v128.bitselect(v, f32x4.mul(v, s), f32x4.gt(v, zero)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    store<f32>(y + o, v > 0 ? v : v * slope);
  }
}

export function leakyReluGrad(dy: usize, x: usize, dx: usize, n: i32, slope: f32): void {
  const zero = f32x4.splat(0);
  const s = f32x4.splat(slope);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const g = v128.load(dy + o);
    v128.store(dx + o, v128.bitselect(g, f32x4.mul(g, s), f32x4.gt(v128.load(x + o), zero)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const g = load<f32>(dy + o);
    store<f32>(dx + o, load<f32>(x + o) > 0 ? g : g * slope);
  }
}

export function tanh(x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, Mathf.tanh(load<f32>(x + o)));
  }
}

/** dx = dy * (1 - y*y), from the saved output y. */
export function tanhGrad(dy: usize, y: usize, dx: usize, n: i32): void {
  const one = f32x4.splat(1);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(y + o);
    v128.store(dx + o, f32x4.mul(v128.load(dy + o), f32x4.sub(one, f32x4.mul(v, v))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(y + o);
    store<f32>(dx + o, load<f32>(dy + o) * (1 - v * v));
  }
}
