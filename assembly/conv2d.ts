// conv2d and its gradients (kernel names match src/ops/conv2d.ts and kernels/*.wgsl).
// x [n, cIn, h, w], weight [cOut, cIn, kh, kw] (PyTorch's layout), y [n, cOut, oh, ow].
// The weight is already the GEMM's [cOut, cIn*kh*kw] matrix, so each kernel is one of the
// lowered products of im2col.ts with x as the image and y's grid as the positions.
// `work` is convScratchBytes(cIn*kh*kw, oh*ow, ow, cOut, kh, kw, sh, sw, ph, pw) bytes of
// scratch from the caller.
import { convLoweredAdjoint, convLoweredForward, convLoweredWeight } from './im2col';

/** y = conv2d(x, weight) + bias (bias 0 = none). */
export function conv2d(
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
  sh: i32,
  sw: i32,
  ph: i32,
  pw: i32,
): void {
  convLoweredForward(x, weight, bias, y, work, n, cIn, h, w, cOut, kh, kw, oh, ow, sh, sw, ph, pw);
}

/** dx = col2im(weightᵀ · dy): the adjoint of conv2d in x. */
export function conv2dGradInput(
  dy: usize,
  weight: usize,
  dx: usize,
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
  sh: i32,
  sw: i32,
  ph: i32,
  pw: i32,
): void {
  convLoweredAdjoint(dy, weight, 0, dx, work, n, cIn, h, w, cOut, kh, kw, oh, ow, sh, sw, ph, pw);
}

/** dweight = Σ_n dy[n] · im2col(x[n])ᵀ. */
export function conv2dGradWeight(
  dy: usize,
  x: usize,
  dweight: usize,
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
  sh: i32,
  sw: i32,
  ph: i32,
  pw: i32,
): void {
  convLoweredWeight(dy, x, dweight, work, n, cIn, h, w, cOut, kh, kw, oh, ow, sh, sw, ph, pw);
}

/**
 * dbias[c] = Σ over n, h, w of dy[n, c]; also convTranspose2d's bias gradient. Each plane is
 * summed in 16 f32 lanes (short, independent chains), planes are combined in f64, so the
 * error stays far below the 1e-4 budget even for 256x256 images in large batches.
 */
export function conv2dGradBias(dy: usize, dbias: usize, n: i32, c: i32, hw: i32): void {
  const planeBytes = (<usize>hw) << 2;
  for (let ch = 0; ch < c; ch++) {
    let total: f64 = 0;
    for (let i = 0; i < n; i++) {
      const src = dy + (<usize>i * <usize>c + <usize>ch) * planeBytes;
      let a0 = f32x4.splat(0);
      let a1 = f32x4.splat(0);
      let a2 = f32x4.splat(0);
      let a3 = f32x4.splat(0);
      let j = 0;
      for (; j + 16 <= hw; j += 16) {
        const s = src + ((<usize>j) << 2);
        a0 = f32x4.add(a0, v128.load(s));
        a1 = f32x4.add(a1, v128.load(s, 16));
        a2 = f32x4.add(a2, v128.load(s, 32));
        a3 = f32x4.add(a3, v128.load(s, 48));
      }
      const v = f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3));
      let plane: f64 =
        <f64>f32x4.extract_lane(v, 0) +
        <f64>f32x4.extract_lane(v, 1) +
        <f64>f32x4.extract_lane(v, 2) +
        <f64>f32x4.extract_lane(v, 3);
      for (; j < hw; j++) plane += <f64>load<f32>(src + ((<usize>j) << 2));
      total += plane;
    }
    store<f32>(dbias + ((<usize>ch) << 2), <f32>total);
  }
}
