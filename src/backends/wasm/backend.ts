// The WebAssembly SIMD backend: storages live in the module's linear memory and kernels are
// AssemblyScript functions called with byte offsets. With `threads` > 1 (and a runtime that
// allows it, see threads.ts) the module is the shared-memory build and the convolutions run
// on a pool of kernel threads; with relaxed SIMD validated (or asked for) it is the
// relaxed-SIMD build. engine.wasmVariant reports what was chosen.
import type { Backend, BackendMemory } from '../backend.js';
import type { KernelTable } from '../../kernels/contract.js';
import { WasmAllocator } from './allocator.js';
import {
  instantiateVariant,
  relaxedSimdSupported,
  simdSupported,
  variantName,
  wasmModule,
  SHARED_MEMORY_PAGES,
  type WasmExports,
  type WasmVariant,
} from './loader.js';
import type { WasmContext } from './context.js';
import { bumpVersion, type WasmStorage } from './storage.js';
import { WinogradFilterCache } from './winograd_cache.js';
import { claimCounterAddress, CONTROL_BYTES, defaultThreads, ThreadPool, threadSupport } from './threads.js';
import { wasmKernels, PARALLEL_KERNELS } from './kernels/index.js';

export interface WasmOptions {
  /**
   * Threads that run the convolutions, the calling thread included. Default: every core
   * (os.availableParallelism() in Node, navigator.hardwareConcurrency in a crossOriginIsolated
   * worker) where kernel threads can run, else 1 (see defaultThreads() in threads.ts). Above 1
   * the backend starts threads - 1 workers on a shared memory; where the runtime cannot (a
   * browser page that is not crossOriginIsolated, or its main thread) it runs on one thread.
   */
  threads?: number;
  /** Use the relaxed-SIMD build (default: when WebAssembly.validate accepts relaxed SIMD). */
  relaxedSimd?: boolean;
}

type Fn = (...args: number[]) => number;

/**
 * Below this many flops (about a tenth of a millisecond of one thread) a kernel call runs on
 * the calling thread alone: waking the workers and waiting for the last one costs tens of
 * microseconds, and the small convs of a 64x64 discriminator would spend more time in the
 * handshake than in arithmetic.
 */
const MIN_PARALLEL_FLOPS = 4e6;

export class WasmBackend implements Backend<WasmStorage> {
  readonly name = 'wasm' as const;
  readonly kernels: KernelTable<WasmStorage>;
  readonly variant: WasmVariant;
  /** Why threads > 1 was asked for but the backend runs on one thread (else null). */
  readonly threadsUnavailable: string | null;
  private readonly allocator: WasmAllocator;
  /** Transformed Winograd filters of weight storages (winograd_cache.ts). */
  readonly filters: WinogradFilterCache;
  private disposed = false;

  private constructor(
    private readonly exports: WasmExports,
    allocator: WasmAllocator,
    private readonly pool: ThreadPool | null,
    relaxedSimd: boolean,
    threadsUnavailable: string | null,
  ) {
    this.allocator = allocator;
    this.variant = Object.freeze({ threads: pool?.threads ?? 1, relaxedSimd });
    this.threadsUnavailable = threadsUnavailable;
    const k = exports as unknown as Record<string, Fn>;
    this.filters = new WinogradFilterCache(
      exports as unknown as Record<string, unknown>,
      (bytes) => this.allocator.alloc(bytes),
      (ptr) => this.allocator.free(ptr),
    );
    const ctx: WasmContext = {
      exports,
      filters: this.filters,
      scratch: (bytes) => this.allocator.alloc(bytes),
      freeScratch: (ptr) => this.allocator.free(ptr),
      parallel: (name, args, workArg, workBytes, flops) => {
        // One scratch block per part, cache-line aligned, allocated and freed around the call
        // (the allocator pools blocks by size, so a training loop reuses the same ones).
        const stride = Math.ceil(Math.max(workBytes, 1) / 64) * 64;
        const threaded = pool !== null && flops >= MIN_PARALLEL_FLOPS;
        const parts = threaded ? pool.threads : 1;
        const work = this.allocator.alloc(stride * parts);
        const withWork = args.map((v, i) => (i === workArg ? work : v));
        try {
          if (!threaded) k[name](...withWork, 0, 1);
          else pool.run(name, withWork, workArg, stride, () => k[name](...withWork, 0, parts));
        } finally {
          this.allocator.free(work);
        }
      },
    };
    this.kernels = wasmKernels(ctx);
  }

