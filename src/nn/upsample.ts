// Upsample: torch.nn.Upsample(scale_factor=k) in its default 'nearest' mode.
import { AttributeError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { upsampleNearest2d } from '../ops/upsample.js';
import { Module } from './module.js';
import { checkInt, checkOptions } from './args.js';

export interface UpsampleOptions {
  /** Integer scale of height and width (default 2). */
  scaleFactor?: number;
  /** Only 'nearest' (PyTorch's default) is supported. */
  mode?: 'nearest';
}

export class Upsample extends Module {
  readonly scaleFactor: number;
  readonly mode = 'nearest' as const;

  constructor(options?: UpsampleOptions) {
    super();
    const { scaleFactor = 2, mode = 'nearest' } = checkOptions('Upsample', options);
    if (mode !== 'nearest') throw new AttributeError('Upsample', 'mode', "'nearest'", JSON.stringify(mode));
    this.scaleFactor = checkInt('Upsample', 'scaleFactor', scaleFactor, 1);
  }

  forward(x: Tensor): Tensor {
    return upsampleNearest2d(x, this.scaleFactor);
  }

  protected override extraRepr(): string {
    return `scaleFactor=${this.scaleFactor}, mode='nearest'`;
  }
}
