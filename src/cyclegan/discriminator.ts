// Discriminator: PyTorch-GAN's CycleGAN PatchGAN discriminator (seed document). Keys (ndf = 64
// in the reference; a narrower ndf scales every width):
//   model.0 Conv c->ndf k4 s2 p1, LeakyReLU(0.2);
//   model.2 Conv ndf->2ndf, IN, LeakyReLU; model.5 Conv 2ndf->4ndf, IN, LeakyReLU;
//   model.8 Conv 4ndf->8ndf, IN, LeakyReLU; 11 ZeroPad2d((1, 0, 1, 0)); model.12 Conv 8ndf->1 k4 p1.
import type { Engine } from '../engine.js';
import { AttributeError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { Module } from '../nn/module.js';
import { Sequential } from '../nn/sequential.js';
import { Conv2d } from '../nn/conv.js';
import { InstanceNorm2d } from '../nn/norm.js';
import { ZeroPad2d } from '../nn/padding.js';
import { LeakyReLU } from '../nn/activation.js';
import { checkEngine, checkInt } from '../nn/args.js';
import { checkInputShape } from './shape.js';

/** The reference's width (filters of the first conv). */
export const DEFAULT_NDF = 64;

export class Discriminator extends Module {
  readonly inputShape: [number, number, number];
  /** Shape of one image's patch scores: [1, height/16, width/16]. */
  readonly outputShape: [number, number, number];
  /** Filters of the first conv (64 in the reference); the deeper layers have 2x, 4x and 8x as many. */
  readonly ndf: number;
  readonly model: Sequential;

  /**
   * @param inputShape [channels, height, width]: height and width multiples of 16, and larger
   *   than 16x16 (the last InstanceNorm needs more than one value per channel)
   * @param ndf filters of the first conv (default 64, the reference's)
   */
  constructor(engine: Engine, inputShape: [number, number, number], ndf = DEFAULT_NDF) {
    super(checkEngine('Discriminator', engine));
    this.inputShape = checkInputShape('Discriminator', inputShape, 16);
    const [channels, height, width] = this.inputShape;
    if (height * width <= 16 * 16) {
      // The last InstanceNorm sees (h/16) x (w/16) values per channel and needs more than one.
      throw new AttributeError(
        'Discriminator',
        'inputShape',
        'height and width multiples of 16 with (height/16)*(width/16) > 1 (e.g. [3, 32, 32])',
        JSON.stringify(inputShape),
      );
    }
    this.outputShape = [1, height / 16, width / 16];
    this.ndf = checkInt('Discriminator', 'ndf', ndf, 1);
    const f = this.ndf;

    const block = (inFilters: number, outFilters: number, normalize = true): Module[] => [
      new Conv2d(engine, inFilters, outFilters, 4, { stride: 2, padding: 1 }),
      ...(normalize ? [new InstanceNorm2d(engine, outFilters)] : []),
      new LeakyReLU(0.2),
    ];
    this.model = this.registerModule(
      'model',
      new Sequential(
        ...block(channels, f, false),
        ...block(f, 2 * f),
        ...block(2 * f, 4 * f),
        ...block(4 * f, 8 * f),
        new ZeroPad2d([1, 0, 1, 0]),
        new Conv2d(engine, 8 * f, 1, 4, { padding: 1 }),
      ),
    );
  }

  /** img [n, channels, h, w] -> patch scores [n, 1, h/16, w/16]. */
  forward(img: Tensor): Tensor {
    return this.model.forward(img);
  }

  protected override extraRepr(): string {
    return `inputShape=[${this.inputShape}]${this.ndf !== DEFAULT_NDF ? `, ndf=${this.ndf}` : ''}`;
  }
}
