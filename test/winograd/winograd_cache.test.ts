// WinogradFilterCache's bookkeeping under eviction (src/backends/wasm/winograd_cache.ts), with
// stand-in kernels: a weight whose last entry is evicted to make room for another of its own
// kinds must stay findable. Before the fix the new entry went into a map the cache had dropped,
// and a later eviction failed with "Cannot read properties of undefined (reading 'ptr')" (a
// 128x128, 9-block training step after a sample grid).
import { describe, expect, it } from 'vitest';
import { WinogradFilterCache } from '../../src/backends/wasm/winograd_cache.js';
import type { WasmStorage } from '../../src/backends/wasm/storage.js';

function cache(maxBytes: number): { c: WinogradFilterCache; live: Set<number> } {
  const live = new Set<number>();
  let next = 8;
  const exports = {
    conv2dWinogradFilterBytes: (_a: number, _b: number, tile: number) => (tile === 4 ? 100 : 60),
    conv2dWinogradFilter: () => 0,
  };
  const alloc = (bytes: number): number => {
    const p = next;
    next += bytes + 8;
    live.add(p);
    return p;
  };
  const free = (p: number): void => {
    expect(live.delete(p), `free of ${p}, which is not allocated`).toBe(true);
  };
  return { c: new WinogradFilterCache(exports, alloc, free, maxBytes), live };
}

const storage = (): WasmStorage => ({ ptr: 0, version: 0 }) as unknown as WasmStorage;

describe('WinogradFilterCache eviction', () => {
  it("evicting a weight's only entry for another kind of the same weight keeps the cache consistent", () => {
    const { c, live } = cache(120);
    const w1 = storage();
    const w2 = storage();
    c.filter(w1, false, 4, 4, 4); // f4: 100 bytes
    c.filter(w1, true, 4, 4, 2); // g2: 60 bytes, evicts w1's f4 (its only entry)
    expect(c.bytes).toBe(60);
    c.filter(w1, false, 4, 4, 4); // f4 again: evicts g2, which must be found
    expect(c.bytes).toBe(100);
    c.filter(w2, true, 4, 4, 2); // evicts w1's f4
    c.filter(w1, true, 4, 4, 2);
    expect(c.bytes).toBe(120);
    // A hit is served from the cache: no new transform.
    const before = c.transforms;
    c.filter(w1, true, 4, 4, 2);
    expect(c.transforms).toBe(before);
    c.clear();
    expect(c.bytes).toBe(0);
    expect(live.size).toBe(0);
  });
});
