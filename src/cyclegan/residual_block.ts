// ResidualBlock of PyTorch-GAN's CycleGAN generator: x + block(x), where block is
// ReflectionPad2d(1), Conv 3x3, InstanceNorm, ReLU, ReflectionPad2d(1), Conv 3x3, InstanceNorm.
import type { Engine } from '../engine.js';
import type { Tensor } from '../tensor.js';
import { add } from '../ops/arithmetic.js';
import { Module } from '../nn/module.js';
import { Sequential } from '../nn/sequential.js';
import { Conv2d } from '../nn/conv.js';
import { InstanceNorm2d } from '../nn/norm.js';
import { ReflectionPad2d } from '../nn/padding.js';
import { ReLU } from '../nn/activation.js';
import { checkEngine, checkInt } from '../nn/args.js';
import { releaseIntermediate } from '../nn/memory.js';

export class ResidualBlock extends Module {
  readonly inFeatures: number;
  /** Keys `block.1.weight`, `block.1.bias`, `block.5.weight`, `block.5.bias`. */
  readonly block: Sequential;

  constructor(engine: Engine, inFeatures: number) {
    super(checkEngine('ResidualBlock', engine));
    this.inFeatures = checkInt('ResidualBlock', 'inFeatures', inFeatures, 1);
    this.block = this.registerModule(
      'block',
      new Sequential(
        new ReflectionPad2d(1),
        new Conv2d(engine, inFeatures, inFeatures, 3),
        new InstanceNorm2d(engine, inFeatures),
        new ReLU(),
        new ReflectionPad2d(1),
        new Conv2d(engine, inFeatures, inFeatures, 3),
        new InstanceNorm2d(engine, inFeatures),
      ),
    );
  }

  forward(x: Tensor): Tensor {
    const y = this.block.forward(x);
    const out = add(x, y);
    releaseIntermediate(y, out);
    return out;
  }

  protected override extraRepr(): string {
    return `${this.inFeatures}`;
  }
}
