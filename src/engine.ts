// The engine: creates tensors, runs kernels through its backend, records autograd nodes, and
// keeps tensor lifetime and memory statistics.
//
// Which backend runs a kernel, the moves of storages between backends, the per-kernel dispatch
// counts and the recovery from a backend that goes away all live behind one EngineBackend
// (src/backends/backend.ts, implemented by src/backends/composite.ts): the engine hands it
// storages and kernel calls and never asks which backend it is.
import type { BackendMemoryInfo, BackendName, DispatchReport, EngineBackend, Storage, StorageSlot } from './backends/backend.js';
import type { WasmVariant } from './backends/wasm/loader.js';
import { checkBackendChoice, openBackends, type BackendOptions } from './backends/selection.js';
import type { KernelAttrs, KernelName } from './kernels/contract.js';
import { AbortError, AttributeError, CycleGANError, DTypeError, ShapeError } from './errors.js';
import { formatShape, isValidShape, numel, type Shape } from './shape.js';
import { Tensor, type GradNode } from './tensor.js';
import { ScopeStack } from './scopes.js';
import { checkNumberOption, checkOptionsObject, checkRequiresGrad, checkSeed, numbersToFloat32 } from './ops/option_checks.js';
import { runBackward } from './autograd.js';
import { splitmix32 } from './random/rng.js';

export type { BackendChoice, BackendMemoryInfo, BackendSelection, DispatchReport, KernelDispatch } from './backends/backend.js';
export type { WasmOptions } from './backends/wasm/backend.js';
export type { WasmVariant } from './backends/wasm/loader.js';

export interface EngineOptions extends BackendOptions {
  /** Seed of the engine's random stream (randn, dropout); default 0. */
  seed?: number;
  /**
   * A stop flag another thread can raise while this one computes (see Engine.setAbortFlag):
   * an Int32Array, normally over a SharedArrayBuffer, whose element 0 becomes non-zero.
   */
  abortFlag?: Int32Array | null;
}

export interface MemoryInfo {
  /** tensors created and not yet disposed */
  liveTensors: number;
  /** bytes held by live tensor storages, over all backends */
  liveBytes: number;
  /** per backend: live bytes, bytes pooled for reuse, bytes reserved, pooled buffers */
  backends: Partial<Record<BackendName, BackendMemoryInfo>>;
}

export interface TensorOptions {
  requiresGrad?: boolean;
}

export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  const choice = checkBackendChoice(options.backend ?? 'auto');
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new AttributeError('createEngine', 'seed', 'an integer in [0, 2^32)', String(seed));
  }
  const abortFlag = checkAbortFlag('createEngine', options.abortFlag ?? null);
  const backendOptions: EngineOptions = { ...options };
  delete backendOptions.abortFlag;
  const engine = new Engine(await openBackends(choice, backendOptions), seed);
  engine.setAbortFlag(abortFlag);
  return engine;
}

function checkAbortFlag(where: string, flag: Int32Array | null): Int32Array | null {
  if (flag !== null && !(flag instanceof Int32Array && flag.length >= 1)) {
    throw new AttributeError(where, 'abortFlag', 'an Int32Array of at least one element (over a SharedArrayBuffer to be raised from another thread), or null', String(flag));
  }
  return flag;
}

export class Engine {
  private readonly scopes = new ScopeStack();
  private noGradDepth = 0;
  private live = new Set<Tensor>();
  private rngCounter = 0;
  private trainingForwardDepth = 0;
  private disposed = false;
  private abortFlag: Int32Array | null = null;
  /** Open _abortable() calls, and the op named by the innermost (the AbortError's). */
  private abortableDepth = 0;
  private abortableOp = '';

  /** @internal use createEngine() */
  constructor(
    private readonly backends: EngineBackend,
    private readonly seed: number,
  ) {
    // What moves when a backend goes away: the storage of every live tensor, each once.
    backends.track(() => {
      const slots = new Set<StorageSlot>();
      for (const t of this.live) slots.add(t._buf);
      return slots;
    });
  }

  /**
   * The WASM backend's build and threads: { threads, relaxedSimd } (threads is what runs,
   * 1 where more were asked for but the runtime cannot); null without WebAssembly.
   */
  get wasmVariant(): WasmVariant | null {
    return this.backends.wasmVariant;
  }

  /** The backend ops run on: the one createEngine chose, or 'wasm' once a lost device took the other away. */
  get backend(): BackendName {
    return this.backends.active;
  }

