// NLayerDiscriminator of the original CycleGAN (the 70x70 PatchGAN, --netD basic = 3 layers),
// with its instance norm (so every conv has a bias). Keys for nLayers = 3:
//   model.0 Conv in->ndf k4 s2 p1; 1 LeakyReLU(0.2);
//   model.2 Conv ndf->2ndf s2, 3 IN, 4 LeakyReLU; model.5 Conv 2ndf->4ndf s2, 6 IN, 7 LeakyReLU;
//   model.8 Conv 4ndf->8ndf s1, 9 IN, 10 LeakyReLU; model.11 Conv 8ndf->1 k4 s1 p1.
// In general the convs sit at 0, 2, 5, ..., 2 + 3(nLayers - 1), and 2 + 3 nLayers.
import type { Engine } from '../engine.js';
import type { Tensor } from '../tensor.js';
import { Module } from '../nn/module.js';
import { Sequential } from '../nn/sequential.js';
import { Conv2d } from '../nn/conv.js';
import { InstanceNorm2d } from '../nn/norm.js';
import { LeakyReLU } from '../nn/activation.js';
import { checkEngine, checkInt, checkOptions } from '../nn/args.js';

export interface NLayerDiscriminatorOptions {
  /** Channels of the input images. */
  inputNc: number;
  /** Filters of the first conv (default 64). */
  ndf?: number;
  /** Strided conv layers (default 3). */
  nLayers?: number;
}

export class NLayerDiscriminator extends Module {
  readonly config: Required<NLayerDiscriminatorOptions>;
  readonly model: Sequential;

  constructor(engine: Engine, options: NLayerDiscriminatorOptions) {
    const where = 'NLayerDiscriminator';
    super(checkEngine(where, engine));
    const opts = checkOptions(where, options);
    const inputNc = checkInt(where, 'inputNc', opts.inputNc, 1);
    const ndf = checkInt(where, 'ndf', opts.ndf ?? 64, 1);
    const nLayers = checkInt(where, 'nLayers', opts.nLayers ?? 3, 1);
    this.config = { inputNc, ndf, nLayers };

    const layers: Module[] = [new Conv2d(engine, inputNc, ndf, 4, { stride: 2, padding: 1 }), new LeakyReLU(0.2)];
    let mult = 1;
    for (let n = 1; n < nLayers; n++) {
      const prev = mult;
      mult = Math.min(2 ** n, 8);
      layers.push(
        new Conv2d(engine, ndf * prev, ndf * mult, 4, { stride: 2, padding: 1 }),
        new InstanceNorm2d(engine, ndf * mult),
        new LeakyReLU(0.2),
      );
    }
    const prev = mult;
    mult = Math.min(2 ** nLayers, 8);
    layers.push(
      new Conv2d(engine, ndf * prev, ndf * mult, 4, { stride: 1, padding: 1 }),
      new InstanceNorm2d(engine, ndf * mult),
      new LeakyReLU(0.2),
      new Conv2d(engine, ndf * mult, 1, 4, { stride: 1, padding: 1 }),
    );
    this.model = this.registerModule('model', new Sequential(...layers));
  }

  /** img [n, inputNc, h, w] -> patch scores [n, 1, h', w']. */
  forward(img: Tensor): Tensor {
    return this.model.forward(img);
  }

  protected override extraRepr(): string {
    const c = this.config;
    return `inputNc=${c.inputNc}, ndf=${c.ndf}, nLayers=${c.nLayers}`;
  }
}
