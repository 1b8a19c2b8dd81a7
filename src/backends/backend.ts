// What the engine needs from a backend: storage management and a kernel table.
import type { KernelName, KernelTable } from '../kernels/contract.js';

export type BackendName = 'wasm' | 'webgpu';

/** A float32 buffer owned by one backend. */
export interface Storage {
  readonly backend: BackendName;
  /** number of float32 elements */
  readonly numel: number;
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

export interface Backend<S extends Storage = Storage> {
  readonly name: BackendName;
  readonly kernels: KernelTable<S>;
  /** Allocates uninitialized storage for numel float32 values. */
  alloc(numel: number): S;
  free(storage: S): void;
  write(storage: S, data: Float32Array): void;
  /** Reads a copy back; resolves once any queued work on the storage is done. */
  read(storage: S): Promise<Float32Array>;
  /** Synchronous read; backends that cannot (WebGPU) return null. */
  readSync(storage: S): Float32Array | null;
  memory(): BackendMemory;
  /** Starts the high-water mark of live bytes at what is live now (where the backend keeps one). */
  resetPeak?(): void;
  dispose(): void;
}

export function hasKernel(backend: Backend, kernel: KernelName): boolean {
  return typeof backend.kernels[kernel] === 'function';
}

/** A backend of any storage type, as the engine holds them. */
export type AnyBackend = Backend<any>;
