// GeneratorResNet: PyTorch-GAN's CycleGAN generator (seed document), with its state dict keys:
//   0 ReflectionPad2d(3); 1 Conv c->64 k7; 2 IN; 3 ReLU;
//   4 Conv 64->128 k3 s2 p1; 5 IN; 6 ReLU; 7 Conv 128->256 k3 s2 p1; 8 IN; 9 ReLU;
//   10 .. 9+N ResidualBlock(256);
//   Upsample(2), Conv 256->128 k3 p1 (11+N), IN, ReLU, Upsample(2), Conv 128->64 k3 p1 (15+N), IN, ReLU;
//   ReflectionPad2d(3), Conv 64->c k7 (19+N), Tanh.
// Each Upsample + Conv pair runs as one upsampleConv2d (upsample_conv_sequential.ts); the
// modules and their keys are unchanged.
import type { Engine } from '../engine.js';
import type { Tensor } from '../tensor.js';
import { Module } from '../nn/module.js';
import { Conv2d } from '../nn/conv.js';
import { InstanceNorm2d } from '../nn/norm.js';
import { ReflectionPad2d } from '../nn/padding.js';
import { Upsample } from '../nn/upsample.js';
import { ReLU, Tanh } from '../nn/activation.js';
import { checkEngine, checkInt } from '../nn/args.js';
import { ResidualBlock } from './residual_block.js';
import { checkInputShape } from './shape.js';
import { UpsampleConvSequential } from './upsample_conv_sequential.js';

/**
 * Reflection padding around the two 7x7 convolutions. PyTorch-GAN pads by `channels`, which
 * is 3 for RGB and shrinks grayscale outputs (its issue #128); 3 keeps the output the size of
 * the input for any channel count and changes no state dict key.
 */
const OUTER_PAD = 3;

export class GeneratorResNet extends Module {
  readonly inputShape: [number, number, number];
  readonly nResidualBlocks: number;
  readonly model: UpsampleConvSequential;

  /**
   * @param inputShape [channels, height, width] of the images (height and width multiples of 4,
   *   so that the two stride-2 downsamplings are undone exactly by the two upsamplings)
   * @param nResidualBlocks residual blocks at the bottleneck (9 for 256x256 images, 6 for 128x128)
   */
  constructor(engine: Engine, inputShape: [number, number, number], nResidualBlocks = 9) {
    super(checkEngine('GeneratorResNet', engine));
    this.inputShape = checkInputShape('GeneratorResNet', inputShape, 4);
    this.nResidualBlocks = checkInt('GeneratorResNet', 'nResidualBlocks', nResidualBlocks, 0);
    const channels = this.inputShape[0];

    let outFeatures = 64;
    const layers = [
      new ReflectionPad2d(OUTER_PAD),
      new Conv2d(engine, channels, outFeatures, 7),
      new InstanceNorm2d(engine, outFeatures),
      new ReLU(),
    ];
    let inFeatures = outFeatures;
    for (let i = 0; i < 2; i++) {
      outFeatures *= 2;
      layers.push(
        new Conv2d(engine, inFeatures, outFeatures, 3, { stride: 2, padding: 1 }),
        new InstanceNorm2d(engine, outFeatures),
        new ReLU(),
      );
      inFeatures = outFeatures;
    }
    for (let i = 0; i < nResidualBlocks; i++) layers.push(new ResidualBlock(engine, outFeatures));
    for (let i = 0; i < 2; i++) {
      outFeatures /= 2;
      layers.push(
        new Upsample({ scaleFactor: 2 }),
        new Conv2d(engine, inFeatures, outFeatures, 3, { stride: 1, padding: 1 }),
        new InstanceNorm2d(engine, outFeatures),
        new ReLU(),
      );
      inFeatures = outFeatures;
    }
    layers.push(new ReflectionPad2d(OUTER_PAD), new Conv2d(engine, outFeatures, channels, 7), new Tanh());
    this.model = this.registerModule('model', new UpsampleConvSequential(...layers));
  }

  /** x [n, channels, h, w] in [-1, 1] -> [n, channels, h, w] in [-1, 1]. */
  forward(x: Tensor): Tensor {
    return this.model.forward(x);
  }

  protected override extraRepr(): string {
    return `inputShape=[${this.inputShape}], nResidualBlocks=${this.nResidualBlocks}`;
  }
}
