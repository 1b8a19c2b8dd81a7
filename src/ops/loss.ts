// mseLoss and l1Loss with mean reduction (PyTorch's default), shape []. Gradients for both
// input and target: the target's is the input's negated, which the same gradient kernel
// gives with the two arguments swapped (2*(t-x) = -2*(x-t), sign(t-x) = -sign(x-t)).
import type { KernelName } from '../kernels/contract.js';
import type { Tensor } from '../tensor.js';
import { checkShapeEquals, checkTensor, sameEngine } from './checks.js';

/** mean((input - target)^2) */
export function mseLoss(input: Tensor, target: Tensor): Tensor {
  return loss('mseLoss', 'mseLossGrad', input, target);
}

/** mean(|input - target|); the gradient takes sign(0) = 0, like PyTorch. */
export function l1Loss(input: Tensor, target: Tensor): Tensor {
  return loss('l1Loss', 'l1LossGrad', input, target);
}

function loss(
  op: 'mseLoss' | 'l1Loss',
  gradKernel: Extract<KernelName, 'mseLossGrad' | 'l1LossGrad'>,
  input: Tensor,
  target: Tensor,
): Tensor {
  checkTensor(op, 'input', input);
  checkTensor(op, 'target', target);
  const e = sameEngine(op, input, target);
  checkShapeEquals(op, 'target', target, input.shape);
  const n = input.size;
  const [y] = e.runKernel(op, op, [input, target], [[]], { n });
  if (e.needsGrad(input, target)) {
    const [is, ts] = [e._save(input), e._save(target)];
    e.recordGrad(y, op, [input, target], (dy) => {
      const bw = `${op} backward`;
      const di = input.requiresGrad ? e.runKernel(bw, gradKernel, [is, ts, dy], [input.shape], { n })[0] : null;
      const dt = target.requiresGrad ? e.runKernel(bw, gradKernel, [ts, is, dy], [input.shape], { n })[0] : null;
      return [di, dt];
    }, [is, ts]);
  }
  return y;
}
