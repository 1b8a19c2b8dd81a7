// The WASM heap allocator: freed neighbours coalesce, the end of the used region shrinks back,
// best fit reuses exact sizes, and the high-water mark of live bytes is kept.
import { describe, expect, it } from 'vitest';
import { WasmAllocator } from '../../src/backends/wasm/allocator.js';

const PAGE = 65536;
const MiB = 1024 * 1024;

function make(pages = 16): { a: WasmAllocator; memory: WebAssembly.Memory } {
  // Pages never written stay unbacked, so a large maximum costs nothing here.
  const memory = new WebAssembly.Memory({ initial: pages, maximum: 65536 });
  return { a: new WasmAllocator(memory, 1024), memory };
}

describe('WasmAllocator', () => {
  it('hands out 64-byte aligned, non-overlapping blocks', () => {
    const { a } = make();
    const blocks = [1, 63, 64, 65, 1000, 4096].map((n) => [a.alloc(n), n] as const);
    for (const [p] of blocks) expect(p % 64).toBe(0);
    const sorted = [...blocks].sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i][0]).toBeGreaterThanOrEqual(sorted[i - 1][0] + sorted[i - 1][1]);
    expect(() => a.free(12345)).toThrow(/double free or foreign pointer/);
  });

  it('coalesces freed neighbours so that one size freed serves another', () => {
    const { a, memory } = make();
    const base = a.usedBytes;
    // Three 1 MiB blocks and a guard after them (so they are not at the end of the used region).
    const x = [a.alloc(MiB), a.alloc(MiB), a.alloc(MiB)];
    const guard = a.alloc(64);
    const heap = memory.buffer.byteLength;
    for (const p of x) a.free(p);
    expect(a.pooledBytes).toBe(3 * MiB);
    // A 2.5 MiB request fits in the coalesced 3 MiB: no growth, placed at the first block.
    const big = a.alloc(2.5 * MiB);
    expect(big).toBe(x[0]);
    expect(memory.buffer.byteLength).toBe(heap);
    expect(a.pooledBytes).toBe(0.5 * MiB);
    a.free(big);
    a.free(guard);
    // Everything freed: the used region is back to where it started.
    expect(a.usedBytes).toBe(base);
    expect(a.pooledBytes).toBe(0);
    expect(a.liveBytes).toBe(0);
  });

  it('picks the smallest free block that fits (best fit), the lowest address among equals', () => {
    const { a } = make();
    const big = a.alloc(8192);
    a.alloc(64);
    const small = a.alloc(1024);
    a.alloc(64);
    const small2 = a.alloc(1024);
    a.alloc(64);
    a.free(big);
    a.free(small2);
    a.free(small);
    expect(a.alloc(1000)).toBe(small);
    expect(a.alloc(1000)).toBe(small2);
    expect(a.alloc(5000)).toBe(big);
  });

  it('keeps the high-water mark of live bytes, and resetPeak starts it again', () => {
    const { a } = make();
    const p = a.alloc(10 * 1024);
    const q = a.alloc(20 * 1024);
    a.free(q);
    expect(a.peakLiveBytes).toBe(30 * 1024);
    a.resetPeak();
    expect(a.peakLiveBytes).toBe(10 * 1024);
    a.free(p);
    expect(a.peakLiveBytes).toBe(10 * 1024);
  });

  it('grows the memory when needed, by at most 64 MiB more than asked once it is large', () => {
    const { a, memory } = make(1);
    a.alloc(3 * PAGE);
    expect(memory.buffer.byteLength).toBeGreaterThanOrEqual(3 * PAGE + 1024);
    const { a: b, memory: m2 } = make(1);
    b.alloc(600 * MiB);
    const before = m2.buffer.byteLength;
    b.alloc(MiB);
    // 1/8 of 600 MiB would be 75 MiB; the growth is capped at 64 MiB past the request
    expect(m2.buffer.byteLength - before).toBeLessThanOrEqual(65 * MiB);
  });
});
