// ResnetGenerator of the original CycleGAN (junyanz/pytorch-CycleGAN-and-pix2pix, models/
// networks.py, with its defaults for CycleGAN: norm='instance' (no affine, so every conv has
// a bias), padding 'reflect', two downsamplings). Its pretrained `latest_net_G.pth` files load
// into it key for key:
//   0 ReflectionPad2d(3); 1 Conv in->ngf k7; 2 IN; 3 ReLU;
//   4 Conv ngf->2ngf k3 s2 p1; 5 IN; 6 ReLU; 7 Conv 2ngf->4ngf k3 s2 p1; 8 IN; 9 ReLU;
//   10 .. 9+N ResnetBlock(4ngf), keys `conv_block.{1,5}` (with dropout `conv_block.{1,6}`);
//   10+N ConvTranspose 4ngf->2ngf k3 s2 p1 op1; IN; ReLU; 13+N ConvTranspose 2ngf->ngf; IN; ReLU;
//   16+N ReflectionPad2d(3); 17+N Conv ngf->out k7; 18+N Tanh.
import type { Engine } from '../engine.js';
import type { Tensor } from '../tensor.js';
import { add } from '../ops/arithmetic.js';
import { Module } from '../nn/module.js';
import { Sequential } from '../nn/sequential.js';
import { Conv2d, ConvTranspose2d } from '../nn/conv.js';
import { InstanceNorm2d } from '../nn/norm.js';
import { ReflectionPad2d } from '../nn/padding.js';
import { ReLU, Tanh } from '../nn/activation.js';
import { Dropout } from '../nn/dropout.js';
import { checkBool, checkEngine, checkInt, checkOptions } from '../nn/args.js';
import { releaseIntermediate } from '../nn/memory.js';

export interface ResnetGeneratorOptions {
  /** Channels of the input images (3 for RGB). */
  inputNc: number;
  /** Channels of the output images (3 for RGB). */
  outputNc: number;
  /** Filters of the first conv (default 64). */
  ngf?: number;
  /** Residual blocks (default 9, the original's resnet_9blocks; 6 is resnet_6blocks). */
  nBlocks?: number;
  /** Dropout(0.5) inside each residual block (the original's --no_dropout off); default false. */
  useDropout?: boolean;
}

/** The original's ResnetBlock: x + conv_block(x). */
export class ResnetBlock extends Module {
  readonly conv_block: Sequential;

  constructor(engine: Engine, readonly dim: number, readonly useDropout: boolean) {
    super(checkEngine('ResnetBlock', engine));
    checkInt('ResnetBlock', 'dim', dim, 1);
    const layers: Module[] = [
      new ReflectionPad2d(1),
      new Conv2d(engine, dim, dim, 3),
      new InstanceNorm2d(engine, dim),
      new ReLU(),
    ];
    if (useDropout) layers.push(new Dropout(0.5));
    layers.push(new ReflectionPad2d(1), new Conv2d(engine, dim, dim, 3), new InstanceNorm2d(engine, dim));
    this.conv_block = this.registerModule('conv_block', new Sequential(...layers));
  }

  forward(x: Tensor): Tensor {
    const y = this.conv_block.forward(x);
    const out = add(x, y);
    releaseIntermediate(y, out);
    return out;
  }

  protected override extraRepr(): string {
    return `${this.dim}${this.useDropout ? ', dropout' : ''}`;
  }
}

export class ResnetGenerator extends Module {
  /** The constructor options with defaults filled in (saved in safetensors metadata). */
  readonly config: Required<ResnetGeneratorOptions>;
  readonly model: Sequential;

  constructor(engine: Engine, options: ResnetGeneratorOptions) {
    const where = 'ResnetGenerator';
    super(checkEngine(where, engine));
    const opts = checkOptions(where, options);
    const inputNc = checkInt(where, 'inputNc', opts.inputNc, 1);
    const outputNc = checkInt(where, 'outputNc', opts.outputNc, 1);
    const ngf = checkInt(where, 'ngf', opts.ngf ?? 64, 1);
    const nBlocks = checkInt(where, 'nBlocks', opts.nBlocks ?? 9, 0);
    const useDropout = checkBool(where, 'useDropout', opts.useDropout ?? false);
    this.config = { inputNc, outputNc, ngf, nBlocks, useDropout };

    const layers: Module[] = [
      new ReflectionPad2d(3),
      new Conv2d(engine, inputNc, ngf, 7),
      new InstanceNorm2d(engine, ngf),
      new ReLU(),
    ];
    for (let i = 0; i < 2; i++) {
      const mult = 2 ** i;
      layers.push(
        new Conv2d(engine, ngf * mult, ngf * mult * 2, 3, { stride: 2, padding: 1 }),
        new InstanceNorm2d(engine, ngf * mult * 2),
        new ReLU(),
      );
    }
    for (let i = 0; i < nBlocks; i++) layers.push(new ResnetBlock(engine, ngf * 4, useDropout));
    for (let i = 0; i < 2; i++) {
      const mult = 2 ** (2 - i);
      layers.push(
        new ConvTranspose2d(engine, ngf * mult, (ngf * mult) / 2, 3, { stride: 2, padding: 1, outputPadding: 1 }),
        new InstanceNorm2d(engine, (ngf * mult) / 2),
        new ReLU(),
      );
    }
    layers.push(new ReflectionPad2d(3), new Conv2d(engine, ngf, outputNc, 7), new Tanh());
    this.model = this.registerModule('model', new Sequential(...layers));
  }

  /** x [n, inputNc, h, w] in [-1, 1] (h, w multiples of 4) -> [n, outputNc, h, w] in [-1, 1]. */
  forward(x: Tensor): Tensor {
    return this.model.forward(x);
  }

  protected override extraRepr(): string {
    const c = this.config;
    return `inputNc=${c.inputNc}, outputNc=${c.outputNc}, ngf=${c.ngf}, nBlocks=${c.nBlocks}, useDropout=${c.useDropout}`;
  }
}
