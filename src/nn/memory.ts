// Early release of intermediate activations during forward passes.
import type { Tensor } from '../tensor.js';

/**
 * Disposes `used`, an intermediate a module made and has just fed into the op or layer that
 * produced `result`, when nothing can need it any more: `result` is not part of an autograd
 * graph (so no backward node holds `used`) and is not `used` itself. Tensors that views share
 * keep their storage alive through the view's reference.
 */
export function releaseIntermediate(used: Tensor, result: Tensor): void {
  if (used !== result && !result.requiresGrad) used.dispose();
}
