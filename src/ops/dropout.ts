// dropout (kernel dropout): zeroes each element with probability p and scales the kept
// ones by 1/(1-p), like torch.nn.functional.dropout. The mask is drawn from the seeded uniform
// stream (assembly/random.ts), so a given seed always drops the same elements.
import { AttributeError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { checkTensor } from './checks.js';
import { engineOf } from '../engine.js';

export interface DropoutOptions {
  /** Probability of zeroing an element, 0 <= p < 1; default 0.5. */
  p?: number;
  /** Off (evaluation): the input passes through unchanged. Default true, like F.dropout. */
  training?: boolean;
  /** Seed of the mask; default: the engine's next seed (engine.nextSeed()). */
  seed?: number;
}

export function dropout(x: Tensor, options: DropoutOptions = {}): Tensor {
  checkTensor('dropout', 'x', x);
  const p = options.p ?? 0.5;
  if (typeof p !== 'number' || !(p >= 0 && p < 1)) {
    throw new AttributeError('dropout', 'p', 'a number in [0, 1)', String(p));
  }
  const training = options.training ?? true;
  if (typeof training !== 'boolean') {
    throw new AttributeError('dropout', 'training', 'a boolean', String(training));
  }
  if (options.seed !== undefined && !(Number.isInteger(options.seed) && options.seed >= 0 && options.seed <= 0xffffffff)) {
    throw new AttributeError('dropout', 'seed', 'an integer in [0, 2^32)', String(options.seed));
  }
  const e = engineOf(x);
  if (!training || p === 0) {
    // Identity, as F.dropout returns its input: a view sharing x's storage, with the
    // gradient passing through (so disposing the result never frees x). No seed is drawn.
    return x.reshape(x.shape);
  }
  const seed = options.seed ?? e.nextSeed();
  const [y, mask] = e.runKernel('dropout', 'dropout', [x], [x.shape, x.shape], { n: x.size, p, seed });
  if (e.needsGrad(x)) {
    e.recordGrad(
      y,
      'dropout',
      [x],
      (dy) => e.runKernel('dropout backward', 'mul', [dy, mask], [x.shape], { n: x.size, broadcastA: false, broadcastB: false }),
      [mask],
    );
  } else {
    mask.dispose();
  }
  return y;
}
