// Tensor: a shape, a float32 storage on one backend, and autograd bookkeeping.
// Storages are reference-counted so that reshape/detach views share memory.
import { checkRequiresGrad } from './ops/option_checks.js';
import type { Storage, StorageSlot } from './backends/backend.js';
import { AutogradError, DisposedTensorError, ShapeError } from './errors.js';
import { formatShape, numel, type Shape } from './shape.js';

export type DType = 'float32';

/** A storage shared by a tensor and its views; freed when the last one is disposed. */
export interface SharedStorage extends StorageSlot {
  refs: number;
}

/** The record autograd keeps for a tensor made by an op. */
export interface GradNode {
  readonly op: string;
  readonly inputs: readonly (Tensor | null)[];
  /** Returns one gradient per input (null where none); runs with grad recording off. */
  readonly backward: (dy: Tensor) => (Tensor | null)[];
  /**
   * Tensors only the backward needs: saved statistics, and views of the inputs or output
   * whose values the rule reads (engine._save), so that those survive their tensors' dispose().
   * Freed when backward has run through the node (unless retainGraph) or when nothing holds it.
   */
  readonly owned: Tensor[];
  /** The saved tensors were freed: backward cannot run through this node again. */
  released: boolean;
  /** Holds on the node: its output tensor (until disposed) and each node that takes that output. */
  refs: number;
}

/**
 * What a tensor asks of the engine that made it: reading, views, backward and release. The
 * engine (src/engine.ts) provides it (checked where the engine passes itself to new Tensor);
 * tensor.ts names only this interface, never the Engine class, so that it sits below the
 * engine with no import back (test/core/import_cycles.test.ts). Code that needs the whole
 * engine of a tensor calls engineOf(t) from src/engine.ts. The members are internal, as the
 * engine's are: the published types show an empty interface.
 */
export interface TensorEngine {
  /** @internal */ _read(t: Tensor): Promise<Float32Array>;
  /** @internal */ _readSync(t: Tensor): Float32Array;
  /** @internal */ _reshape(t: Tensor, shape: Shape): Tensor;
  /** @internal */ _view(t: Tensor, shape: Shape, requiresGrad: boolean): Tensor;
  /** @internal */ _backward(root: Tensor, gradient: Tensor | undefined, retainGraph: boolean): void;
  /** @internal */ _release(t: Tensor): void;
  /** @internal */ _dropNode(node: GradNode): void;
}

export class Tensor {
  readonly dtype: DType = 'float32';
  readonly shape: readonly number[];
  readonly size: number;
  /** Gradient accumulated by backward() on a leaf tensor that requires grad. */
  grad: Tensor | null = null;
  /** Set on tensors made by an op while recording; null on leaves. */
  gradFn: GradNode | null = null;
  private _requiresGrad: boolean;
  private _disposed = false;

  /** @internal use engine.tensor() and the ops to make tensors */
  constructor(
    /** The engine that made this tensor (its internal interface; a tensor is used through the ops and its methods). */
    readonly engine: TensorEngine,
    /** @internal */ readonly _buf: SharedStorage,
    shape: Shape,
    requiresGrad = false,
  ) {
    this.shape = Object.freeze([...shape]);
    this.size = numel(shape);
    this._requiresGrad = requiresGrad;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** The backend whose memory holds this tensor's data. */
  get backend(): Storage['backend'] {
    return this._buf.storage.backend;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  get requiresGrad(): boolean {
    return this._requiresGrad;
  }

  set requiresGrad(value: boolean) {
    checkRequiresGrad('Tensor', value); // 'yes' is an error, never kept as a string
    if (!this.isLeaf && !value) {
      throw new AutogradError('requiresGrad can only be turned off on leaf tensors; use detach()');
    }
    this._requiresGrad = value;
  }

  /** Throws if the tensor was disposed; `op` and `arg` name the use in the error. */
  assertAlive(op = 'tensor', arg = 'tensor'): void {
    if (this._disposed) throw new DisposedTensorError(op, arg);
  }

  /** A copy of the values (NCHW order). Waits for queued GPU work. */
  async data(): Promise<Float32Array> {
    this.assertAlive('data', 'tensor');
    return this.engine._read(this);
  }

  /** A copy of the values, read synchronously; throws where the backend cannot (WebGPU). */
  dataSync(): Float32Array {
    this.assertAlive('dataSync', 'tensor');
    return this.engine._readSync(this);
  }

  /** The single value of a one-element tensor. */
  async item(): Promise<number> {
    if (this.size !== 1) throw new ShapeError('item', 'tensor', 'one element', formatShape(this.shape));
    return (await this.data())[0];
  }

  /** A tensor of another shape with the same elements, sharing storage (a view). */
  reshape(shape: Shape): Tensor {
    return this.engine._reshape(this, shape);
  }

  /** A view that shares storage but is cut from the graph (requiresGrad false). */
  detach(): Tensor {
    this.assertAlive('detach', 'tensor');
    return this.engine._view(this, this.shape, false);
  }

  /** Computes gradients of this tensor with respect to every leaf that requires grad. */
  backward(gradient?: Tensor, options: { retainGraph?: boolean } = {}): void {
    this.engine._backward(this, gradient, options.retainGraph ?? false);
  }

  /** Drops the accumulated gradient. */
  zeroGrad(): void {
    this.grad?.dispose();
    this.grad = null;
  }

  /**
   * Frees the tensor's storage, when no view and no backward rule that saved it still shares
   * it. Calling twice is harmless.
   */
  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    this.engine._release(this);
    // The node lives on while later nodes of the graph take this tensor as an input.
    if (this.gradFn) this.engine._dropNode(this.gradFn);
  }

  toString(): string {
    return `Tensor(shape=${formatShape(this.shape)}, dtype=${this.dtype}, backend=${this.backend}${
      this.requiresGrad ? ', requiresGrad' : ''
    }${this._disposed ? ', disposed' : ''})`;
  }
}
