import type { Storage } from '../backend.js';

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
