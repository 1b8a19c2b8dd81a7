// The allocator over the WebAssembly linear memory. Kernels never allocate: every tensor and
// workspace is placed here by JS. Freed blocks coalesce with free neighbours, and a free block
// at the end of the used region goes back to it, so that memory freed by one size (a step's
// activations) serves another (its gradients, a sample grid's batch of 5): a wasm32 memory
// never shrinks, so its size is the high-water mark of what was placed, and fragmentation
// would show up as heap nobody can use. Allocation is best fit (the smallest free block that
// holds the request, the lowest address among equals), which reuses the exact sizes a
// training loop asks for step after step.

const ALIGN = 64; // cache-line alignment; v128 loads are fastest on aligned addresses
const PAGE = 65536;
const MAX_EXTRA_PAGES = (64 * 1024 * 1024) / PAGE;

export class WasmAllocator {
  /** End of the used region: everything from here to the buffer's end is free. */
  private top: number;
  /** Free blocks below top, by start and by end (for coalescing). */
  private readonly freeByPtr = new Map<number, number>();
  private readonly freeByEnd = new Map<number, number>();
  private readonly sizes = new Map<number, number>();
  liveBytes = 0;
  /** Bytes in free blocks below the used region's end (reusable without growing). */
  pooledBytes = 0;
  /** The most bytes live at once since the allocator was made (or resetPeak()). */
  peakLiveBytes = 0;

  constructor(
    private readonly memory: WebAssembly.Memory,
    heapBase: number,
  ) {
    this.top = roundUp(heapBase, ALIGN);
  }

  /** Returns the byte offset of a block of at least `bytes` bytes, 64-byte aligned. */
  alloc(bytes: number): number {
    const size = roundUp(Math.max(bytes, 1), ALIGN);
    let ptr = this.bestFit(size);
    if (ptr !== undefined) {
      const have = this.freeByPtr.get(ptr)!;
      this.unlinkFree(ptr, have);
      // The tail stays free (always a multiple of ALIGN, so aligned).
      if (have > size) this.linkFree(ptr + size, have - size);
    } else {
      ptr = this.top;
      const end = ptr + size;
      this.ensureCapacity(end);
      this.top = end;
    }
    this.sizes.set(ptr, size);
    this.liveBytes += size;
    if (this.liveBytes > this.peakLiveBytes) this.peakLiveBytes = this.liveBytes;
    return ptr;
  }

  free(ptr: number): void {
    const size = this.sizes.get(ptr);
    if (size === undefined) throw new Error(`wasm allocator: double free or foreign pointer ${ptr}`);
    this.sizes.delete(ptr);
    this.liveBytes -= size;
    let start = ptr;
    let end = ptr + size;
    const next = this.freeByPtr.get(end);
    if (next !== undefined) {
      this.unlinkFree(end, next);
      end += next;
    }
    const prev = this.freeByEnd.get(start);
    if (prev !== undefined) {
      this.unlinkFree(prev, start - prev);
      start = prev;
    }
    if (end === this.top) this.top = start;
    else this.linkFree(start, end - start);
  }

  /** Starts a new high-water mark at the bytes live now. */
  resetPeak(): void {
    this.peakLiveBytes = this.liveBytes;
  }

  get heapBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** Bytes from the heap's base to the end of the used region (live and free blocks). */
  get usedBytes(): number {
    return this.top;
  }

  private bestFit(size: number): number | undefined {
    let best: number | undefined;
    let bestSize = Infinity;
    for (const [ptr, have] of this.freeByPtr) {
      if (have < size || have > bestSize || (have === bestSize && ptr > best!)) continue;
      best = ptr;
      bestSize = have;
    }
    return best;
  }

  private linkFree(ptr: number, size: number): void {
    this.freeByPtr.set(ptr, size);
    this.freeByEnd.set(ptr + size, ptr);
    this.pooledBytes += size;
  }

  private unlinkFree(ptr: number, size: number): void {
    this.freeByPtr.delete(ptr);
    this.freeByEnd.delete(ptr + size);
    this.pooledBytes -= size;
  }

  private ensureCapacity(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    // Grow by 1/8 of the current size, at most 64 MiB more than needed, to keep the number of
    // grows small without the heap's size running far past what was placed.
    const needPages = Math.ceil((end - have) / PAGE);
    const pages = Math.max(needPages, Math.min(Math.ceil(have / PAGE / 8), needPages + MAX_EXTRA_PAGES));
    try {
      this.memory.grow(pages);
    } catch {
      try {
        this.memory.grow(needPages);
      } catch {
        throw new RangeError(
          `wasm backend: out of memory growing the heap from ${have} to ${end} bytes (the WebAssembly limit is 4 GiB)`,
        );
      }
    }
  }
}

function roundUp(x: number, m: number): number {
  return Math.ceil(x / m) * m;
}
