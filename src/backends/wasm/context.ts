// What the WASM kernel bindings (kernels/*.ts) get from the backend: the module's exports,
// scratch memory, the thread split and the Winograd filter cache. Apart from storage.ts, so
// that the storage type does not depend on the cache (which keys its entries by storage).
import type { WinogradFilterCache } from './winograd_cache.js';

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
