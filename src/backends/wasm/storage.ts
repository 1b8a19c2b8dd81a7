import type { Storage } from '../backend.js';
import type { WinogradFilterCache } from './winograd_cache.js';

/** A float32 buffer in the WebAssembly heap, at byte offset `ptr`. */
export interface WasmStorage extends Storage {
  readonly backend: 'wasm';
  readonly ptr: number;
  /**
   * Bumped by every write into an existing storage (WasmBackend.write: tensor data, assign,
   * load_state_dict; the adam kernel's in-place update), so that what is derived from the
   * values (the Winograd filter cache, kernels/winograd.ts) knows when it is stale.
   */
  version?: number;
}

/** Marks a storage's values as changed (see WasmStorage.version). */
export function bumpVersion(s: WasmStorage): void {
  s.version = (s.version ?? 0) + 1;
}

/** What a family of kernel bindings gets to work with. */
export interface WasmContext {
  /** The module's exports: kernels take byte offsets and sizes. */
  readonly exports: Record<string, unknown>;
  /** Temporary workspace in the heap (for im2col and the like); free it before returning. */
  scratch(bytes: number): number;
  freeScratch(ptr: number): void;
  /**
   * Runs a kernel that takes (..., part, parts) last, split over the backend's threads (one
   * part on one thread). args[workArg] is replaced by each part's own `workBytes` of scratch.
   * The kernel must be listed in PARALLEL_KERNELS (kernels/index.ts). `flops` is the call's
   * arithmetic: calls too small to pay for waking the workers run on the calling thread alone.
   */
  parallel(name: string, args: readonly number[], workArg: number, workBytes: number, flops: number): void;
  /** Transformed Winograd filters of weight storages, dropped when the storage is written or freed. */
  readonly filters: WinogradFilterCache;
}