  // ------------------------------------------------------------------ tensor creation

  /** A tensor holding a copy of `data` (float32, NCHW for images). */
  tensor(data: Float32Array | readonly number[], shape: Shape, options: TensorOptions = {}): Tensor {
    this.assertAlive();
    if (!isValidShape(shape)) {
      throw new ShapeError('tensor', 'shape', 'a list of non-negative integers', JSON.stringify(shape));
    }
    let values: Float32Array;
    if (data instanceof Float32Array) values = data;
    else if (Array.isArray(data)) values = numbersToFloat32('tensor', data);
    else {
      const actual = ArrayBuffer.isView(data) ? (data as object).constructor.name : typeof data;
      throw new DTypeError('tensor', 'data', 'a Float32Array or an array of numbers (float32)', actual);
    }
    if (values.length !== numel(shape)) {
      throw new ShapeError(
        'tensor',
        'data',
        `${numel(shape)} elements for shape ${formatShape(shape)}`,
        `${values.length} elements`,
      );
    }
    const requiresGrad = checkRequiresGrad('tensor', checkOptionsObject('tensor', options).requiresGrad);
    this.backends.ready();
    const t = this.allocTensor(shape, requiresGrad);
    this.backends.write(t._buf.storage, values);
    return t;
  }

  /** A tensor filled with `value`. */
  full(shape: Shape, value: number, options: TensorOptions = {}): Tensor {
    this.checkShape('full', shape);
    const requiresGrad = checkRequiresGrad('full', checkOptionsObject('full', options).requiresGrad);
    // Any number, NaN and the infinities included (as torch.full); never a string.
    checkNumberOption('full', 'value', value, 0, { finite: false });
    const [t] = this.runKernel('full', 'fill', [], [shape], { n: numel(shape), value });
    t.requiresGrad = requiresGrad;
    return t;
  }

  zeros(shape: Shape, options: TensorOptions = {}): Tensor {
    return this.full(shape, 0, options);
  }

  ones(shape: Shape, options: TensorOptions = {}): Tensor {
    return this.full(shape, 1, options);
  }

  /**
   * Normal samples. With `seed` the values depend only on (seed, shape); without it the
   * engine's own seeded stream advances, so a run is reproducible from createEngine's seed.
   */
  randn(shape: Shape, options: TensorOptions & { seed?: number; mean?: number; std?: number } = {}): Tensor {
    this.checkShape('randn', shape);
    const o = checkOptionsObject('randn', options);
    const requiresGrad = checkRequiresGrad('randn', o.requiresGrad);
    const [t] = this.runKernel('randn', 'randomNormal', [], [shape], {
      n: numel(shape),
      seed: checkSeed('randn', o.seed, () => this.nextSeed()),
      mean: checkNumberOption('randn', 'mean', o.mean, 0),
      std: checkNumberOption('randn', 'std', o.std, 1, { min: 0 }),
    });
    t.requiresGrad = requiresGrad;
    return t;
  }

  /** Uniform samples in [0, 1), seeded like randn. */
  rand(shape: Shape, options: TensorOptions & { seed?: number } = {}): Tensor {
    this.checkShape('rand', shape);
    const o = checkOptionsObject('rand', options);
    const requiresGrad = checkRequiresGrad('rand', o.requiresGrad);
    const [t] = this.runKernel('rand', 'randomUniform', [], [shape], {
      n: numel(shape),
      seed: checkSeed('rand', o.seed, () => this.nextSeed()),
    });
    t.requiresGrad = requiresGrad;
    return t;
  }

  /** Next seed of the engine's random stream (used by randn, rand and dropout). */
  nextSeed(): number {
    // (engine seed, counter) mixed by the one splitmix32: distinct, well-spread seeds.
    return splitmix32(this.seed, ++this.rngCounter);
  }

  /**
   * Overwrites dst's values in place, keeping its identity (so optimizers and modules that
   * hold it see the new values). Views of dst see them too.
   */
  assign(dst: Tensor, src: Tensor | Float32Array): void {
    this.assertAlive();
    dst.assertAlive('assign', 'dst');
    let values: Float32Array;
    if (src instanceof Float32Array) {
      values = src;
      if (values.length !== dst.size) {
        throw new ShapeError('assign', 'src', `${dst.size} elements for ${formatShape(dst.shape)}`, `${values.length} elements`);
      }
    } else if (src instanceof Tensor) {
      src.assertAlive('assign', 'src');
      if (src.size !== dst.size) {
        throw new ShapeError('assign', 'src', formatShape(dst.shape), formatShape(src.shape));
      }
      this.backends.ready();
      const from = this.place(src, 'assign', 'src');
      this.backends.copy(from, this.place(dst, 'assign', 'dst', true));
      return;
    } else {
      throw new DTypeError('assign', 'src', 'a Tensor or a Float32Array', typeof src);
    }
    this.backends.ready();
    this.backends.write(this.place(dst, 'assign', 'dst', true), values);
  }

