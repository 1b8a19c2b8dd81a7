// relu, leakyRelu and tanh, with their gradients (kernels relu/reluGrad, ...).
import type { Tensor } from '../tensor.js';
import { checkNumber, checkTensor } from './checks.js';

export function relu(x: Tensor): Tensor {
  checkTensor('relu', 'x', x);
  const e = x.engine;
  const [y] = e.runKernel('relu', 'relu', [x], [x.shape], { n: x.size });
  if (e.needsGrad(x)) {
    e.recordGrad(y, 'relu', [x], (dy) => e.runKernel('relu backward', 'reluGrad', [dy, x], [x.shape], { n: x.size }));
  }
  return y;
}

export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  checkTensor('leakyRelu', 'x', x);
  checkNumber('leakyRelu', 'negativeSlope', negativeSlope);
  const e = x.engine;
  const attrs = { n: x.size, negativeSlope };
  const [y] = e.runKernel('leakyRelu', 'leakyRelu', [x], [x.shape], attrs);
  if (e.needsGrad(x)) {
    e.recordGrad(y, 'leakyRelu', [x], (dy) =>
      e.runKernel('leakyRelu backward', 'leakyReluGrad', [dy, x], [x.shape], attrs),
    );
  }
  return y;
}

export function tanh(x: Tensor): Tensor {
  checkTensor('tanh', 'x', x);
  const e = x.engine;
  const [y] = e.runKernel('tanh', 'tanh', [x], [x.shape], { n: x.size });
  if (e.needsGrad(x)) {
    // Saves the output, as PyTorch does: d tanh = 1 - y^2.
    e.recordGrad(y, 'tanh', [x], (dy) => e.runKernel('tanh backward', 'tanhGrad', [dy, y], [x.shape], { n: x.size }));
  }
  return y;
}
