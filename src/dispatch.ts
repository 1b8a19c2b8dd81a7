// Backend discovery and dispatch statistics, split from engine.ts: which backends an engine
// gets for 'auto' | 'webgpu' | 'wasm' (and why), and the per-kernel counts of where calls ran
// and how many bytes moved between backends.
import type { AnyBackend as Backend, BackendName } from './backends/backend.js';
import { WasmBackend, type WasmOptions } from './backends/wasm/backend.js';
import { WebGpuBackend } from './backends/webgpu/backend.js';
import { acquireDevice, type WebGpuOptions } from './backends/webgpu/gpu.js';
import type { DeviceLossInfo } from './backends/webgpu/errors.js';
import { AttributeError, BackendUnavailableError } from './errors.js';

export type BackendChoice = 'auto' | 'webgpu' | 'wasm';

/** Where one kernel's calls ran. */
export interface KernelDispatch {
  wasm?: number;
  webgpu?: number;
  /** bytes copied between backends for this kernel's calls (fallback inputs and outputs) */
  bytesMoved: number;
  /** why calls ran on WASM although WebGPU was active, with counts */
  fallbacks?: Record<string, number>;
}

export interface DispatchReport {
  /** the backend ops run on now */
  backend: BackendName;
  /** what was asked for, the WebGPU adapter used, or why WebGPU is not used */
  selection: BackendSelection;
  /** per kernel: how many calls ran on each backend, bytes moved, fallback reasons */
  kernels: Record<string, KernelDispatch>;
  /** bytes copied between backends, fallbacks and device-loss recovery included */
  bytesMoved: number;
  /** set once the WebGPU device was lost: what was restored and what was lost */
  deviceLoss: DeviceLossInfo | null;
}

export interface BackendSelection {
  requested: BackendChoice;
  /** the WebGPU adapter ("google swiftshader SwiftShader driver 5.0.0"), when WebGPU is used */
  adapter?: string;
  /** why WebGPU is not used (no navigator.gpu, requestAdapter() returned null, ...) */
  webgpuUnavailable?: string;
}

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

export interface OpenedBackends {
  /** preferred first */
  backends: Backend[];
  gpu: WebGpuBackend | null;
  wasm: WasmBackend | null;
  selection: BackendSelection;
}

/**
 * The backends of a new engine. 'auto' uses WebGPU only when requestAdapter() gives an
 * adapter and a device is created, else WASM; 'webgpu' throws BackendUnavailableError with the
 * reason. WASM is opened in every case where it can be: it runs the per-op fallbacks and takes
 * over when the device is lost.
 */
export async function openBackends(
  choice: BackendChoice,
  webgpu: WebGpuOptions = {},
  wasmOptions: WasmOptions = {},
): Promise<OpenedBackends> {
  if (webgpu.allowSoftware !== undefined && typeof webgpu.allowSoftware !== 'boolean') {
    throw new AttributeError('createEngine', 'webgpu.allowSoftware', 'a boolean', JSON.stringify(webgpu.allowSoftware));
  }
  const selection: BackendSelection = { requested: choice };
  let wasm: WasmBackend | null = null;
  let wasmError: unknown = null;
  try {
    wasm = await WasmBackend.create(wasmOptions);
  } catch (e) {
    if (choice === 'wasm') throw e;
    wasmError = e;
  }
  let gpu: WebGpuBackend | null = null;
  if (choice !== 'wasm') {
    // 'auto' passes over a software adapter unless allowed; asking for 'webgpu' takes any adapter.
    const acquired = await acquireDevice(webgpu, choice === 'auto' && webgpu.allowSoftware !== true);
    if (acquired.ok) {
      gpu = new WebGpuBackend(acquired.value.device, acquired.value.adapterName, wasm, {
        recoverDeviceLoss: webgpu.recoverDeviceLoss ?? true,
        snapshotIntervalMs: webgpu.snapshotIntervalMs,
        disableKernels: webgpu.disableKernels ?? [],
        maxStorageBufferBindingSize: webgpu.maxStorageBufferBindingSize,
        maxBufferSize: webgpu.maxBufferSize,
        sources: webgpu.sources,
      });
      selection.adapter = acquired.value.adapterName;
    } else if (choice === 'webgpu') {
      throw new BackendUnavailableError('webgpu', acquired.reason);
    } else {
      selection.webgpuUnavailable = acquired.reason;
    }
  } else {
    selection.webgpuUnavailable = "not requested (backend: 'wasm')";
  }
  if (!gpu && !wasm) throw wasmError;
  const backends: Backend[] = [];
  if (gpu) backends.push(gpu);
  if (wasm) backends.push(wasm);
  return { backends, gpu, wasm, selection };
}