  /**
   * Starts compiling the module create(options) will instantiate (compiled once per process,
   * loader.ts), without waiting: a caller with other work to do first (the CLI reads its weight
   * file and decodes its image) overlaps the compile with it. Failures surface in create().
   */
  static precompile(options: WasmOptions = {}): void {
    if (typeof WebAssembly !== 'object' || !simdSupported()) return;
    const relaxedSimd = options.relaxedSimd ?? relaxedSimdSupported();
    void defaultThreads().then((auto) => {
      const threads = options.threads ?? auto;
      return wasmModule(variantName(relaxedSimd, threads > 1 && threadSupport() === null));
    }).catch(() => undefined);
  }

  static async create(options: WasmOptions = {}): Promise<WasmBackend> {
    const relaxedSimd = options.relaxedSimd ?? relaxedSimdSupported();
    const threads = options.threads ?? (await defaultThreads());
    const unsupported = threads > 1 ? threadSupport() : null;
    if (threads > 1 && unsupported === null) {
      const memory = new WebAssembly.Memory({ ...SHARED_MEMORY_PAGES, shared: true });
      const { exports, module } = await instantiateVariant(relaxedSimd, memory);
      const allocator = new WasmAllocator(exports.memory, exports.heapBase());
      const ctl = allocator.alloc(CONTROL_BYTES);
      new Int32Array(exports.memory.buffer, ctl, CONTROL_BYTES / 4).fill(0);
      (exports as unknown as { setClaimCounter(ptr: number): void }).setClaimCounter(claimCounterAddress(ctl));
      const pool = await ThreadPool.start(module, memory, ctl, PARALLEL_KERNELS, threads);
      return new WasmBackend(exports, allocator, pool, relaxedSimd, null);
    }
    const { exports } = await instantiateVariant(relaxedSimd);
    return new WasmBackend(exports, new WasmAllocator(exports.memory, exports.heapBase()), null, relaxedSimd, unsupported);
  }

  alloc(numel: number): WasmStorage {
    return { backend: 'wasm', numel, ptr: this.allocator.alloc(numel * 4) };
  }

  free(storage: WasmStorage): void {
    this.filters.drop(storage);
    this.allocator.free(storage.ptr);
  }

  /** A view of a storage's floats; valid until the next allocation (the heap may grow). */
  view(storage: WasmStorage): Float32Array {
    return new Float32Array(this.exports.memory.buffer, storage.ptr, storage.numel);
  }

  write(storage: WasmStorage, data: Float32Array): void {
    bumpVersion(storage);
    this.view(storage).set(data);
  }

  readSync(storage: WasmStorage): Float32Array {
    return this.view(storage).slice();
  }

  async read(storage: WasmStorage): Promise<Float32Array> {
    return this.readSync(storage);
  }

  memory(): BackendMemory {
    return {
      liveBytes: this.allocator.liveBytes,
      pooledBytes: this.allocator.pooledBytes,
      reservedBytes: this.allocator.heapBytes,
      peakLiveBytes: this.allocator.peakLiveBytes,
    };
  }

  resetPeak(): void {
    this.allocator.resetPeak();
  }

  /** Ends the kernel threads; the memory goes with the engine. */
  dispose(): void {
    this.disposed = true;
    this.pool?.dispose();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }
}
