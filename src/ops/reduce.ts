// sum and mean over all elements (shape []); their gradient broadcasts dy back
// (broadcastScalar kernel, scale 1 or 1/n).
import type { Tensor } from '../tensor.js';
import { checkTensor } from './checks.js';
import { engineOf } from '../engine.js';

/** The sum of all elements, as a tensor of shape []. */
export function sum(x: Tensor): Tensor {
  return reduce('sum', x);
}

/** The mean of all elements, as a tensor of shape [] (NaN for an empty tensor, like PyTorch). */
export function mean(x: Tensor): Tensor {
  return reduce('mean', x);
}

function reduce(op: 'sum' | 'mean', x: Tensor): Tensor {
  checkTensor(op, 'x', x);
  const e = engineOf(x);
  const n = x.size;
  const [y] = e.runKernel(op, op, [x], [[]], { n });
  if (e.needsGrad(x)) {
    const scale = op === 'sum' ? 1 : 1 / n;
    e.recordGrad(y, op, [x], (dy) => e.runKernel(`${op} backward`, 'broadcastScalar', [dy], [x.shape], { n, scale }));
  }
  return y;
}
