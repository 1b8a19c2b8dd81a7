// InstanceNorm2d: torch.nn.InstanceNorm2d (affine off by default, no running statistics).
import type { Engine } from '../engine.js';
import { AttributeError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { instanceNorm2d } from '../ops/instance_norm.js';
import { Module } from './module.js';
import { constantParameter } from './init.js';
import { checkBool, checkEngine, checkInt, checkNumber, checkOptions } from './args.js';

export interface InstanceNorm2dOptions {
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Learn a per-channel scale `weight` (ones) and shift `bias` (zeros); default false. */
  affine?: boolean;
}

export class InstanceNorm2d extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly affine: boolean;
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;

  constructor(engine: Engine | null, numFeatures: number, options?: InstanceNorm2dOptions) {
    super(engine);
    const where = 'InstanceNorm2d';
    const { eps = 1e-5, affine = false } = checkOptions(where, options);
    this.numFeatures = checkInt(where, 'numFeatures', numFeatures, 1);
    this.eps = checkNumber(where, 'eps', eps);
    if (this.eps <= 0) throw new AttributeError(where, 'eps', 'a number > 0', String(eps));
    this.affine = checkBool(where, 'affine', affine);
    if (engine !== null || this.affine) checkEngine(where, engine);
    this.weight = this.registerParameter('weight', this.affine ? constantParameter(engine!, [numFeatures], 1) : null);
    this.bias = this.registerParameter('bias', this.affine ? constantParameter(engine!, [numFeatures], 0) : null);
  }

  forward(x: Tensor): Tensor {
    return instanceNorm2d(x, { eps: this.eps, weight: this.weight, bias: this.bias });
  }

  protected override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, affine=${this.affine}`;
  }
}