  /**
   * Resolves when every op enqueued so far has run (a device's work is asynchronous). It is also
   * a sync point of device-loss recovery: what exists now survives a later loss.
   */
  async sync(): Promise<void> {
    this.assertAlive();
    await this.backends.sync();
  }

  // ------------------------------------------------------------------ scopes and grad mode

  /**
   * Runs fn and disposes every tensor created inside it, except the tensors it returns
   * (a tensor, or tensors in an array or plain object) and those passed to keep().
   */
  tidy<T>(fn: () => T): T {
    return this.scopes.run(fn);
  }

  /** Excludes a tensor from every enclosing tidy() so that it survives it. */
  keep<T extends Tensor>(t: T): T {
    this.scopes.remove(t);
    return t;
  }

  /** Runs fn with gradient recording off (like torch.no_grad()). */
  noGrad<T>(fn: () => T): T {
    this.noGradDepth++;
    try {
      return fn();
    } finally {
      this.noGradDepth--;
    }
  }

  /** True unless inside noGrad(). */
  get gradEnabled(): boolean {
    return this.noGradDepth === 0;
  }

  /**
   * noGrad() for a forward that is part of a training pass and is recomputed with recording on
   * in backward (the residual blocks' recompute option): kernels whose arithmetic depends on
   * whether gradients are recorded (the Winograd tile, src/ops/conv2d_algorithm.ts) choose
   * as if they were, so the recomputation gives the very values the forward gave. @internal
   */
  _noGradInTraining<T>(fn: () => T): T {
    this.trainingForwardDepth++;
    try {
      return this.noGrad(fn);
    } finally {
      this.trainingForwardDepth--;
    }
  }

  /** True when gradients are recorded, or inside _noGradInTraining(). @internal */
  _trainingNumerics(...inputs: readonly (Tensor | null | undefined)[]): boolean {
    return this.trainingForwardDepth > 0 || this.needsGrad(...inputs);
  }

  // ------------------------------------------------------------------ stopping from another thread

  /**
   * Sets (or with null clears) the flag that stops long work from another thread: while an
   * abandonable phase runs (a trainer step's generator pass, a sample grid during fit), every
   * kernel first reads element 0 with Atomics.load, and a non-zero value abandons the phase with
   * an AbortError; the trainer then leaves its state as it was before the step. A thread that
   * computes cannot see an AbortSignal or a message until it yields; it sees this at the next
   * kernel. The engine never clears the flag itself.
   */
  setAbortFlag(flag: Int32Array | null): void {
    this.abortFlag = checkAbortFlag('Engine.setAbortFlag', flag);
  }

  /** Whether the abort flag is set and raised (element 0 non-zero). */
  get abortRequested(): boolean {
    return this.abortFlag !== null && Atomics.load(this.abortFlag, 0) !== 0;
  }

  /**
   * Runs fn as a phase the abort flag may abandon: a raised flag throws AbortError(op) before
   * the next kernel. fn must leave nothing behind when it throws (run it inside tidy(), and
   * change no state that outlives it: optimizer steps come after). @internal
   */
  _abortable<T>(op: string, fn: () => T): T {
    const outerOp = this.abortableOp;
    this.abortableDepth++;
    this.abortableOp = op;
    try {
      return fn();
    } finally {
      this.abortableDepth--;
      this.abortableOp = outerOp;
    }
  }

  /** _abortable() for an asynchronous phase (its awaits run other work with the check on). @internal */
  async _abortableAsync<T>(op: string, fn: () => Promise<T>): Promise<T> {
    const outerOp = this.abortableOp;
    this.abortableDepth++;
    this.abortableOp = op;
    try {
      return await fn();
    } finally {
      this.abortableDepth--;
      this.abortableOp = outerOp;
    }
  }

  // ------------------------------------------------------------------ statistics

