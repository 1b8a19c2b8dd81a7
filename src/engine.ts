// The engine: owns the backends, creates tensors, runs kernels (choosing a backend per op),
// records autograd nodes, and keeps memory and dispatch statistics.
import type { AnyBackend as Backend, BackendName, Storage } from './backends/backend.js';
import { WasmBackend } from './backends/wasm/backend.js';
import type { KernelAttrs, KernelName } from './kernels/contract.js';
import {
  AttributeError,
  BackendUnavailableError,
  CycleGanError,
  DTypeError,
  KernelMissingError,
  ShapeError,
} from './errors.js';
import { formatShape, isValidShape, numel, type Shape } from './shape.js';
import { Tensor, type GradNode } from './tensor.js';
import { runBackward } from './autograd.js';

export type BackendChoice = 'auto' | 'webgpu' | 'wasm';

export interface EngineOptions {
  /** 'auto' (default) picks the best available backend; 'wasm' and 'webgpu' insist on one. */
  backend?: BackendChoice;
  /** Seed of the engine's random stream (randn, dropout); default 0. */
  seed?: number;
}

export interface MemoryInfo {
  /** tensors created and not yet disposed */
  liveTensors: number;
  /** bytes held by live tensor storages, over all backends */
  liveBytes: number;
  /** per backend: live bytes, bytes pooled for reuse, bytes reserved */
  backends: Partial<Record<BackendName, { liveBytes: number; pooledBytes: number; reservedBytes: number }>>;
}

export interface DispatchReport {
  /** per kernel: how many calls ran on each backend */
  kernels: Record<string, Partial<Record<BackendName, number>>>;
  /** bytes copied between backends */
  bytesMoved: number;
}

export interface TensorOptions {
  requiresGrad?: boolean;
}

export async function createEngine(options: EngineOptions = {}): Promise<Engine> {
  const choice = options.backend ?? 'auto';
  if (choice !== 'auto' && choice !== 'wasm' && choice !== 'webgpu') {
    throw new AttributeError('createEngine', 'backend', "'auto', 'webgpu' or 'wasm'", JSON.stringify(choice));
  }
  if (choice === 'webgpu') {
    throw new BackendUnavailableError('webgpu', 'the WebGPU backend is not part of this build yet; use wasm or auto');
  }
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new AttributeError('createEngine', 'seed', 'an integer in [0, 2^32)', String(seed));
  }
  const wasm = await WasmBackend.create();
  return new Engine([wasm], seed);
}

export class Engine {
  /** The backend ops prefer; ops fall back per kernel when it lacks one. */
  readonly backend: BackendName;
  private readonly backends: Map<BackendName, Backend>;
  private readonly scopes: Set<Tensor>[] = [];
  private noGradDepth = 0;
  private live = new Set<Tensor>();
  private readonly calls = new Map<string, Partial<Record<BackendName, number>>>();
  private bytesMoved = 0;
  private rngCounter = 0;
  private disposed = false;

  /** @internal use createEngine() */
  constructor(
    backends: Backend[],
    private readonly seed: number,
  ) {
    this.backends = new Map(backends.map((b) => [b.name, b]));
    this.backend = backends[0].name;
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
    else if (Array.isArray(data)) values = Float32Array.from(data);
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
    const t = this.allocTensor(this.preferredBackend(), shape, options.requiresGrad ?? false);
    this.backendOf(t).write(t._buf.storage, values);
    return t;
  }

  /** A tensor filled with `value`. */
  full(shape: Shape, value: number, options: TensorOptions = {}): Tensor {
    this.checkShape('full', shape);
    const [t] = this.runKernel('full', 'fill', [], [shape], { n: numel(shape), value });
    t.requiresGrad = options.requiresGrad ?? false;
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
    const [t] = this.runKernel('randn', 'randomNormal', [], [shape], {
      n: numel(shape),
      seed: options.seed ?? this.nextSeed(),
      mean: options.mean ?? 0,
      std: options.std ?? 1,
    });
    t.requiresGrad = options.requiresGrad ?? false;
    return t;
  }

  /** Uniform samples in [0, 1), seeded like randn. */
  rand(shape: Shape, options: TensorOptions & { seed?: number } = {}): Tensor {
    this.checkShape('rand', shape);
    const [t] = this.runKernel('rand', 'randomUniform', [], [shape], {
      n: numel(shape),
      seed: options.seed ?? this.nextSeed(),
    });
    t.requiresGrad = options.requiresGrad ?? false;
    return t;
  }

