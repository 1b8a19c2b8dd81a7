// Cache of transformed Winograd filters (assembly/winograd_filter.ts) on the WASM backend.
// A training step runs each generator three times with the same weights, and inference runs
// the same weights on every image, so each weight storage's 36 packed filter matrices are
// made once and reused while its values are unchanged. An entry remembers the storage's
// version (storage.ts: bumped by every write into it, the Adam update included) and is remade
// when it differs, so a cached filter never outlives an optimizer step; it is freed with the
// storage (WasmBackend.free). The cache holds at most MAX_BYTES: past that, the entries used
// longest ago are freed first.
import type { WasmStorage } from './storage.js';

/** Bytes of transformed filters kept at most (a 9-block generator's residual filters are 170 MiB). */
export const WINOGRAD_CACHE_MAX_BYTES = 384 * 1024 * 1024;

interface Entry {
  ptr: number;
  bytes: number;
  version: number;
}

type Fn = (...args: number[]) => number;

export class WinogradFilterCache {
  /** Key: the weight storage, then 'f' (forward filter) or 'g' (input-gradient filter) and the tile. */
  private readonly entries = new Map<WasmStorage, Map<string, Entry>>();
  private order: { storage: WasmStorage; kind: string }[] = [];
  private total = 0;
  /** Filter transforms run (for tests and benchmarks: reuse must show as no new transforms). */
  transforms = 0;

  constructor(
    private readonly exports: Record<string, unknown>,
    private readonly alloc: (bytes: number) => number,
    private readonly free: (ptr: number) => void,
    private readonly maxBytes = WINOGRAD_CACHE_MAX_BYTES,
  ) {}

  /** Bytes held now. */
  get bytes(): number {
    return this.total;
  }

  /**
   * The transformed filter of weight [cOut, cIn, 3, 3] for F(tile x tile, 3x3): the forward
   * conv's, or with `flip` the input gradient's (flipped, channels swapped). Made now unless
   * cached at the weight's current version.
   */
  filter(weight: WasmStorage, flip: boolean, cIn: number, cOut: number, tile: number): number {
    const kind = `${flip ? 'g' : 'f'}${tile}`;
    const version = weight.version ?? 0;
    let byKind = this.entries.get(weight);
    const hit = byKind?.get(kind);
    if (hit && hit.version === version) {
      this.touch(weight, kind);
      return hit.ptr;
    }
    const k = this.exports as Record<string, Fn>;
    const bytes = k.conv2dWinogradFilterBytes(flip ? cIn : cOut, flip ? cOut : cIn, tile) >>> 0;
    let entry = hit;
    if (!entry || entry.bytes !== bytes) {
      if (entry) this.remove(weight, kind);
      this.evictFor(bytes);
      // remove() drops a storage's map once it is empty (evictFor may have emptied this one):
      // look it up again, or the new entry would go into a map the cache no longer holds.
      byKind = this.entries.get(weight);
      entry = { ptr: this.alloc(bytes), bytes, version };
      this.total += bytes;
      if (!byKind) this.entries.set(weight, (byKind = new Map()));
      byKind.set(kind, entry);
      this.order.push({ storage: weight, kind });
    } else {
      this.touch(weight, kind);
    }
    const tmp = this.alloc(288);
    try {
      k.conv2dWinogradFilter(weight.ptr, entry.ptr, cIn, cOut, flip ? 1 : 0, tmp, tile);
    } finally {
      this.free(tmp);
    }
    entry.version = version;
    this.transforms++;
    return entry.ptr;
  }

  /** Frees what was derived from a storage that is being freed. */
  drop(weight: WasmStorage): void {
    const byKind = this.entries.get(weight);
    if (!byKind) return;
    for (const kind of [...byKind.keys()]) this.remove(weight, kind);
  }

  /** Frees every entry. */
  clear(): void {
    for (const w of [...this.entries.keys()]) this.drop(w);
  }

  private remove(weight: WasmStorage, kind: string): void {
    const byKind = this.entries.get(weight)!;
    const e = byKind.get(kind)!;
    this.free(e.ptr);
    this.total -= e.bytes;
    byKind.delete(kind);
    if (byKind.size === 0) this.entries.delete(weight);
    this.order = this.order.filter((o) => !(o.storage === weight && o.kind === kind));
  }

  private touch(weight: WasmStorage, kind: string): void {
    const i = this.order.findIndex((o) => o.storage === weight && o.kind === kind);
    if (i >= 0 && i !== this.order.length - 1) this.order.push(...this.order.splice(i, 1));
  }

  private evictFor(bytes: number): void {
    while (this.order.length > 0 && this.total + bytes > this.maxBytes) {
      const { storage, kind } = this.order[0];
      this.remove(storage, kind);
    }
  }
}
