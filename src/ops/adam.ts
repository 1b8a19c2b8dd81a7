// adamUpdate (kernel adam): one in-place step of torch.optim.Adam (single-tensor path of
// torch 1.13) on a parameter and its two moment buffers.
import { AttributeError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { checkNumber, checkShapeEquals, checkTensor, sameEngine } from './checks.js';

export interface AdamUpdateOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** L2 penalty added to the gradient (Adam's, not AdamW's); default 0. */
  weightDecay?: number;
  /** The step number, 1 on the first update: it sets the bias corrections. */
  step: number;
}

/**
 * Updates param, expAvg and expAvgSq in place (their values, not their identity), as
 * torch.optim.Adam does for one parameter. The bias corrections are formed here in float64,
 * as PyTorch forms them in Python.
 */
export function adamUpdate(
  param: Tensor,
  grad: Tensor,
  expAvg: Tensor,
  expAvgSq: Tensor,
  options: AdamUpdateOptions,
): void {
  const op = 'adamUpdate';
  checkTensor(op, 'param', param);
  checkTensor(op, 'grad', grad);
  checkTensor(op, 'expAvg', expAvg);
  checkTensor(op, 'expAvgSq', expAvgSq);
  const e = sameEngine(op, param, grad, expAvg, expAvgSq);
  checkShapeEquals(op, 'grad', grad, param.shape);
  checkShapeEquals(op, 'expAvg', expAvg, param.shape);
  checkShapeEquals(op, 'expAvgSq', expAvgSq, param.shape);
  if (options === null || typeof options !== 'object') {
    throw new AttributeError(op, 'options', 'an object { lr, beta1, beta2, eps, step }', String(options));
  }
  const lr = checkNumber(op, 'lr', options.lr);
  const beta1 = checkNumber(op, 'beta1', options.beta1);
  const beta2 = checkNumber(op, 'beta2', options.beta2);
  const eps = checkNumber(op, 'eps', options.eps);
  const weightDecay = checkNumber(op, 'weightDecay', options.weightDecay ?? 0);
  const step = options.step;
  // PyTorch's own constructor checks.
  if (lr < 0) throw new AttributeError(op, 'lr', 'a number >= 0', String(lr));
  if (!(beta1 >= 0 && beta1 < 1)) throw new AttributeError(op, 'beta1', 'a number in [0, 1)', String(beta1));
  if (!(beta2 >= 0 && beta2 < 1)) throw new AttributeError(op, 'beta2', 'a number in [0, 1)', String(beta2));
  if (eps < 0) throw new AttributeError(op, 'eps', 'a number >= 0', String(eps));
  if (weightDecay < 0) throw new AttributeError(op, 'weightDecay', 'a number >= 0', String(weightDecay));
  if (typeof step !== 'number' || !Number.isInteger(step) || step < 1) {
    throw new AttributeError(op, 'step', 'an integer >= 1 (1 on the first update)', String(step));
  }
  const biasCorrection1 = 1 - beta1 ** step;
  const biasCorrection2 = 1 - beta2 ** step;
  e.runKernel(op, 'adam', [param, grad, expAvg, expAvgSq], [], {
    n: param.size,
    beta1,
    beta2,
    eps,
    weightDecay,
    stepSize: lr / biasCorrection1,
    biasCorrection2Sqrt: Math.sqrt(biasCorrection2),
  });
}
