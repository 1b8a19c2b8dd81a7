// conv2d and its gradients (kernel names match src/ops/conv2d.ts and kernels/*.wgsl).
// x [n, cIn, h, w], weight [cOut, cIn, kh, kw] (PyTorch's layout), y [n, cOut, oh, ow].
// The weight is already the GEMM's [cOut, cIn*kh*kw] matrix, so each kernel is one of the
// lowered products of im2col.ts with x as the image and y's grid as the positions, except:
// - the forward pass and weight gradient of a conv with at most 4 output channels, stride 1
//   and no padding (the generator's last conv) run the direct kernels of conv_direct.ts,
//   which read x in place;
// - the stride-1 input gradient of a conv with at most 4 output channels is the forward conv
//   of dy with the flipped, transposed weights and padding k-1-p: a GEMM with cIn rows and a
//   cOut*kh*kw reduction, instead of a cIn*kh*kw-row GEMM reducing over only cOut whose
//   output col2im scatters back (for the 64 -> 3 output conv: 64 rows reducing over 147
//   instead of 3136 rows reducing over 3, 3x faster). With many output channels the two
//   GEMMs are alike and the adjoint measured as fast or faster, so it stays.
// Every kernel takes `part` of `parts`: the threaded backend runs parts 0..parts-1 at once,
// each with its own `work` of conv2dScratchBytes(...) bytes, and the parts share the output
// out unit by unit (tasks.ts); the single-threaded backend runs part 0 of 1.
import { conv2dDirect, conv2dDirectBytes, conv2dDirectFits, conv2dDirectGradWeight } from './conv_direct';
import { convLoweredAdjoint, convLoweredForward, convLoweredWeight, convScratchBytes } from './im2col';

/** True when conv2dGradInput runs as the forward conv of dy with flipped weights. */
// @ts-ignore: decorator
@inline
function flippedGradInput(cOut: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32): bool {
  return cOut <= 4 && sh == 1 && sw == 1 && ph <= kh - 1 && pw <= kw - 1;
}

/** Bytes of the flipped weight matrix, rounded to a cache line so the workspace after it is aligned. */
function flippedBytes(cIn: i32, cOut: i32, kh: i32, kw: i32): usize {
  return (((<usize>cIn * <usize>cOut * <usize>kh * <usize>kw) << 2) + 63) & ~(<usize>63);
}

/** Scratch bytes each part of conv2d, conv2dGradInput and conv2dGradWeight needs (the largest). */
export function conv2dScratchBytes(
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
): usize {
  let bytes = convScratchBytes(cIn * kh * kw, oh * ow, ow, cOut, kh, kw, sh, sw, ph, pw);
  if (conv2dDirectFits(cOut, sh, sw, ph, pw, ow)) bytes = max<usize>(bytes, conv2dDirectBytes(cIn, kh, kw));
  if (flippedGradInput(cOut, kh, kw, sh, sw, ph, pw)) {
    const fwd = convScratchBytes(cOut * kh * kw, h * w, w, cIn, kh, kw, 1, 1, kh - 1 - ph, kw - 1 - pw);
    bytes = max<usize>(bytes, flippedBytes(cIn, cOut, kh, kw) + fwd);
  }
  return bytes;
}

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
  part: i32,
  parts: i32,
): void {
  if (conv2dDirectFits(cOut, sh, sw, ph, pw, ow)) {
    conv2dDirect(x, weight, bias, y, work, n, cIn, h, w, cOut, kh, kw, oh, ow, parts);
    return;
  }
  convLoweredForward(x, weight, bias, y, work, n, cIn, h, w, cOut, kh, kw, oh, ow, sh, sw, ph, pw, part, parts);
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
  part: i32,
  parts: i32,
): void {
  if (!flippedGradInput(cOut, kh, kw, sh, sw, ph, pw)) {
    convLoweredAdjoint(dy, weight, 0, dx, work, n, cIn, h, w, cOut, kh, kw, oh, ow, sh, sw, ph, pw, part, parts);
    return;
  }
  // wf[c, (co*kh + ki)*kw + kj] = weight[co, c, kh-1-ki, kw-1-kj]; dx = conv2d(dy, wf) with
  // padding (k-1-p): each output pixel of that conv gathers exactly the dy entries the
  // adjoint would have scattered into it.
  const khw = kh * kw;
  const wf = work;
  for (let c = 0; c < cIn; c++) {
    for (let co = 0; co < cOut; co++) {
      const s = weight + ((<usize>(co * cIn + c) * <usize>khw) << 2);
      const d = wf + ((<usize>(c * cOut + co) * <usize>khw) << 2);
      for (let t = 0; t < khw; t++) store<f32>(d + ((<usize>t) << 2), load<f32>(s + ((<usize>(khw - 1 - t)) << 2)));
    }
  }
  const rest = work + flippedBytes(cIn, cOut, kh, kw);
  convLoweredForward(dy, wf, 0, dx, rest, n, cOut, oh, ow, cIn, kh, kw, h, w, 1, 1, kh - 1 - ph, kw - 1 - pw, part, parts);
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
  part: i32,
  parts: i32,
): void {
  if (conv2dDirectFits(cOut, sh, sw, ph, pw, ow)) {
    conv2dDirectGradWeight(dy, x, dweight, n, cIn, h, w, cOut, kh, kw, oh, ow, parts);
    return;
  }
  convLoweredWeight(dy, x, dweight, work, n, cIn, h, w, cOut, kh, kw, oh, ow, sh, sw, ph, pw, part, parts);
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
