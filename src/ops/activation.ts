// relu, leakyRelu and tanh, with their gradients (kernels relu/reluGrad, ...).
import type { Tensor } from '../tensor.js';
import { checkNumber, checkTensor } from './checks.js';
import { engineOf } from '../engine.js';

export function relu(x: Tensor): Tensor {
  checkTensor('relu', 'x', x);
  const e = engineOf(x);
  const [y] = e.runKernel('relu', 'relu', [x], [x.shape], { n: x.size });
  if (e.needsGrad(x)) {
    // Saves the output, not the input: y > 0 exactly where x > 0, and y is what the next layer
    // (a conv) saves anyway, so x can be freed as soon as it is consumed.
    const ys = e._save(y);
    e.recordGrad(y, 'relu', [x], (dy) => e.runKernel('relu backward', 'reluGrad', [dy, ys], [x.shape], { n: x.size }), [ys]);
  }
  return y;
}

export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  checkTensor('leakyRelu', 'x', x);
  checkNumber('leakyRelu', 'negativeSlope', negativeSlope);
  const e = engineOf(x);
  const attrs = { n: x.size, negativeSlope };
  const [y] = e.runKernel('leakyRelu', 'leakyRelu', [x], [x.shape], attrs);
  if (e.needsGrad(x)) {
    // With a slope >= 0, y > 0 exactly where x > 0 (as relu): the output is saved, which the
    // next conv shares; a negative slope flips signs, so then the input is.
    const saved = e._save(negativeSlope >= 0 ? y : x);
    e.recordGrad(y, 'leakyRelu', [x], (dy) =>
      e.runKernel('leakyRelu backward', 'leakyReluGrad', [dy, saved], [x.shape], attrs),
    [saved]);
  }
  return y;
}

export function tanh(x: Tensor): Tensor {
  checkTensor('tanh', 'x', x);
  const e = engineOf(x);
  const [y] = e.runKernel('tanh', 'tanh', [x], [x.shape], { n: x.size });
  if (e.needsGrad(x)) {
    // Saves the output, as PyTorch does: d tanh = 1 - y^2.
    const ys = e._save(y);
    e.recordGrad(y, 'tanh', [x], (dy) => e.runKernel('tanh backward', 'tanhGrad', [dy, ys], [x.shape], { n: x.size }), [ys]);
  }
  return y;
}
