// The backend an engine talks to (EngineBackend in backend.ts): WebGPU with its WASM fallback
// and device-loss recovery, or WASM alone. It owns what depends on which backends there are:
//
// - How a kernel is chosen: every call goes to the active backend. On WebGPU the call runs on
//   the GPU or, when the GPU cannot (no WGSL kernel, a buffer over a device limit, a missing
//   feature, a failed pipeline, a kernel in webgpu.disableKernels), on WASM inside the WebGPU
//   backend's ordered stream, with its inputs read back and its outputs uploaded
//   (webgpu/backend.ts, (a)). That fallback is allowed under backend 'auto'; under 'webgpu'
//   such a call throws naming the reason. Each call is counted where it ran (DispatchStats).
// - Moving storages: a tensor needed on the active backend but held by another one is moved
//   there when an op uses it (and stays there), counted in bytesMoved.
// - Device loss: the WebGPU backend reports it once (onLoss); every live tensor's storage then
//   moves to WASM with the contents it had at the last sync (webgpu/recovery.ts), WASM becomes
//   the active backend, and the DeviceLostError reaches the caller once, through the next op
//   (ready), a rejected read or sync(); a tensor whose contents were lost throws it when used.
import type { KernelAttrs, KernelName } from '../kernels/contract.js';
import { CycleGANError, KernelMissingError } from '../errors.js';
import type {
  AnyBackend,
  BackendMemoryInfo,
  BackendName,
  BackendSelection,
  DispatchReport,
  EngineBackend,
  Storage,
  StorageSlot,
} from './backend.js';
import { DispatchStats } from './dispatch_stats.js';
import type { WasmBackend } from './wasm/backend.js';
import type { WasmVariant } from './wasm/loader.js';
import type { WebGpuBackend } from './webgpu/backend.js';
import { LossState } from './webgpu/recovery.js';
import type { WebGpuStorage } from './webgpu/storage.js';

export class CompositeBackend implements EngineBackend {
  /** preferred first */
  private readonly backends: AnyBackend[];
  private current: AnyBackend;
  private readonly stats = new DispatchStats();
  private readonly loss = new LossState();
  private liveSlots: () => Iterable<StorageSlot> = () => [];

  /**
   * `fallback`: true (backend 'auto') runs on WASM a call the GPU cannot run; false ('webgpu')
   * throws instead. At least one of the two backends must be given.
   */
  constructor(
    private readonly gpu: WebGpuBackend | null,
    private readonly wasm: WasmBackend | null,
    private readonly selection: BackendSelection,
    private readonly fallback: boolean,
  ) {
    this.backends = [gpu, wasm].filter((b): b is WebGpuBackend | WasmBackend => b !== null);
    if (this.backends.length === 0) throw new CycleGANError('an engine needs at least one backend');
    this.current = this.backends[0];
    if (gpu) {
      // The device is gone: every live tensor moves to WASM, and the engine goes on there.
      gpu.onLoss = (reason) => {
        const error = this.loss.onLost(this.liveSlots(), gpu, wasm, reason);
        this.stats.moved(this.loss.info!.bytesMoved);
        if (wasm) this.current = wasm;
        return error;
      };
      gpu.onPipelineFailure = (kernel, reason, bytes) => {
        if (!this.fallback || !wasm?.kernels[kernel]) return false;
        this.stats.recount(kernel, bytes, reason);
        return true;
      };
    }
  }

  get active(): BackendName {
    return this.current.name;
  }

  get wasmVariant(): WasmVariant | null {
    return this.wasm?.variant ?? null;
  }

  get device(): unknown {
    return this.gpu?.device ?? null;
  }

  track(liveSlots: () => Iterable<StorageSlot>): void {
    this.liveSlots = liveSlots;
  }

  ready(kernel?: KernelName): void {
    this.loss.deliver();
    // The WebGPU backend decides per call (it may hand the call to WASM, or throw saying why).
    if (kernel !== undefined && this.current !== this.gpu && !this.current.kernels[kernel]) {
      throw new KernelMissingError(kernel, this.current.name);
    }
  }

  hasKernel(kernel: KernelName): boolean {
    return this.current.kernels[kernel] !== undefined;
  }

  // ---------------------------------------------------------------- storages

  alloc(numel: number): Storage {
    return this.current.alloc(numel);
  }

  free(storage: Storage): void {
    this.backendFor(storage).free(storage);
  }

