// convTranspose2d and its gradients (kernel names match src/ops/conv_transpose2d.ts).
// x [n, cIn, h, w], weight [cIn, cOut, kh, kw] (PyTorch's layout), y [n, cOut, oh, ow] with
// oh = (h-1)*strideH - 2*padH + kh + outputPaddingH.
//
// A transposed convolution is the adjoint of the conv2d that maps y's grid back onto x's:
// that conv's image is y (cOut channels of oh x ow), its positions are x's h x w grid, and
// its weight matrix is our weight viewed as [cIn, cOut*kh*kw]. So the forward pass is that
// conv's input gradient, the input gradient is that conv's forward pass, and the weight
// gradient is that conv's weight gradient with the roles of x and dy swapped. outputPadding
// needs no code: it only makes the image larger than the windows reach.
// The bias gradient is conv2dGradBias. `work` is
// convScratchBytes(cOut*kh*kw, h*w, w, cIn, kh, kw, sh, sw, ph, pw) bytes of scratch per part;
// `part` of `parts` is as in conv2d.ts.
import { convLoweredAdjoint, convLoweredForward, convLoweredWeight } from './im2col';

/** y = col2im(weightᵀ · x) + bias (bias 0 = none). */
export function convTranspose2d(
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
  convLoweredAdjoint(x, weight, bias, y, work, n, cOut, oh, ow, cIn, kh, kw, h, w, sh, sw, ph, pw, part, parts);
}

/** dx = weight · im2col(dy): a conv2d of dy. */
export function convTranspose2dGradInput(
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
  convLoweredForward(dy, weight, 0, dx, work, n, cOut, oh, ow, cIn, kh, kw, h, w, sh, sw, ph, pw, part, parts);
}

/** dweight[cIn, cOut*kh*kw] = Σ_n x[n] · im2col(dy[n])ᵀ. */
export function convTranspose2dGradWeight(
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
  convLoweredWeight(x, dy, dweight, work, n, cOut, oh, ow, cIn, kh, kw, h, w, sh, sw, ph, pw, part, parts);
}
