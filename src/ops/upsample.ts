// upsampleNearest2d: nearest-neighbour upsampling by an integer factor, like
// F.interpolate(x, scale_factor=s, mode='nearest'). Kernels upsampleNearest2d(Grad).
import { AttributeError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { checkRank, checkTensor } from './checks.js';
import { engineOf } from '../engine.js';

export function upsampleNearest2d(x: Tensor, scaleFactor = 2): Tensor {
  const op = 'upsampleNearest2d';
  checkTensor(op, 'x', x);
  checkRank(op, 'x', x, 4, '[n, c, h, w]');
  if (typeof scaleFactor !== 'number' || !Number.isInteger(scaleFactor) || scaleFactor < 1) {
    throw new AttributeError(op, 'scaleFactor', 'an integer >= 1', String(scaleFactor));
  }
  const [n, c, h, w] = x.shape;
  const attrs = { nc: n * c, h, w, scale: scaleFactor };
  const e = engineOf(x);
  const [y] = e.runKernel(op, 'upsampleNearest2d', [x], [[n, c, h * scaleFactor, w * scaleFactor]], attrs);
  if (e.needsGrad(x)) {
    // Each input element fed a scale x scale block of y, so its gradient is that block's sum.
    e.recordGrad(y, op, [x], (dy) => e.runKernel(`${op} backward`, 'upsampleNearest2dGrad', [dy], [x.shape], attrs));
  }
  return y;
}
