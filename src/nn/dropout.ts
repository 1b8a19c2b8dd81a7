// Dropout: zeroes elements with probability p while training (scaling the rest by 1/(1-p));
// the identity in eval mode.
import { AttributeError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { dropout } from '../ops/dropout.js';
import { mul } from '../ops/arithmetic.js';
import { Module } from './module.js';
import { checkNumber } from './args.js';

export class Dropout extends Module {
  readonly p: number;

  constructor(p = 0.5) {
    super();
    checkNumber('Dropout', 'p', p);
    if (p < 0 || p > 1) throw new AttributeError('Dropout', 'p', 'a probability in [0, 1]', String(p));
    this.p = p;
  }

  /** Masks are drawn from the engine's seeded random stream. */
  forward(x: Tensor): Tensor {
    // p = 1 drops everything (PyTorch allows it; the dropout op takes p < 1).
    if (this.p === 1 && this.training) return mul(x, 0);
    return dropout(x, { p: this.p, training: this.training });
  }

  protected override extraRepr(): string {
    return `p=${this.p}`;
  }
}
