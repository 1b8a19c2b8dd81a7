// instanceNorm2d: normalizes each (n, c) plane to zero mean and unit (biased) variance, then
// applies an optional per-channel affine; like F.instance_norm without running statistics
// (nn.InstanceNorm2d's default). Kernels instanceNorm2d / instanceNorm2dGrad.
import { AttributeError, ShapeError } from '../errors.js';
import { formatShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { checkNumber, checkOptionalTensor, checkRank, checkShapeEquals, checkTensor, sameEngine } from './checks.js';

export interface InstanceNormOptions {
  /** Added to the variance before the square root; default 1e-5 like PyTorch. */
  eps?: number;
  /** Per-channel scale [c]; give weight and bias together or neither. */
  weight?: Tensor | null;
  /** Per-channel shift [c]. */
  bias?: Tensor | null;
}

export function instanceNorm2d(x: Tensor, options: InstanceNormOptions = {}): Tensor {
  const op = 'instanceNorm2d';
  checkTensor(op, 'x', x);
  checkRank(op, 'x', x, 4, '[n, c, h, w]');
  if (options === null || typeof options !== 'object') {
    throw new AttributeError(op, 'options', 'an object { eps?, weight?, bias? }', String(options));
  }
  const eps = checkNumber(op, 'eps', options.eps ?? 1e-5);
  if (eps < 0) throw new AttributeError(op, 'eps', 'a finite number >= 0', String(eps));
  const weight = checkOptionalTensor(op, 'weight', options.weight);
  const bias = checkOptionalTensor(op, 'bias', options.bias);
  const [n, c, h, w] = x.shape;
  // Like PyTorch: the variance of a single element is meaningless (it raises the same error).
  if (h * w <= 1) throw new ShapeError(op, 'x', 'more than 1 spatial element (h * w > 1)', formatShape(x.shape));
  if ((weight === null) !== (bias === null)) {
    const [missing, given] = weight === null ? ['weight', 'bias'] : ['bias', 'weight'];
    throw new AttributeError(op, missing, `a Tensor of shape [${c}] when ${given} is given (both or neither)`, 'null');
  }
  if (weight) checkShapeEquals(op, 'weight', weight, [c]);
  if (bias) checkShapeEquals(op, 'bias', bias, [c]);
  const e = sameEngine(op, x, weight, bias);
  const affine = weight !== null;
  const hw = h * w;

  const [y, mean, invStd] = e.runKernel(op, 'instanceNorm2d', [x, weight, bias], [x.shape, [n * c], [n * c]], {
    n,
    c,
    hw,
    eps,
    affine,
  });
  if (!e.needsGrad(x, weight, bias)) {
    mean.dispose();
    invStd.dispose();
    return y;
  }
  // The backward reads x and the weight: views saved with the statistics.
  const xs = e._save(x);
  const ws = weight ? e._save(weight) : null;
  e.recordGrad(
    y,
    op,
    [x, weight, bias],
    (dy) => {
      // Only the gradients some input needs are computed (a null output is skipped).
      const wantDx = x.requiresGrad;
      const wantDw = affine && weight!.requiresGrad;
      const wantDb = affine && bias!.requiresGrad;
      const [dx, dw, db] = e.runKernel(
        `${op} backward`,
        'instanceNorm2dGrad',
        [dy, xs, mean, invStd, ws],
        [wantDx ? x.shape : null, wantDw ? [c] : null, wantDb ? [c] : null],
        { n, c, hw, affine },
      );
      return [dx, dw, db];
    },
    ws ? [mean, invStd, xs, ws] : [mean, invStd, xs],
  );
  return y;
}