  memory(): MemoryInfo {
    let liveBytes = 0;
    const counted = new Set<object>();
    for (const t of this.live) {
      if (counted.has(t._buf)) continue;
      counted.add(t._buf);
      liveBytes += t._buf.storage.numel * 4;
    }
    return { liveTensors: this.live.size, liveBytes, backends: this.backends.memory() };
  }

  /** Starts the backends' high-water marks (memory().backends.*.peakLiveBytes) at what is live now. */
  resetPeakMemory(): void {
    this.backends.resetPeak();
  }

  /**
   * Per kernel, how many calls ran on each backend, the bytes moved between backends and the
   * reasons of WASM fallbacks; which backend is active and why; the device loss, if any.
   * Counts of a device's asynchronous work are final once it has run (after await data() or engine.sync()).
   */
  dispatchReport(): DispatchReport {
    return this.backends.dispatchReport();
  }

  resetDispatchReport(): void {
    this.backends.resetDispatchReport();
  }

  /** Frees every live tensor and the backends (destroying their devices). The engine cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    for (const t of [...this.live]) t.dispose();
    this.backends.dispose();
    this.disposed = true;
  }

  /** The backend's accelerator device (null without one), for tests that lose it on purpose. @internal */
  get _device(): unknown {
    return this.backends.device;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  // ------------------------------------------------------------------ for ops (internal)

  /**
   * Runs a kernel on the backend chosen for it and returns its outputs as new tensors
   * (null output shapes give null storages, for optional outputs).
   * @internal
   */
  runKernel<K extends KernelName>(
    op: string,
    kernel: K,
    inputs: readonly (Tensor | null)[],
    outShapes: readonly (Shape | null)[],
    attrs: KernelAttrs[K],
  ): Tensor[] {
    this.assertAlive();
    // One atomic read per kernel, only inside an abandonable phase (see setAbortFlag).
    if (this.abortableDepth > 0 && this.abortFlag !== null && Atomics.load(this.abortFlag, 0) !== 0) throw new AbortError(this.abortableOp);
    this.backends.ready(kernel);
    const ins = inputs.map((t, i) => {
      if (t === null) return null;
      t.assertAlive(op, `input ${i}`);
      return this.place(t, op, `input ${i}`);
    });
    const outs: (Tensor | null)[] = outShapes.map((s) => (s ? this.allocTensor(s, false) : null));
    try {
      this.backends.run(kernel, ins, outs.map((t) => (t ? t._buf.storage : null)), attrs);
    } catch (e) {
      for (const t of outs) t?.dispose();
      throw e;
    }
    return outs as Tensor[];
  }

  /**
   * True when the backend ops run on now has `kernel`: ops with a choice of algorithm (conv2d's
   * Winograd kernels) use it only there, instead of sending the call to another backend. @internal
   */
  _hasKernel(kernel: KernelName): boolean {
    return this.backends.hasKernel(kernel);
  }

  /** True when an op with these inputs must record a backward node. @internal */
  needsGrad(...inputs: readonly (Tensor | null | undefined)[]): boolean {
    return this.gradEnabled && inputs.some((t) => t?.requiresGrad);
  }

  /**
   * Attaches a backward rule to `out`. `owned` are tensors only the backward needs; they
   * are freed with the node. Call only when needsGrad() is true. @internal
   */
  recordGrad(
    out: Tensor,
    op: string,
    inputs: readonly (Tensor | null)[],
    backward: GradNode['backward'],
    owned: Tensor[] = [],
  ): void {
    // Owned tensors live as long as the node, not as long as the enclosing tidy().
    for (const t of owned) this.scopes.remove(t);
    // The node is held by its output and by the nodes of later ops that take that output as
    // an input, so an intermediate's tensor can be disposed while the graph still needs it.
    for (const t of inputs) if (t?.gradFn) t.gradFn.refs++;
    out.gradFn = { op, inputs, backward, owned, released: false, refs: 1 };
    out.requiresGrad = true;
  }

  /**
   * A view of t that a backward rule reads instead of t (put it in recordGrad's `owned`): it
   * keeps t's values alive for as long as the node, whoever disposes t. @internal
   */
  _save(t: Tensor): Tensor {
    t.assertAlive('save for backward', 'tensor');
    return this._view(t, t.shape, false);
  }

  /**
   * Drops one hold on a node; a node nobody holds frees what it saved and drops its holds
   * on its inputs' nodes (iteratively: a generator's graph is hundreds of nodes deep). @internal
   */
  _dropNode(node: GradNode): void {
    const stack = [node];
    while (stack.length) {
      const n = stack.pop()!;
      if (--n.refs > 0) continue;
      n.released = true;
      for (const t of n.owned) t.dispose();
      n.owned.length = 0;
      for (const t of n.inputs) if (t?.gradFn) stack.push(t.gradFn);
    }
  }

  /** Runs fn with gradient recording on, also inside noGrad() (recomputation in backward). @internal */
  _withGrad<T>(fn: () => T): T {
    const depth = this.noGradDepth;
    this.noGradDepth = 0;
    try {
      return fn();
    } finally {
      this.noGradDepth = depth;
    }
  }

  /** @internal */
  _backward(root: Tensor, gradient: Tensor | undefined, retainGraph: boolean): void {
    runBackward(this, root, gradient, retainGraph);
  }

  /** @internal */
  _reshape(t: Tensor, shape: Shape): Tensor {
    t.assertAlive('reshape', 'tensor');
    if (!isValidShape(shape)) {
      throw new ShapeError('reshape', 'shape', 'a list of non-negative integers', JSON.stringify(shape));
    }
    if (numel(shape) !== t.size) {
      throw new ShapeError('reshape', 'shape', `${t.size} elements (from ${formatShape(t.shape)})`, formatShape(shape));
    }
    const out = this._view(t, shape, false);
    if (this.needsGrad(t)) {
      this.recordGrad(out, 'reshape', [t], (dy) => [this._view(dy, t.shape, false)]);
    }
    return out;
  }

  /** A new tensor object sharing t's storage. @internal */
  _view(t: Tensor, shape: Shape, requiresGrad: boolean): Tensor {
    t._buf.refs++;
    const v = new Tensor(this, t._buf, shape, requiresGrad);
    this.track(v);
    return v;
  }

  /** @internal */
  _release(t: Tensor): void {
    if (!this.live.delete(t)) return;
    this.scopes.remove(t);
    if (--t._buf.refs === 0) this.backends.free(t._buf.storage);
  }

  /** @internal */
  async _read(t: Tensor): Promise<Float32Array> {
    return this.backends.read(t._buf.storage, 'data', 'tensor');
  }

  /** @internal */
  _readSync(t: Tensor): Float32Array {
    const data = this.backends.readSync(t._buf.storage, 'dataSync', 'tensor');
    if (!data) {
      throw new CycleGANError(
        `dataSync: the tensor is on the ${t.backend} backend, whose results arrive asynchronously; use await data() (or engine.sync() first to wait for queued work)`,
      );
    }
    return data;
  }

  /**
   * @internal A tensor's values where they are, not copied, when its backend's memory is one
   * the host can see (Backend.view); null otherwise. Valid until the next allocation: take a
   * fresh one for each use. For writing large states to files without a copy (saveCheckpoint).
   */
  _viewSync(t: Tensor, op: string): Float32Array | null {
    t.assertAlive(op, 'tensor');
    return this.backends.view(t._buf.storage, op, 'tensor');
  }

  // ------------------------------------------------------------------ private

  private allocTensor(shape: Shape, requiresGrad: boolean): Tensor {
    const storage = this.backends.alloc(numel(shape));
    const t = new Tensor(this, { storage, refs: 1 }, shape, requiresGrad);
    this.track(t);
    return t;
  }

  private track(t: Tensor): void {
    this.live.add(t);
    this.scopes.add(t);
  }

  /**
   * The tensor's storage on the backend ops run on (moved there if needed, see
   * EngineBackend.place); tensors of other engines are refused.
   */
  private place(t: Tensor, op: string, arg: string, revive = false): Storage {
    if (t.engine !== this) {
      throw new CycleGANError('a tensor from another engine was passed to an op; tensors cannot be shared across engines');
    }
    return this.backends.place(t._buf, op, arg, revive);
  }

  private checkShape(op: string, shape: Shape): void {
    if (!isValidShape(shape)) {
      throw new ShapeError(op, 'shape', 'a list of non-negative integers', JSON.stringify(shape));
    }
  }

  private assertAlive(): void {
    if (this.disposed) throw new CycleGANError('the engine was disposed');
  }
}

/**
 * The engine that made `t`, with its full type. Every tensor is made by an Engine (Tensor's
 * constructor is internal), so the cast only restores the type that tensor.ts does not import.
 */
export function engineOf(t: Tensor): Engine {
  return t.engine as Engine;
}
