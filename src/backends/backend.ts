// The seam between the engine and the backends.
//
// - Backend: one kind of memory with a kernel table (wasm/backend.ts, webgpu/backend.ts).
// - EngineBackend: what the engine talks to, and all it knows of them: storages are allocated,
//   moved, read and freed, and kernels run, wherever that happens. composite.ts implements it
//   over a WebGPU backend with its WASM fallback and device-loss recovery, or over WASM alone;
//   the engine keeps tensor lifetime, kernel calls and autograd recording.
import type { KernelAttrs, KernelName, KernelTable } from '../kernels/contract.js';
import type { WasmVariant } from './wasm/loader.js';
import type { DeviceLossInfo } from './webgpu/errors.js';

export type BackendName = 'wasm' | 'webgpu';

export type BackendChoice = 'auto' | 'webgpu' | 'wasm';

/** A float32 buffer owned by one backend. */
export interface Storage {
  readonly backend: BackendName;
  /** number of float32 elements */
  readonly numel: number;
}

/**
 * The record a tensor and its views share: the storage can be replaced by one on another
 * backend (a tensor used where it is not, the tensors of a lost device), so every view sees
 * the move.
 */
export interface StorageSlot {
  storage: Storage;
}

export interface BackendMemory {
  /** bytes held by live storages */
  liveBytes: number;
  /** bytes kept in the backend's pool for reuse */
  pooledBytes: number;
  /** total bytes the backend has reserved (heap size, device buffers) */
  reservedBytes: number;
  /** the most bytes live at once since the backend started (WASM: the allocator's high-water mark) */
  peakLiveBytes?: number;
}

export interface BackendMemoryInfo extends BackendMemory {
  /** buffers kept for reuse (WebGPU) */
  pooledBuffers?: number;
  /** host bytes of device-loss copies (WebGPU) */
  shadowBytes?: number;
  /** bytes of tensors over maxBufferSize kept on the host (WebGPU) */
  hostResidentBytes?: number;
}

export interface Backend<S extends Storage = Storage> {
  readonly name: BackendName;
  readonly kernels: KernelTable<S>;
  /** Allocates uninitialized storage for numel float32 values. */
  alloc(numel: number): S;
  free(storage: S): void;
  write(storage: S, data: Float32Array): void;
  /** dst = src in the backend's own order, without a trip through the host (where it has one). */
  copy?(src: S, dst: S): void;
  /** Reads a copy back; resolves once any queued work on the storage is done. */
  read(storage: S): Promise<Float32Array>;
  /** Synchronous read; backends that cannot (WebGPU) return null. */
  readSync(storage: S): Float32Array | null;
  /**
   * The values where they are, not copied (backends whose memory the host can see: WASM). Valid
   * until the next allocation, which may move or grow that memory.
   */
  view?(storage: S): Float32Array;
  /** Resolves when the work queued so far has run (backends whose work is asynchronous). */
  sync?(): Promise<void>;
  memory(): BackendMemory;
  /** Starts the high-water mark of live bytes at what is live now (where the backend keeps one). */
  resetPeak?(): void;
  dispose(): void;
}

/** A backend of any storage type, as the composite holds them. */
export type AnyBackend = Backend<any>;

/** Where one kernel's calls ran. */
export interface KernelDispatch {
  wasm?: number;
  webgpu?: number;
  /** bytes copied between backends for this kernel's calls (fallback inputs and outputs) */
  bytesMoved: number;
  /** why calls ran on WASM although WebGPU was active, with counts */
  fallbacks?: Record<string, number>;
}

export interface BackendSelection {
  requested: BackendChoice;
  /** the WebGPU adapter ("google swiftshader SwiftShader driver 5.0.0"), when WebGPU is used */
  adapter?: string;
  /** why WebGPU is not used (no navigator.gpu, requestAdapter() returned null, ...) */
  webgpuUnavailable?: string;
}

export interface DispatchReport {
  /** the backend ops run on now */
  backend: BackendName;
  /** what was asked for, the WebGPU adapter used, or why WebGPU is not used */
  selection: BackendSelection;
  /** per kernel: how many calls ran on each backend, bytes moved, fallback reasons */
  kernels: Record<string, KernelDispatch>;
  /** bytes copied between backends, fallbacks and device-loss recovery included */
  bytesMoved: number;
  /** set once the WebGPU device was lost: what was restored and what was lost */
  deviceLoss: DeviceLossInfo | null;
}

/**
 * What the engine talks to. Storages are allocated on the active backend; a storage of another
 * backend is moved there when an op needs it (place). Errors that belong to no single call (a
 * lost device) reach the caller through ready(), read() and sync().
 */
export interface EngineBackend {
  /** The backend new storages and kernels go to now (it can change: a lost device). */
  readonly active: BackendName;
  /** The WASM build and threads, null without WebAssembly. */
  readonly wasmVariant: WasmVariant | null;
  /** The accelerator device, null without one (for tests that lose it on purpose). */
  readonly device: unknown;
  /**
   * The storage records of the engine's live tensors: what moves to another backend when the
   * one holding them goes away. Called when that happens.
   */
  track(liveSlots: () => Iterable<StorageSlot>): void;
  /**
   * Throws what the caller must see before an op: an error not delivered yet (a lost device);
   * with a kernel, KernelMissingError when the active backend has no way to run it.
   */
  ready(kernel?: KernelName): void;
  /** Whether the active backend itself has the kernel (ops with a choice of algorithm use it only there). */
  hasKernel(kernel: KernelName): boolean;
  alloc(numel: number): Storage;
  free(storage: Storage): void;
  write(storage: Storage, data: Float32Array): void;
  /**
   * The slot's storage on the active backend, moved there if needed (and counted as moved).
   * `op` and `arg` name the use in errors; `revive` is for a slot about to be overwritten,
   * which gets fresh storage where its contents were lost.
   */
  place(slot: StorageSlot, op: string, arg: string, revive?: boolean): Storage;
  /** dst = src, both on the active backend (see place). */
  copy(src: Storage, dst: Storage): void;
  /** Runs a kernel on the active backend's storages, wherever it can run; counts where it ran. */
  run<K extends KernelName>(kernel: K, ins: readonly (Storage | null)[], outs: readonly (Storage | null)[], attrs: KernelAttrs[K]): void;
  read(storage: Storage, op: string, arg: string): Promise<Float32Array>;
  /** null where the storage's backend cannot read synchronously. */
  readSync(storage: Storage, op: string, arg: string): Float32Array | null;
  /** The values in place (Backend.view); null where the storage's backend has no host-visible memory. */
  view(storage: Storage, op: string, arg: string): Float32Array | null;
  sync(): Promise<void>;
  memory(): Partial<Record<BackendName, BackendMemoryInfo>>;
  resetPeak(): void;
  dispatchReport(): DispatchReport;
  resetDispatchReport(): void;
  dispose(): void;
}
