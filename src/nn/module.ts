// Module: the base class of layers and networks, mirroring torch.nn.Module. Parameters,
// buffers and submodules are registered under names, so that state dict keys come out as
// PyTorch's dotted names (`model.10.block.1.weight`) in PyTorch's order.
import { engineOf, type Engine } from '../engine.js';
import { AttributeError, StateDictError } from '../errors.js';
import { formatShape, isValidShape, numel, shapesEqual, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';

/** A state dict value: a tensor (of any engine) or plain data with its shape. */
export type StateDictValue = Tensor | { data: Float32Array | readonly number[]; shape: Shape };

export interface LoadStateDictOptions {
  /** Missing and unexpected keys are errors (default true). Shape mismatches always are. */
  strict?: boolean;
}

/** What loadStateDict did not load (like PyTorch's `_IncompatibleKeys`). */
export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

export abstract class Module {
  /** True in training mode (the default); switched by train() and eval(). */
  training = true;
  private readonly _parameters = new Map<string, Tensor>();
  private readonly _buffers = new Map<string, Tensor>();
  private readonly _modules = new Map<string, Module>();

  /** The engine this module's parameters live in; null for modules without parameters. */
  constructor(readonly engine: Engine | null = null) {}

  abstract forward(x: Tensor): Tensor;

  // ------------------------------------------------------------------ registration

  /**
   * Registers a parameter under `name` (like assigning an nn.Parameter in PyTorch) and returns
   * it. The tensor is taken out of any enclosing tidy(): the module owns it until dispose().
   * A null parameter (e.g. Conv2d without bias) is not registered and has no state dict key.
   */
  protected registerParameter<T extends Tensor | null>(name: string, tensor: T): T {
    this.checkName(name, this._parameters);
    if (tensor === null) {
      this._parameters.delete(name);
      return tensor;
    }
    if (!(tensor instanceof Tensor)) {
      throw new AttributeError(`${this.constructor.name}.registerParameter`, name, 'a Tensor or null', typeof tensor);
    }
    engineOf(tensor).keep(tensor);
    this._parameters.set(name, tensor);
    return tensor;
  }

  /** Registers a persistent buffer (state that is saved but not trained, e.g. running stats). */
  protected registerBuffer<T extends Tensor | null>(name: string, tensor: T): T {
    this.checkName(name, this._buffers);
    if (tensor === null) {
      this._buffers.delete(name);
      return tensor;
    }
    engineOf(tensor).keep(tensor);
    this._buffers.set(name, tensor);
    return tensor;
  }

  /** Registers a submodule; its keys get the prefix `name.`. */
  protected registerModule<M extends Module>(name: string, module: M): M {
    this.checkName(name, this._modules);
    if (!(module instanceof Module)) {
      throw new AttributeError(`${this.constructor.name}.registerModule`, name, 'a Module', typeof module);
    }
    this._modules.set(name, module);
    return module;
  }

  private checkName(name: string, own: Map<string, unknown>): void {
    const where = `${this.constructor.name}.register`;
    if (typeof name !== 'string' || name === '' || name.includes('.')) {
      throw new AttributeError(where, 'name', 'a non-empty name without dots', JSON.stringify(name));
    }
    for (const m of [this._parameters, this._buffers, this._modules] as Map<string, unknown>[]) {
      if (m !== own && m.has(name)) {
        throw new AttributeError(where, 'name', 'a name not already in use', JSON.stringify(name));
      }
    }
  }

  // ------------------------------------------------------------------ traversal

  /** Direct submodules with their names, in registration order. */
  namedChildren(): [string, Module][] {
    return [...this._modules];
  }

  children(): Module[] {
    return [...this._modules.values()];
  }

  /** This module and all its descendants, depth first, with dotted names ('' for this one). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, m] of this._modules) out.push(...m.namedModules(prefix ? `${prefix}.${name}` : name));
    return out;
  }

  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Every parameter with its dotted name, in PyTorch's order (own first, then children's). */
  namedParameters(prefix = ''): [string, Tensor][] {
    return this.collect(prefix, (m) => m._parameters);
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  namedBuffers(prefix = ''): [string, Tensor][] {
    return this.collect(prefix, (m) => m._buffers);
  }

  buffers(): Tensor[] {
    return this.namedBuffers().map(([, t]) => t);
  }

  private collect(prefix: string, pick: (m: Module) => Map<string, Tensor>): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    for (const [path, m] of this.namedModules(prefix)) {
      for (const [name, t] of pick(m)) {
        if (seen.has(t)) continue; // a shared tensor is listed once, like PyTorch
        seen.add(t);
        out.push([path ? `${path}.${name}` : name, t]);
      }
    }
    return out;
  }

  /** Number of parameter elements (PyTorch's `sum(p.numel() for p in m.parameters())`). */
  numParameters({ trainableOnly = false }: { trainableOnly?: boolean } = {}): number {
    let n = 0;
    for (const p of this.parameters()) if (!trainableOnly || p.requiresGrad) n += p.size;
    return n;
  }

  // ------------------------------------------------------------------ state dict

  /**
   * Parameters and buffers by dotted name, in PyTorch's order. The values are the module's own
   * tensors (not copies), like PyTorch's state_dict(); do not dispose them.
   */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    // PyTorch lists each module's parameters, then its buffers, then its children's.
    for (const [path, m] of this.namedModules()) {
      for (const [name, t] of [...m._parameters, ...m._buffers]) out[path ? `${path}.${name}` : name] = t;
    }
    return out;
  }

  /**
   * Copies values into the module's parameters and buffers in place (engine.assign), so
   * optimizers holding the parameters see them. Nothing is written unless the whole dict
   * fits: shape mismatches are always errors; with `strict` (default) missing and unexpected
   * keys are too. Values may be tensors of any engine or `{ data, shape }`.
   */
  loadStateDict(
    state: Record<string, StateDictValue>,
    { strict = true }: LoadStateDictOptions = {},
  ): LoadStateDictResult {
    const where = `loadStateDict(${this.constructor.name})`;
    if (state === null || typeof state !== 'object' || state instanceof Tensor) {
      throw new AttributeError(where, 'state', 'an object mapping keys to tensors', String(state));
    }
    const own = this.stateDict();
    const missing: string[] = [];
    const unexpected: string[] = [];
    const mismatched: string[] = [];
    const problems: string[] = [];
    const writes: [Tensor, StateDictValue][] = [];
    for (const [key, dst] of Object.entries(own)) {
      if (!Object.prototype.hasOwnProperty.call(state, key)) {
        missing.push(key);
        continue;
      }
      const value = state[key];
      if (value instanceof Tensor) value.assertAlive('loadStateDict', `state['${key}']`);
      const shape = valueShape(value);
      if (shape === null) {
        mismatched.push(key);
        problems.push(`${key}: expected a Tensor or { data, shape } of shape ${formatShape(dst.shape)}, got ${describe(value)}`);
      } else if (!shapesEqual(shape, dst.shape)) {
        mismatched.push(key);
        problems.push(`${key}: expected shape ${formatShape(dst.shape)}, got ${formatShape(shape)}`);
      } else if (!(value instanceof Tensor) && value.data.length !== numel(shape)) {
        mismatched.push(key);
        problems.push(`${key}: shape ${formatShape(shape)} needs ${numel(shape)} values, data has ${value.data.length}`);
      } else {
        writes.push([dst, value]);
      }
    }
    for (const key of Object.keys(state)) if (!Object.prototype.hasOwnProperty.call(own, key)) unexpected.push(key);

    if (mismatched.length || (strict && (missing.length || unexpected.length))) {
      const parts: string[] = [];
      if (mismatched.length) parts.push(`size mismatch for ${problems.join('; ')}`);
      if (strict && missing.length) {
        parts.push(`missing keys: ${missing.map((k) => `${k} ${formatShape(own[k].shape)}`).join(', ')}`);
      }
      if (strict && unexpected.length) {
        const shown = (k: string): string => {
          const shape = valueShape(state[k]);
          return `${k} ${shape ? formatShape(shape) : `(${describe(state[k])})`}`;
        };
        parts.push(`unexpected keys: ${unexpected.map(shown).join(', ')}`);
      }
      throw new StateDictError(`${where}: ${parts.join('. ')}`, missing, unexpected, mismatched);
    }

    for (const [dst, value] of writes) {
      const engine = engineOf(dst);
      if (value instanceof Tensor) {
        // A tensor of another engine is read through its own engine.
        engine.assign(dst, value.engine === engine ? value : value.dataSync());
      } else {
        engine.assign(dst, value.data instanceof Float32Array ? value.data : Float32Array.from(value.data));
      }
    }
    return { missingKeys: missing, unexpectedKeys: unexpected };
  }

  // ------------------------------------------------------------------ modes and lifetime

  /** Sets training mode on this module and every descendant (Dropout reads it). */
  train(mode = true): this {
    if (typeof mode !== 'boolean') {
      throw new AttributeError(`${this.constructor.name}.train`, 'mode', 'a boolean', String(mode));
    }
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** Same as train(false). */
  eval(): this {
    return this.train(false);
  }

  /** Drops the accumulated gradients of every parameter. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.zeroGrad();
  }

  /** Sets requiresGrad on every parameter (e.g. to freeze a discriminator); PyTorch's requires_grad_(). */
  setRequiresGrad(value = true): this {
    for (const p of this.parameters()) p.requiresGrad = value;
    return this;
  }

  /** Frees every parameter, gradient and buffer of this module and its descendants. */
  dispose(): void {
    for (const t of [...this.parameters(), ...this.buffers()]) {
      t.zeroGrad();
      t.dispose();
    }
  }

  /** Calls forward(); reads like PyTorch's `module(x)`. */
  call(x: Tensor): Tensor {
    return this.forward(x);
  }

  /** A one-line description of this module and its direct children. */
  toString(): string {
    const extra = this.extraRepr();
    const kids = this.namedChildren().map(([n, m]) => `  (${n}): ${m.toString().replace(/\n/g, '\n  ')}`);
    return kids.length ? `${this.constructor.name}(${extra}\n${kids.join('\n')}\n)` : `${this.constructor.name}(${extra})`;
  }

  /** The arguments shown by toString(), like PyTorch's extra_repr(). */
  protected extraRepr(): string {
    return '';
  }
}

function valueShape(value: unknown): Shape | null {
  if (value instanceof Tensor) return value.shape;
  if (value && typeof value === 'object' && 'shape' in value && 'data' in value) {
    const { shape, data } = value as { shape: unknown; data: unknown };
    if (isValidShape(shape) && (data instanceof Float32Array || Array.isArray(data))) return shape;
  }
  return null;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (ArrayBuffer.isView(value)) return (value as object).constructor.name;
  return typeof value;
}
