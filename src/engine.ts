// The engine: owns the backends, creates tensors, runs kernels (choosing a backend per op),
// records autograd nodes, and keeps memory and dispatch statistics.
//
// Dispatch (docs/design.md, "How a kernel is chosen"): with WebGPU active, every op goes to the WebGPU backend,
// which runs it on the GPU or, when the GPU cannot (no WGSL kernel, a buffer over a device
// limit, a missing feature, a failed pipeline), on WASM inside its ordered stream, with the
// inputs read back and the outputs uploaded (counted per kernel in dispatchReport()). Under
// 'webgpu' such an op throws instead. When the device is lost, every live tensor moves to
// WASM (src/backends/webgpu/recovery.ts) and the engine goes on there.
import type { AnyBackend as Backend, BackendMemory, BackendName, Storage } from './backends/backend.js';
import type { WasmBackend, WasmOptions } from './backends/wasm/backend.js';
import type { WasmVariant } from './backends/wasm/loader.js';
import type { WebGpuBackend } from './backends/webgpu/backend.js';
import type { WebGpuOptions } from './backends/webgpu/gpu.js';
import { LossState } from './backends/webgpu/recovery.js';
import type { WebGpuStorage } from './backends/webgpu/storage.js';
import { DispatchStats, openBackends, type BackendChoice, type BackendSelection, type DispatchReport } from './dispatch.js';
import type { KernelAttrs, KernelName } from './kernels/contract.js';
import {
  AttributeError,
  CycleGANError,
  DTypeError,
  KernelMissingError,
  ShapeError,
} from './errors.js';
import { formatShape, isValidShape, numel, type Shape } from './shape.js';
import { Tensor, type GradNode, type SharedStorage } from './tensor.js';
import { ScopeStack } from './scopes.js';
import { checkNumberOption, checkOptionsObject, checkRequiresGrad, checkSeed, numbersToFloat32 } from './ops/option_checks.js';
import { runBackward } from './autograd.js';
import { splitmix32 } from './random/rng.js';

export type { BackendChoice, BackendSelection, DispatchReport, KernelDispatch } from './dispatch.js';
export type { WebGpuOptions } from './backends/webgpu/gpu.js';
export type { WasmOptions } from './backends/wasm/backend.js';
export type { WasmVariant } from './backends/wasm/loader.js';
export type { DeviceLossInfo } from './backends/webgpu/errors.js';

export interface EngineOptions {
  /**
   * 'auto' (default) uses WebGPU when requestAdapter() gives an adapter and a device, running
   * per op on WASM what the GPU cannot, else WASM. 'wasm' and 'webgpu' insist on one (an op
   * the GPU cannot run throws under 'webgpu').
   */
  backend?: BackendChoice;
  /** Seed of the engine's random stream (randn, dropout); default 0. */
  seed?: number;
  /** Options of the WebGPU backend. */
  webgpu?: WebGpuOptions;
  /**
   * Options of the WASM backend: `threads` (default: the machine's available parallelism
   * wherever the caller may block, that is Node and crossOriginIsolated workers; 1 on a page's
   * main thread; pass `threads: 1` to keep the cores free for other work) and `relaxedSimd`
   * (default: used when the runtime validates it). engine.wasmVariant says what runs.
   */
  wasm?: WasmOptions;
}

export interface BackendMemoryInfo extends BackendMemory {
  /** buffers kept for reuse (WebGPU) */
  pooledBuffers?: number;
  /** host bytes of device-loss copies (WebGPU) */
  shadowBytes?: number;
  /** bytes of tensors over maxBufferSize kept on the host (WebGPU) */
  hostResidentBytes?: number;
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
  const choice = options.backend ?? 'auto';
  if (choice !== 'auto' && choice !== 'wasm' && choice !== 'webgpu') {
    throw new AttributeError('createEngine', 'backend', "'auto', 'webgpu' or 'wasm'", JSON.stringify(choice));
  }
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new AttributeError('createEngine', 'seed', 'an integer in [0, 2^32)', String(seed));
  }
  if (options.webgpu !== undefined && (options.webgpu === null || typeof options.webgpu !== 'object')) {
    throw new AttributeError('createEngine', 'webgpu', 'an object of WebGPU options', String(options.webgpu));
  }
  const wasm = options.wasm;
  if (wasm !== undefined && (wasm === null || typeof wasm !== 'object')) {
    throw new AttributeError('createEngine', 'wasm', 'an object of WASM options', String(wasm));
  }
  if (wasm?.threads !== undefined && !(Number.isInteger(wasm.threads) && wasm.threads >= 1 && wasm.threads <= 64)) {
    throw new AttributeError('createEngine', 'wasm.threads', 'an integer in [1, 64]', String(wasm.threads));
  }
  if (wasm?.relaxedSimd !== undefined && typeof wasm.relaxedSimd !== 'boolean') {
    throw new AttributeError('createEngine', 'wasm.relaxedSimd', 'a boolean', String(wasm.relaxedSimd));
  }
  const opened = await openBackends(choice, options.webgpu, wasm);
  return new Engine(opened.backends, seed, { fallback: choice === 'auto', selection: opened.selection });
}

