// Sequential: runs its children in order; they are named "0", "1", ... so parameter keys
// come out as PyTorch's (`model.1.weight`).
import { AttributeError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';
import { chainStep } from './memory.js';

export class Sequential extends Module implements Iterable<Module> {
  private readonly layers: Module[] = [];

  constructor(...modules: Module[]) {
    super();
    for (const m of modules) this.append(m);
  }

  /** Adds a module at the end, named by its index. */
  append(module: Module): this {
    if (!(module instanceof Module)) {
      throw new AttributeError('Sequential', `module ${this.layers.length}`, 'a Module', module === null ? 'null' : typeof module);
    }
    this.registerModule(String(this.layers.length), module);
    this.layers.push(module);
    return this;
  }

  get length(): number {
    return this.layers.length;
  }

  /** The module at index i (negative counts from the end). */
  at(i: number): Module {
    const m = this.layers.at(i);
    if (!m || !Number.isInteger(i)) {
      throw new AttributeError('Sequential.at', 'index', `an integer in [-${this.length}, ${this.length})`, String(i));
    }
    return m;
  }

  [Symbol.iterator](): Iterator<Module> {
    return this.layers[Symbol.iterator]();
  }

  /**
   * Runs the children in order. Each intermediate result is disposed as soon as the next layer
   * has used it: under noGrad that keeps inference memory to about two activations; with grad
   * on, what a backward rule needs survives as the rule's saved view (see nn/memory.ts).
   */
  forward(x: Tensor): Tensor {
    let h = x;
    for (const layer of this.layers) h = chainStep(x, h, (t) => layer.forward(t));
    return h;
  }
}
