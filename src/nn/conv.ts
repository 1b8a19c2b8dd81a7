// Conv2d and ConvTranspose2d layers: torch.nn's constructor arguments, parameter names and
// default initialization.
import type { Engine } from '../engine.js';
import { AttributeError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { conv2d } from '../ops/conv2d.js';
import { convTranspose2d } from '../ops/conv_transpose2d.js';
import { Module } from './module.js';
import { defaultBound, uniformParameter } from './init.js';
import { checkBool, checkEngine, checkInt, checkOptions, checkPair } from './args.js';

export interface Conv2dOptions {
  stride?: number | [number, number];
  padding?: number | [number, number];
  /** Learn an additive bias (default true). */
  bias?: boolean;
}

/** torch.nn.Conv2d: weight [outChannels, inChannels, kh, kw], bias [outChannels]. */
export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(engine: Engine, inChannels: number, outChannels: number, kernelSize: number | [number, number], options?: Conv2dOptions) {
    super(engine);
    const where = 'Conv2d';
    checkEngine(where, engine);
    const { stride = 1, padding = 0, bias = true } = checkOptions(where, options);
    this.inChannels = checkInt(where, 'inChannels', inChannels, 1);
    this.outChannels = checkInt(where, 'outChannels', outChannels, 1);
    this.kernelSize = checkPair(where, 'kernelSize', kernelSize, 1);
    this.stride = checkPair(where, 'stride', stride, 1);
    this.padding = checkPair(where, 'padding', padding, 0);
    const hasBias = checkBool(where, 'bias', bias);
    const [kh, kw] = this.kernelSize;
    const bound = defaultBound(inChannels * kh * kw);
    this.weight = this.registerParameter('weight', uniformParameter(engine, [outChannels, inChannels, kh, kw], bound));
    this.bias = this.registerParameter('bias', hasBias ? uniformParameter(engine, [outChannels], bound) : null);
  }

  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding });
  }

  protected override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, kernelSize=[${this.kernelSize}], stride=[${this.stride}], padding=[${this.padding}]${
      this.bias ? '' : ', bias=false'
    }`;
  }
}

export interface ConvTranspose2dOptions extends Conv2dOptions {
  /** Extra rows/columns added to one side of the output (must be less than stride). */
  outputPadding?: number | [number, number];
}

/**
 * torch.nn.ConvTranspose2d: weight [inChannels, outChannels, kh, kw] (in before out, as in
 * PyTorch), bias [outChannels]. Output size (h-1)*stride - 2*padding + k + outputPadding.
 */
export class ConvTranspose2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly outputPadding: [number, number];
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(
    engine: Engine,
    inChannels: number,
    outChannels: number,
    kernelSize: number | [number, number],
    options?: ConvTranspose2dOptions,
  ) {
    super(engine);
    const where = 'ConvTranspose2d';
    checkEngine(where, engine);
    const { stride = 1, padding = 0, outputPadding = 0, bias = true } = checkOptions(where, options);
    this.inChannels = checkInt(where, 'inChannels', inChannels, 1);
    this.outChannels = checkInt(where, 'outChannels', outChannels, 1);
    this.kernelSize = checkPair(where, 'kernelSize', kernelSize, 1);
    this.stride = checkPair(where, 'stride', stride, 1);
    this.padding = checkPair(where, 'padding', padding, 0);
    this.outputPadding = checkPair(where, 'outputPadding', outputPadding, 0);
    if (this.outputPadding[0] >= this.stride[0] || this.outputPadding[1] >= this.stride[1]) {
      throw new AttributeError(
        where,
        'outputPadding',
        `smaller than stride [${this.stride}]`,
        `[${this.outputPadding}]`,
      );
    }
    const hasBias = checkBool(where, 'bias', bias);
    const [kh, kw] = this.kernelSize;
    // PyTorch computes fan-in from weight.size(1), which for a transposed conv is outChannels.
    const bound = defaultBound(outChannels * kh * kw);
    this.weight = this.registerParameter('weight', uniformParameter(engine, [inChannels, outChannels, kh, kw], bound));
    this.bias = this.registerParameter('bias', hasBias ? uniformParameter(engine, [outChannels], bound) : null);
  }

  forward(x: Tensor): Tensor {
    return convTranspose2d(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      outputPadding: this.outputPadding,
    });
  }

  protected override extraRepr(): string {
    return `${this.inChannels}, ${this.outChannels}, kernelSize=[${this.kernelSize}], stride=[${this.stride}], padding=[${
      this.padding
    }], outputPadding=[${this.outputPadding}]${this.bias ? '' : ', bias=false'}`;
  }
}