export class Engine {
  private readonly backends: Map<BackendName, Backend>;
  private active: BackendName;
  private readonly gpu: WebGpuBackend | null;
  private readonly wasm: WasmBackend | null;
  /** 'auto': an op the GPU cannot run goes to WASM; 'webgpu': it throws. */
  private readonly fallback: boolean;
  private readonly selection: BackendSelection;
  private readonly scopes = new ScopeStack();
  private noGradDepth = 0;
  private live = new Set<Tensor>();
  private readonly stats = new DispatchStats();
  private readonly loss = new LossState();
  private rngCounter = 0;
  private trainingForwardDepth = 0;
  private disposed = false;

  /** @internal use createEngine() */
  constructor(
    backends: Backend[],
    private readonly seed: number,
    options: { fallback?: boolean; selection?: BackendSelection } = {},
  ) {
    this.backends = new Map(backends.map((b) => [b.name, b]));
    this.active = backends[0].name;
    this.gpu = (this.backends.get('webgpu') as WebGpuBackend | undefined) ?? null;
    this.wasm = (this.backends.get('wasm') as WasmBackend | undefined) ?? null;
    this.fallback = options.fallback ?? true;
    this.selection = options.selection ?? { requested: this.active };
    if (this.gpu) {
      // The device is gone: every live tensor moves to WASM, and the engine goes on there.
      this.gpu.onLoss = (reason) => {
        const buffers = new Set<SharedStorage>();
        for (const t of this.live) buffers.add(t._buf);
        const error = this.loss.onLost(buffers, this.gpu!, this.wasm, reason);
        this.stats.moved(this.loss.info!.bytesMoved);
        if (this.wasm) this.active = 'wasm';
        return error;
      };
      this.gpu.onPipelineFailure = (kernel, reason, bytes) => {
        if (!this.fallback || !this.wasm?.kernels[kernel]) return false;
        this.stats.recount(kernel, bytes, reason);
        return true;
      };
    }
  }

  /**
   * The WASM backend's build and threads: { threads, relaxedSimd } (threads is what runs,
   * 1 where more were asked for but the runtime cannot); null without WebAssembly.
   */
  get wasmVariant(): WasmVariant | null {
    return this.wasm?.variant ?? null;
  }

