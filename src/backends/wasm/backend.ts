// The WebAssembly SIMD backend: storages live in the module's linear memory and kernels are
// AssemblyScript functions called with byte offsets.
import type { Backend, BackendMemory } from '../backend.js';
import type { KernelTable } from '../../kernels/contract.js';
import { WasmAllocator } from './allocator.js';
import { instantiateWasm, type WasmExports } from './loader.js';
import type { WasmContext, WasmStorage } from './storage.js';
import { wasmKernels } from './kernels/index.js';

export class WasmBackend implements Backend<WasmStorage> {
  readonly name = 'wasm' as const;
  readonly kernels: KernelTable<WasmStorage>;
  private readonly allocator: WasmAllocator;
  private disposed = false;

  private constructor(private readonly exports: WasmExports) {
    this.allocator = new WasmAllocator(exports.memory, exports.heapBase());
    const ctx: WasmContext = {
      exports,
      scratch: (bytes) => this.allocator.alloc(bytes),
      freeScratch: (ptr) => this.allocator.free(ptr),
    };
    this.kernels = wasmKernels(ctx);
  }

  static async create(): Promise<WasmBackend> {
    return new WasmBackend(await instantiateWasm());
  }

  alloc(numel: number): WasmStorage {
    return { backend: 'wasm', numel, ptr: this.allocator.alloc(numel * 4) };
  }

  free(storage: WasmStorage): void {
    this.allocator.free(storage.ptr);
  }

  /** A view of a storage's floats; valid until the next allocation (the heap may grow). */
  view(storage: WasmStorage): Float32Array {
    return new Float32Array(this.exports.memory.buffer, storage.ptr, storage.numel);
  }

  write(storage: WasmStorage, data: Float32Array): void {
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
    };
  }

  dispose(): void {
    this.disposed = true;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }
}