  /** Next seed of the engine's random stream (used by randn, rand and dropout). */
  nextSeed(): number {
    // splitmix32-style mixing of (engine seed, counter): distinct, well-spread seeds.
    let z = (this.seed + Math.imul(++this.rngCounter, 0x9e3779b9)) >>> 0;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
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
      values = this._readSync(src);
    } else {
      throw new DTypeError('assign', 'src', 'a Tensor or a Float32Array', typeof src);
    }
    this.backendOf(dst).write(dst._buf.storage, values);
  }

  // ------------------------------------------------------------------ scopes and grad mode

  /**
   * Runs fn and disposes every tensor created inside it, except the tensors it returns
   * (a tensor, or tensors in an array or plain object) and those passed to keep().
   */
  tidy<T>(fn: () => T): T {
    const scope = new Set<Tensor>();
    this.scopes.push(scope);
    let result: T;
    try {
      result = fn();
    } catch (e) {
      this.scopes.pop();
      for (const t of scope) t.dispose();
      throw e;
    }
    this.scopes.pop();
    if (result instanceof Promise) {
      for (const t of scope) t.dispose();
      throw new CycleGanError('tidy: fn must be synchronous; await outside of tidy');
    }
    const kept = new Set<Tensor>();
    collectTensors(result, kept);
    const outer = this.scopes[this.scopes.length - 1];
    for (const t of scope) {
      if (kept.has(t)) outer?.add(t);
      else t.dispose();
    }
    return result;
  }

  /** Excludes a tensor from every enclosing tidy() so that it survives it. */
  keep<T extends Tensor>(t: T): T {
    for (const s of this.scopes) s.delete(t);
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

  // ------------------------------------------------------------------ statistics

  memory(): MemoryInfo {
    const backends: MemoryInfo['backends'] = {};
    let liveBytes = 0;
    const counted = new Set<object>();
    for (const t of this.live) {
      if (counted.has(t._buf)) continue;
      counted.add(t._buf);
      liveBytes += t._buf.storage.numel * 4;
    }
    for (const [name, b] of this.backends) backends[name] = b.memory();
    return { liveTensors: this.live.size, liveBytes, backends };
  }

  dispatchReport(): DispatchReport {
    const kernels: DispatchReport['kernels'] = {};
    for (const [k, v] of this.calls) kernels[k] = { ...v };
    return { kernels, bytesMoved: this.bytesMoved };
  }

  resetDispatchReport(): void {
    this.calls.clear();
    this.bytesMoved = 0;
  }

  /** Frees every live tensor and the backends. The engine cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    for (const t of [...this.live]) t.dispose();
    for (const b of this.backends.values()) b.dispose();
    this.disposed = true;
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
    const backend = this.preferredBackend();
    const fn = backend.kernels[kernel];
    if (!fn) throw new KernelMissingError(kernel, backend.name);
    const ins = inputs.map((t, i) => {
      if (t === null) return null;
      t.assertAlive(op, `input ${i}`);
      return this.storageOn(t, backend);
    });
    const outs: (Tensor | null)[] = outShapes.map((s) => (s ? this.allocTensor(backend, s, false) : null));
    try {
      fn(
        ins,
        outs.map((t) => (t ? t._buf.storage : null)),
        attrs,
      );
    } catch (e) {
      for (const t of outs) t?.dispose();
      throw e;
    }
    const counts = this.calls.get(kernel) ?? {};
    counts[backend.name] = (counts[backend.name] ?? 0) + 1;
    this.calls.set(kernel, counts);
    return outs as Tensor[];
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
    for (const t of owned) this.untrack(t);
    out.gradFn = { op, inputs, backward, owned, released: false };
    out.requiresGrad = true;
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
    for (const s of this.scopes) s.delete(t);
    if (--t._buf.refs === 0) this.backendFor(t._buf.storage).free(t._buf.storage);
  }

  /** @internal */
  async _read(t: Tensor): Promise<Float32Array> {
    return this.backendFor(t._buf.storage).read(t._buf.storage);
  }

  /** @internal */
  _readSync(t: Tensor): Float32Array {
    const data = this.backendFor(t._buf.storage).readSync(t._buf.storage);
    if (!data) {
      throw new CycleGanError(`dataSync: the ${t.backend} backend cannot read synchronously; use await data()`);
    }
    return data;
  }

  /** Removes t from the enclosing tidy() scopes (it is owned by something else). @internal */
  untrack(t: Tensor): void {
    for (const s of this.scopes) s.delete(t);
  }

  // ------------------------------------------------------------------ private

  private allocTensor(backend: Backend, shape: Shape, requiresGrad: boolean): Tensor {
    const storage = backend.alloc(numel(shape));
    const t = new Tensor(this, { storage, refs: 1 }, shape, requiresGrad);
    this.track(t);
    return t;
  }

  private track(t: Tensor): void {
    this.live.add(t);
    this.scopes[this.scopes.length - 1]?.add(t);
  }

  private preferredBackend(): Backend {
    return this.backends.get(this.backend)!;
  }

  private backendOf(t: Tensor): Backend {
    return this.backendFor(t._buf.storage);
  }

  private backendFor(storage: Storage): Backend {
    const b = this.backends.get(storage.backend);
    if (!b) throw new CycleGanError(`no ${storage.backend} backend in this engine`);
    return b;
  }

  /** The tensor's storage on `backend`; tensors of other engines are refused. */
  private storageOn(t: Tensor, backend: Backend): Storage {
    if (t.engine !== this) {
      throw new CycleGanError('a tensor from another engine was passed to an op; tensors cannot be shared across engines');
    }
    if (t._buf.storage.backend !== backend.name) {
      // Only one backend exists in this build; moves come with the WebGPU backend.
      throw new KernelMissingError('move', `${t._buf.storage.backend}->${backend.name}`);
    }
    return t._buf.storage;
  }

  private checkShape(op: string, shape: Shape): void {
    if (!isValidShape(shape)) {
      throw new ShapeError(op, 'shape', 'a list of non-negative integers', JSON.stringify(shape));
    }
  }

  private assertAlive(): void {
    if (this.disposed) throw new CycleGanError('the engine was disposed');
  }
}

function collectTensors(value: unknown, out: Set<Tensor>): void {
  if (value instanceof Tensor) out.add(value);
  else if (Array.isArray(value)) for (const v of value) collectTensors(v, out);
  else if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectTensors(v, out);
  }
}