  /** The backend ops run on: 'webgpu', or 'wasm' (also after a lost device). */
  get backend(): BackendName {
    return this.active;
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
    this.loss.deliver();
    const t = this.allocTensor(this.preferredBackend(), shape, requiresGrad);
    this.backendOf(t).write(t._buf.storage, values);
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
      this.loss.deliver();
      const backend = this.preferredBackend();
      const from = this.storageOn(src, backend, 'assign', 'src');
      if (backend === this.gpu) {
        // Device to device, in stream order: no readback.
        this.gpu.copy(from as WebGpuStorage, this.storageOn(dst, backend, 'assign', 'dst', true) as WebGpuStorage);
        return;
      }
      values = backend.readSync(from)!;
    } else {
      throw new DTypeError('assign', 'src', 'a Tensor or a Float32Array', typeof src);
    }
    this.loss.deliver();
    const backend = this.preferredBackend();
    backend.write(this.storageOn(dst, backend, 'assign', 'dst', true), values);
  }

  /**
   * Resolves when every op enqueued so far has run (WebGPU work is asynchronous). It is also a
   * sync point of device-loss recovery: what exists now survives a later loss.
   */
  async sync(): Promise<void> {
    this.assertAlive();
    if (this.active !== 'webgpu' || !this.gpu) return;
    try {
      await this.gpu.sync();
    } catch (e) {
      throw this.loss.delivered(e);
    }
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
    for (const [name, b] of this.backends) backends[name] = { ...b.memory() };
    return { liveTensors: this.live.size, liveBytes, backends };
  }

  /** Starts the backends' high-water marks (memory().backends.*.peakLiveBytes) at what is live now. */
  resetPeakMemory(): void {
    for (const b of this.backends.values()) b.resetPeak?.();
  }

  /**
   * Per kernel, how many calls ran on each backend, the bytes moved between backends and the
   * reasons of WASM fallbacks; which backend is active and why; the device loss, if any.
   * Counts of WebGPU work are final once it has run (after await data() or engine.sync()).
   */
  dispatchReport(): DispatchReport {
    return {
      backend: this.active,
      selection: { ...this.selection },
      kernels: this.stats.kernels(),
      bytesMoved: this.stats.bytesMoved,
      deviceLoss: this.loss.info ? { ...this.loss.info } : null,
    };
  }

  resetDispatchReport(): void {
    this.stats.reset();
  }

  /** Frees every live tensor and the backends (destroying the WebGPU device). The engine cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    for (const t of [...this.live]) t.dispose();
    for (const b of this.backends.values()) b.dispose();
    this.disposed = true;
  }

  /** The WebGPU device, for tests that lose it on purpose. @internal */
  get _webgpuDevice(): unknown {
    return this.gpu?.device ?? null;
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
    this.loss.deliver();
    const backend = this.preferredBackend();
    const gpu = backend === this.gpu ? this.gpu : null;
    const fn = backend.kernels[kernel];
    if (!fn && !gpu) throw new KernelMissingError(kernel, backend.name);
    const ins = inputs.map((t, i) => {
      if (t === null) return null;
      t.assertAlive(op, `input ${i}`);
      return this.storageOn(t, backend, op, `input ${i}`);
    });
    const outs: (Tensor | null)[] = outShapes.map((s) => (s ? this.allocTensor(backend, s, false) : null));
    const outStorages = outs.map((t) => (t ? t._buf.storage : null));
    try {
      if (gpu) {
        const r = gpu.dispatch(kernel, ins as (WebGpuStorage | null)[], outStorages as (WebGpuStorage | null)[], attrs, this.fallback);
        if (kernel === 'fill') gpu.noteFill(outStorages[0] as WebGpuStorage, (attrs as KernelAttrs['fill']).value);
        this.stats.count(kernel, r.ran, r.bytesMoved, r.reason);
      } else {
        fn!(ins, outStorages, attrs);
        this.stats.count(kernel, backend.name);
      }
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
    return this.preferredBackend().kernels[kernel] !== undefined;
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
    if (--t._buf.refs === 0) this.backendFor(t._buf.storage).free(t._buf.storage);
  }

  /** @internal */
  async _read(t: Tensor): Promise<Float32Array> {
    this.checkNotLost(t, 'data', 'tensor');
    try {
      return await this.backendFor(t._buf.storage).read(t._buf.storage);
    } catch (e) {
      throw this.loss.delivered(e);
    }
  }

  /** @internal */
  _readSync(t: Tensor): Float32Array {
    this.checkNotLost(t, 'dataSync', 'tensor');
    const data = this.backendFor(t._buf.storage).readSync(t._buf.storage);
    if (!data) {
      throw new CycleGANError(
        `dataSync: the tensor is on the ${t.backend} backend, whose results arrive asynchronously; use await data() (or engine.sync() first to wait for queued work)`,
      );
    }
    return data;
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
    this.scopes.add(t);
  }

  private preferredBackend(): Backend {
    return this.backends.get(this.active)!;
  }

  private backendOf(t: Tensor): Backend {
    return this.backendFor(t._buf.storage);
  }

  private backendFor(storage: Storage): Backend {
    const b = this.backends.get(storage.backend);
    if (!b) throw new CycleGANError(`no ${storage.backend} backend in this engine`);
    return b;
  }

  /**
   * The tensor's storage on `backend`; tensors of other engines are refused. A WASM tensor
   * needed on WebGPU is uploaded (and stays there, counted as moved); a tensor lost with the
   * device throws DeviceLostError, except as the destination of an overwrite (`revive`).
   */
  private storageOn(t: Tensor, backend: Backend, op: string, arg: string, revive = false): Storage {
    if (t.engine !== this) {
      throw new CycleGANError('a tensor from another engine was passed to an op; tensors cannot be shared across engines');
    }
    const buf = t._buf;
    if (buf.storage.backend === backend.name) return buf.storage;
    const from = this.backendFor(buf.storage);
    if (from === this.gpu && this.gpu.isLost) {
      if (!revive) throw this.loss.lostTensor(op, arg);
      this.gpu.free(buf.storage as WebGpuStorage);
      buf.storage = backend.alloc(t.size);
      return buf.storage;
    }
    const values = from.readSync(buf.storage);
    if (!values) {
      throw new CycleGANError(`${op}: ${arg} is on the ${buf.storage.backend} backend and cannot be moved to ${backend.name} synchronously`);
    }
    const moved = backend.alloc(t.size);
    backend.write(moved, values);
    from.free(buf.storage);
    buf.storage = moved;
    this.stats.moved(t.size * 4);
    return moved;
  }

  /** Throws DeviceLostError for a tensor whose contents went with the WebGPU device. */
  private checkNotLost(t: Tensor, op: string, arg: string): void {
    if (t._buf.storage.backend === 'webgpu' && this.gpu?.isLost) throw this.loss.lostTensor(op, arg);
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
