// GeneratorResNet: PyTorch-GAN's CycleGAN generator (seed document), with its state dict keys
// (ngf = 64 in the reference; a narrower ngf scales every width, for small data such as the demo's):
//   0 ReflectionPad2d(3); 1 Conv c->ngf k7; 2 IN; 3 ReLU;
//   4 Conv ngf->2ngf k3 s2 p1; 5 IN; 6 ReLU; 7 Conv 2ngf->4ngf k3 s2 p1; 8 IN; 9 ReLU;
//   10 .. 9+N ResidualBlock(4ngf);
//   Upsample(2), Conv 4ngf->2ngf k3 p1 (11+N), IN, ReLU, Upsample(2), Conv 2ngf->ngf k3 p1 (15+N), IN, ReLU;
//   ReflectionPad2d(3), Conv ngf->c k7 (19+N), Tanh.
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

/** The reference's width (filters of the first conv). */
export const DEFAULT_NGF = 64;

export class GeneratorResNet extends Module {
  readonly inputShape: [number, number, number];
  readonly nResidualBlocks: number;
  /** Filters of the first conv (64 in the reference); the deeper layers have 2x and 4x as many. */
  readonly ngf: number;
  readonly model: UpsampleConvSequential;

  /**
   * @param inputShape [channels, height, width] of the images (height and width multiples of 4,
   *   so that the two stride-2 downsamplings are undone exactly by the two upsamplings)
   * @param nResidualBlocks residual blocks at the bottleneck (9 for 256x256 images, 6 for 128x128)
   * @param ngf filters of the first conv (default 64, the reference's)
   */
  constructor(engine: Engine, inputShape: [number, number, number], nResidualBlocks = 9, ngf = DEFAULT_NGF) {
    super(checkEngine('GeneratorResNet', engine));
    this.inputShape = checkInputShape('GeneratorResNet', inputShape, 4);
    this.nResidualBlocks = checkInt('GeneratorResNet', 'nResidualBlocks', nResidualBlocks, 0);
    this.ngf = checkInt('GeneratorResNet', 'ngf', ngf, 1);
    const channels = this.inputShape[0];

    let outFeatures = this.ngf;
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
    return `inputShape=[${this.inputShape}], nResidualBlocks=${this.nResidualBlocks}${this.ngf !== DEFAULT_NGF ? `, ngf=${this.ngf}` : ''}`;
  }
}
