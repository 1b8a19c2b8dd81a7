// A size-class allocator over the WebAssembly linear memory. Kernels never allocate: every
// tensor and workspace is placed here by JS. Freed blocks are kept per size and reused, since
// a training loop allocates the same sizes step after step; the heap only ever grows.

const ALIGN = 64; // cache-line alignment; v128 loads are fastest on aligned addresses
const PAGE = 65536;

export class WasmAllocator {
  private top: number;
  private readonly freeLists = new Map<number, number[]>();
  private readonly sizes = new Map<number, number>();
  liveBytes = 0;
  pooledBytes = 0;

  constructor(
    private readonly memory: WebAssembly.Memory,
    heapBase: number,
  ) {
    this.top = roundUp(heapBase, ALIGN);
  }

  /** Returns the byte offset of a block of at least `bytes` bytes, 64-byte aligned. */
  alloc(bytes: number): number {
    const size = roundUp(Math.max(bytes, 1), ALIGN);
    const list = this.freeLists.get(size);
    let ptr = list?.pop();
    if (ptr !== undefined) {
      this.pooledBytes -= size;
    } else {
      ptr = this.top;
      const end = ptr + size;
      this.ensureCapacity(end);
      this.top = end;
    }
    this.sizes.set(ptr, size);
    this.liveBytes += size;
    return ptr;
  }

  free(ptr: number): void {
    const size = this.sizes.get(ptr);
    if (size === undefined) throw new Error(`wasm allocator: double free or foreign pointer ${ptr}`);
    this.sizes.delete(ptr);
    this.liveBytes -= size;
    this.pooledBytes += size;
    let list = this.freeLists.get(size);
    if (!list) this.freeLists.set(size, (list = []));
    list.push(ptr);
  }

  get heapBytes(): number {
    return this.memory.buffer.byteLength;
  }

  private ensureCapacity(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    // Grow by at least 1/8 of the current size to keep the number of grows small.
    const needPages = Math.ceil((end - have) / PAGE);
    const pages = Math.max(needPages, Math.ceil(have / PAGE / 8));
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
