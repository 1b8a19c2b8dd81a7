// Early release of intermediate activations during forward passes.
import type { Tensor } from '../tensor.js';

/**
 * Disposes `used`, an intermediate a module made and has just fed into the op or layer that
 * produced `result`: nobody outside the module holds it. This is safe with autograd on too:
 * an op whose backward reads a value saves a view of it (engine._save), and a tensor's graph
 * node lives on while later nodes take it as an input, so only what backward needs stays
 * allocated (a conv's input, an InstanceNorm's input, a ReLU's output), and the rest (an
 * InstanceNorm's output, a residual block's sum) is freed at once.
 */
export function releaseIntermediate(used: Tensor, result: Tensor): void {
  if (used !== result) used.dispose();
}

/**
 * One layer of a chain that started at `x`: h -> run(h). If run throws, h (a partial result
 * nobody else holds, unless it is x) is freed; otherwise h is released into the result
 * (releaseIntermediate). Sequential and UpsampleConvSequential run their layers through it.
 */
export function chainStep(x: Tensor, h: Tensor, run: (h: Tensor) => Tensor): Tensor {
  let next: Tensor;
  try {
    next = run(h);
  } catch (e) {
    // The partial result is nobody's: free it (inside a tidy() it would be freed anyway).
    if (h !== x) h.dispose();
    throw e;
  }
  if (h !== x) releaseIntermediate(h, next);
  return next;
}
