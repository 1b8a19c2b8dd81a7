// ReflectionPad2d and ZeroPad2d: padding as one integer or PyTorch's (left, right, top, bottom).
import type { Tensor } from '../tensor.js';
import { reflectionPad2d, zeroPad2d } from '../ops/pad.js';
import { Module } from './module.js';
import { checkPad4 } from './args.js';

export class ReflectionPad2d extends Module {
  /** [left, right, top, bottom] */
  readonly padding: [number, number, number, number];

  constructor(padding: number | [number, number, number, number]) {
    super();
    this.padding = checkPad4('ReflectionPad2d', 'padding', padding);
  }

  forward(x: Tensor): Tensor {
    return reflectionPad2d(x, this.padding);
  }

  protected override extraRepr(): string {
    return `[${this.padding}]`;
  }
}

export class ZeroPad2d extends Module {
  /** [left, right, top, bottom] */
  readonly padding: [number, number, number, number];

  constructor(padding: number | [number, number, number, number]) {
    super();
    this.padding = checkPad4('ZeroPad2d', 'padding', padding);
  }

  forward(x: Tensor): Tensor {
    return zeroPad2d(x, this.padding);
  }

  protected override extraRepr(): string {
    return `[${this.padding}]`;
  }
}
