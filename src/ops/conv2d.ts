// conv2d: 2-D convolution with zero padding and stride, like torch.nn.functional.conv2d
// (no dilation, no groups). Kernels conv2d, conv2dGradInput, conv2dGradWeight, conv2dGradBias,
// and for the 3x3 stride-1 shapes where it is faster (conv2d_algorithm.ts) conv2dWinograd and
// conv2dGradInputWinograd in place of conv2d and conv2dGradInput, and conv2dGradWeightWinograd
// in place of conv2dGradWeight.
import { AttributeError, ShapeError } from '../errors.js';
import type { ConvGeometry } from '../kernels/contract.js';
import { formatShape } from '../shape.js';
import { winogradGradWeightPays, winogradPays, winogradTile } from './conv2d_algorithm.js';
import type { Tensor } from '../tensor.js';
import { checkOptionalTensor, checkPair, checkRank, checkShapeEquals, checkTensor, sameEngine } from './checks.js';

interface ConvOptions {
  /** Step of the window: one value for both axes or [strideH, strideW]; default 1. */
  stride?: number | [number, number];
  /** Zeros added on each side: one value or [padH, padW]; default 0. */
  padding?: number | [number, number];
}

const OPTIONS = ['stride', 'padding'];

/**
 * y[n, cOut, oh, ow] = Σ weight[cOut, cIn, i, j] · x[n, cIn, oy*sH - pH + i, ox*sW - pW + j] + bias[cOut],
 * with oh = floor((h + 2*pH - kh) / sH) + 1 (same for ow). x is [n, cIn, h, w]; weight is
 * PyTorch's [cOut, cIn, kh, kw]; bias is [cOut] or null.
 */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, options: ConvOptions = {}): Tensor {
  const op = 'conv2d';
  checkTensor(op, 'x', x);
  checkTensor(op, 'weight', weight);
  const b = checkOptionalTensor(op, 'bias', bias);
  const e = sameEngine(op, x, weight, b);
  checkOptions(op, options);
  const [strideH, strideW] = checkPair(op, 'stride', options.stride ?? 1, 1);
  const [padH, padW] = checkPair(op, 'padding', options.padding ?? 0, 0);
  checkRank(op, 'x', x, 4, '[n, cIn, h, w]');
  checkRank(op, 'weight', weight, 4, '[cOut, cIn, kh, kw]');
  const [n, cIn, h, w] = x.shape;
  const [cOut, wIn, kh, kw] = weight.shape;
  if (wIn !== cIn) {
    throw new ShapeError(op, 'weight', `[*, ${cIn}, kh, kw] (in channels of x)`, formatShape(weight.shape));
  }
  if (kh < 1 || kw < 1) {
    throw new ShapeError(op, 'weight', `[${cOut}, ${cIn}, kh >= 1, kw >= 1]`, formatShape(weight.shape));
  }
  if (b) checkShapeEquals(op, 'bias', b, [cOut]);
  if (h < 1 || w < 1 || h + 2 * padH < kh || w + 2 * padW < kw) {
    throw new ShapeError(
      op,
      'x',
      `[n, ${cIn}, h, w] with h + 2*${padH} >= ${kh} and w + 2*${padW} >= ${kw} ` +
        '(the padded input must hold the kernel)',
      formatShape(x.shape),
    );
  }
  const oh = Math.floor((h + 2 * padH - kh) / strideH) + 1;
  const ow = Math.floor((w + 2 * padW - kw) / strideW) + 1;
  const g: ConvGeometry = { n, cIn, h, w, cOut, kh, kw, oh, ow, strideH, strideW, padH, padW };

  // Where gradients are recorded (training) Winograd runs as F(2x2, 3x3), elsewhere (inference)
  // as F(4x4, 3x3): see conv2d_algorithm.ts for why.
  const tile = winogradTile(e._trainingNumerics(x, weight, b));
  const [y] =
    winogradPays(g, false, e.backend) && e._hasKernel('conv2dWinograd')
      ? e.runKernel(op, 'conv2dWinograd', [x, weight, b], [[n, cOut, oh, ow]], { ...g, hasBias: b !== null, tile })
      : e.runKernel(op, 'conv2d', [x, weight, b], [[n, cOut, oh, ow]], { ...g, hasBias: b !== null });
  if (e.needsGrad(x, weight, b)) {
    // Saves x and weight (views, not copies): each gradient needs the other input.
    const [xs, ws] = [e._save(x), e._save(weight)];
    const gradInput = (dy: Tensor): Tensor =>
      winogradPays(g, true, e.backend) && e._hasKernel('conv2dGradInputWinograd')
        ? e.runKernel('conv2d backward', 'conv2dGradInputWinograd', [dy, ws], [x.shape], { ...g, tile })[0]
        : e.runKernel('conv2d backward', 'conv2dGradInput', [dy, ws], [x.shape], g)[0];
    const gradWeight = (dy: Tensor): Tensor =>
      winogradGradWeightPays(g) && e._hasKernel('conv2dGradWeightWinograd')
        ? e.runKernel('conv2d backward', 'conv2dGradWeightWinograd', [dy, xs], [weight.shape], g)[0]
        : e.runKernel('conv2d backward', 'conv2dGradWeight', [dy, xs], [weight.shape], g)[0];
    e.recordGrad(y, op, [x, weight, b], (dy) => [
      x.requiresGrad ? gradInput(dy) : null,
      weight.requiresGrad ? gradWeight(dy) : null,
      b?.requiresGrad
        ? e.runKernel('conv2d backward', 'conv2dGradBias', [dy], [b.shape], { n, c: cOut, hw: oh * ow })[0]
        : null,
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
