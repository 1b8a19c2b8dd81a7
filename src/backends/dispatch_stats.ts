// Where kernel calls ran: per kernel, the calls on each backend, the bytes moved between
// backends and the reasons of WASM fallbacks (what engine.dispatchReport() reports).
import type { BackendName, KernelDispatch } from './backend.js';

export class DispatchStats {
  private readonly calls = new Map<string, KernelDispatch>();
  bytesMoved = 0;

  private entry(kernel: string): KernelDispatch {
    let e = this.calls.get(kernel);
    if (!e) this.calls.set(kernel, (e = { bytesMoved: 0 }));
    return e;
  }

  count(kernel: string, backend: BackendName, bytesMoved = 0, reason?: string): void {
    const e = this.entry(kernel);
    e[backend] = (e[backend] ?? 0) + 1;
    e.bytesMoved += bytesMoved;
    this.bytesMoved += bytesMoved;
    if (reason) {
      e.fallbacks ??= {};
      e.fallbacks[reason] = (e.fallbacks[reason] ?? 0) + 1;
    }
  }

  /** A call counted on WebGPU that the stream later ran on WASM (its pipeline failed). */
  recount(kernel: string, bytesMoved: number, reason: string): void {
    const e = this.entry(kernel);
    if (e.webgpu) e.webgpu--;
    if (e.webgpu === 0) delete e.webgpu;
    this.count(kernel, 'wasm', bytesMoved, reason);
  }

  moved(bytes: number): void {
    this.bytesMoved += bytes;
  }

  kernels(): Record<string, KernelDispatch> {
    const out: Record<string, KernelDispatch> = {};
    for (const [k, v] of this.calls) out[k] = { ...v, ...(v.fallbacks ? { fallbacks: { ...v.fallbacks } } : {}) };
    return out;
  }

  reset(): void {
    this.calls.clear();
    this.bytesMoved = 0;
  }
}