  write(storage: Storage, data: Float32Array): void {
    this.backendFor(storage).write(storage, data);
  }

  place(slot: StorageSlot, op: string, arg: string, revive = false): Storage {
    const target = this.current;
    const storage = slot.storage;
    if (storage.backend === target.name) return storage;
    const from = this.backendFor(storage);
    if (from === this.gpu && this.gpu.isLost) {
      if (!revive) throw this.loss.lostTensor(op, arg);
      this.gpu.free(storage as WebGpuStorage);
      slot.storage = target.alloc(storage.numel);
      return slot.storage;
    }
    const values = from.readSync(storage);
    if (!values) {
      throw new CycleGANError(`${op}: ${arg} is on the ${storage.backend} backend and cannot be moved to ${target.name} synchronously`);
    }
    const moved = target.alloc(storage.numel);
    target.write(moved, values);
    from.free(storage);
    slot.storage = moved;
    this.stats.moved(storage.numel * 4);
    return moved;
  }

  copy(src: Storage, dst: Storage): void {
    const backend = this.backendFor(dst);
    if (backend.copy) {
      // In the backend's own order (WebGPU: device to device, no readback).
      backend.copy(src, dst);
      return;
    }
    const values = backend.readSync(src);
    if (!values) throw new CycleGANError(`assign: the ${backend.name} backend can neither copy nor read synchronously`);
    backend.write(dst, values);
  }

  async read(storage: Storage, op: string, arg: string): Promise<Float32Array> {
    this.checkNotLost(storage, op, arg);
    try {
      return await this.backendFor(storage).read(storage);
    } catch (e) {
      throw this.loss.delivered(e);
    }
  }

  readSync(storage: Storage, op: string, arg: string): Float32Array | null {
    this.checkNotLost(storage, op, arg);
    return this.backendFor(storage).readSync(storage);
  }

  view(storage: Storage, op: string, arg: string): Float32Array | null {
    this.checkNotLost(storage, op, arg);
    const backend = this.backendFor(storage);
    return backend.view ? backend.view(storage) : null;
  }

  // ---------------------------------------------------------------- kernels

  run<K extends KernelName>(kernel: K, ins: readonly (Storage | null)[], outs: readonly (Storage | null)[], attrs: KernelAttrs[K]): void {
    const backend = this.current;
    if (backend === this.gpu) {
      const r = this.gpu.dispatch(kernel, ins as (WebGpuStorage | null)[], outs as (WebGpuStorage | null)[], attrs, this.fallback);
      this.stats.count(kernel, r.ran, r.bytesMoved, r.reason);
      return;
    }
    const fn = backend.kernels[kernel];
    if (!fn) throw new KernelMissingError(kernel, backend.name);
    fn(ins, outs, attrs);
    this.stats.count(kernel, backend.name);
  }

  async sync(): Promise<void> {
    const backend = this.current;
    if (!backend.sync) return;
    try {
      await backend.sync();
    } catch (e) {
      throw this.loss.delivered(e);
    }
  }

  // ---------------------------------------------------------------- statistics and life cycle

  memory(): Partial<Record<BackendName, BackendMemoryInfo>> {
    const out: Partial<Record<BackendName, BackendMemoryInfo>> = {};
    for (const b of this.backends) out[b.name] = { ...b.memory() };
    return out;
  }

  resetPeak(): void {
    for (const b of this.backends) b.resetPeak?.();
  }

  dispatchReport(): DispatchReport {
    return {
      backend: this.current.name,
      selection: { ...this.selection },
      kernels: this.stats.kernels(),
      bytesMoved: this.stats.bytesMoved,
      deviceLoss: this.loss.info ? { ...this.loss.info } : null,
    };
  }

  resetDispatchReport(): void {
    this.stats.reset();
  }

  dispose(): void {
    for (const b of this.backends) b.dispose();
  }

  private backendFor(storage: Storage): AnyBackend {
    const b = this.backends.find((x) => x.name === storage.backend);
    if (!b) throw new CycleGANError(`no ${storage.backend} backend in this engine`);
    return b;
  }

  /** Throws DeviceLostError for a storage whose contents went with the WebGPU device. */
  private checkNotLost(storage: Storage, op: string, arg: string): void {
    if (this.gpu?.isLost && storage.backend === this.gpu.name) throw this.loss.lostTensor(op, arg);
  }
}
