// convTranspose2d: transposed 2-D convolution (the original CycleGAN's upsampling), like
// torch.nn.functional.conv_transpose2d with stride, padding and output_padding (no dilation,
// no groups). Kernels convTranspose2d, convTranspose2dGradInput, convTranspose2dGradWeight,
// and conv2dGradBias for the bias.
import { AttributeError, ShapeError } from '../errors.js';
import type { ConvGeometry } from '../kernels/contract.js';
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { checkOptionalTensor, checkPair, checkRank, checkShapeEquals, checkTensor, sameEngine } from './checks.js';

interface ConvTransposeOptions {
  /** Step of the window: one value for both axes or [strideH, strideW]; default 1. */
  stride?: number | [number, number];
  /** Rows/columns cropped from each side of the full output: one value or a pair; default 0. */
  padding?: number | [number, number];
  /** Extra rows/columns added at the bottom/right (each smaller than the stride); default 0. */
  outputPadding?: number | [number, number];
}

const OPTIONS = ['stride', 'padding', 'outputPadding'];

/**
 * The adjoint of conv2d: each x[n, cIn, iy, ix] adds weight[cIn, cOut] · x to the window of y
 * at (iy*sH - pH, ix*sW - pW). x is [n, cIn, h, w]; weight is PyTorch's [cIn, cOut, kh, kw];
 * y is [n, cOut, oh, ow] with oh = (h - 1)*sH - 2*pH + kh + outputPaddingH (same for ow).
 */
export function convTranspose2d(
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null = null,
  options: ConvTransposeOptions = {},
): Tensor {
  const op = 'convTranspose2d';
  checkTensor(op, 'x', x);
  checkTensor(op, 'weight', weight);
  const b = checkOptionalTensor(op, 'bias', bias);
  const e = sameEngine(op, x, weight, b);
  checkOptions(op, options);
  const [strideH, strideW] = checkPair(op, 'stride', options.stride ?? 1, 1);
  const [padH, padW] = checkPair(op, 'padding', options.padding ?? 0, 0);
  const [outPadH, outPadW] = checkPair(op, 'outputPadding', options.outputPadding ?? 0, 0);
  if (outPadH >= strideH || outPadW >= strideW) {
    throw new AttributeError(
      op,
      'outputPadding',
      `smaller than stride [${strideH}, ${strideW}] in each dimension`,
      JSON.stringify(options.outputPadding),
    );
  }
  checkRank(op, 'x', x, 4, '[n, cIn, h, w]');
  checkRank(op, 'weight', weight, 4, '[cIn, cOut, kh, kw]');
  const [n, cIn, h, w] = x.shape;
  const [wIn, cOut, kh, kw] = weight.shape;
  if (wIn !== cIn) {
    throw new ShapeError(op, 'weight', `[${cIn}, *, kh, kw] (in channels of x first)`, formatShape(weight.shape));
  }
  if (kh < 1 || kw < 1) {
    throw new ShapeError(op, 'weight', `[${cIn}, ${cOut}, kh >= 1, kw >= 1]`, formatShape(weight.shape));
  }
  if (b) checkShapeEquals(op, 'bias', b, [cOut]);
  const oh = (h - 1) * strideH - 2 * padH + kh + outPadH;
  const ow = (w - 1) * strideW - 2 * padW + kw + outPadW;
  if (h < 1 || w < 1 || oh < 1 || ow < 1) {
    throw new ShapeError(
      op,
      'x',
      `[n, ${cIn}, h >= 1, w >= 1] giving an output of at least 1x1 ` +
        `((h-1)*${strideH} - 2*${padH} + ${kh} + ${outPadH} = ${oh}, ` +
        `(w-1)*${strideW} - 2*${padW} + ${kw} + ${outPadW} = ${ow})`,
      formatShape(x.shape),
    );
  }
  const g: ConvGeometry = { n, cIn, h, w, cOut, kh, kw, oh, ow, strideH, strideW, padH, padW };

  const [y] = e.runKernel(op, 'convTranspose2d', [x, weight, b], [[n, cOut, oh, ow]], { ...g, hasBias: b !== null });
  if (e.needsGrad(x, weight, b)) {
    const back = `${op} backward`;
    const [xs, ws] = [e._save(x), e._save(weight)];
    e.recordGrad(y, op, [x, weight, b], (dy) => [
      x.requiresGrad ? e.runKernel(back, 'convTranspose2dGradInput', [dy, ws], [x.shape], g)[0] : null,
      weight.requiresGrad ? e.runKernel(back, 'convTranspose2dGradWeight', [dy, xs], [weight.shape], g)[0] : null,
      b?.requiresGrad ? e.runKernel(back, 'conv2dGradBias', [dy], [b.shape], { n, c: cOut, hw: oh * ow })[0] : null,
    ], [xs, ws]);
  }
  return y;
}

/** Refuses options this op does not have (dilation, groups, typos) rather than ignoring them. */
function checkOptions(op: string, options: unknown): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new AttributeError(op, 'options', 'an object', options === null ? 'null' : typeof options);
  }
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined && !OPTIONS.includes(key)) {
      throw new AttributeError(op, key, `absent (${op} takes only ${OPTIONS.join(', ')})`, JSON.stringify(value));
    }
  }
}
