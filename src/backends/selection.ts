// Backend discovery and selection: which backends a new engine gets for 'auto' | 'webgpu' |
// 'wasm' (and why), from the options that choose and configure them.
import { AttributeError, BackendUnavailableError } from '../errors.js';
import type { BackendChoice, BackendSelection } from './backend.js';
import { CompositeBackend } from './composite.js';
import { WasmBackend, type WasmOptions } from './wasm/backend.js';
import { WebGpuBackend } from './webgpu/backend.js';
import { acquireDevice, type WebGpuOptions } from './webgpu/gpu.js';

/** The options of createEngine that choose and configure the backends. */
export interface BackendOptions {
  /**
   * 'auto' (default) uses WebGPU when requestAdapter() gives an adapter and a device, running
   * per op on WASM what the GPU cannot, else WASM. 'wasm' and 'webgpu' insist on one (an op
   * the GPU cannot run throws under 'webgpu').
   */
  backend?: BackendChoice;
  /** Options of the WebGPU backend. */
  webgpu?: WebGpuOptions;
  /**
   * Options of the WASM backend: `threads` (default: the machine's available parallelism
   * wherever the caller may block, that is Node and crossOriginIsolated workers; 1 on a page's
   * main thread; pass `threads: 1` to keep the cores free for other work) and `relaxedSimd`
   * (default: used when the runtime validates it). engine.wasmVariant says what runs.
   */
  wasm?: WasmOptions;
}

/** options.backend, checked (an AttributeError names a value that is none of the three). */
export function checkBackendChoice(choice: unknown): BackendChoice {
  if (choice !== 'auto' && choice !== 'wasm' && choice !== 'webgpu') {
    throw new AttributeError('createEngine', 'backend', "'auto', 'webgpu' or 'wasm'", JSON.stringify(choice));
  }
  return choice;
}

/** Throws an AttributeError naming the first backend option of the wrong type or range. */
function checkBackendOptions(webgpu: unknown, wasm: WasmOptions | undefined): void {
  if (webgpu !== undefined && (webgpu === null || typeof webgpu !== 'object')) {
    throw new AttributeError('createEngine', 'webgpu', 'an object of WebGPU options', String(webgpu));
  }
  if (wasm !== undefined && (wasm === null || typeof wasm !== 'object')) {
    throw new AttributeError('createEngine', 'wasm', 'an object of WASM options', String(wasm));
  }
  if (wasm?.threads !== undefined && !(Number.isInteger(wasm.threads) && wasm.threads >= 1 && wasm.threads <= 64)) {
    throw new AttributeError('createEngine', 'wasm.threads', 'an integer in [1, 64]', String(wasm.threads));
  }
  if (wasm?.relaxedSimd !== undefined && typeof wasm.relaxedSimd !== 'boolean') {
    throw new AttributeError('createEngine', 'wasm.relaxedSimd', 'a boolean', String(wasm.relaxedSimd));
  }
  const allowSoftware = (webgpu as WebGpuOptions | undefined)?.allowSoftware;
  if (allowSoftware !== undefined && typeof allowSoftware !== 'boolean') {
    throw new AttributeError('createEngine', 'webgpu.allowSoftware', 'a boolean', JSON.stringify(allowSoftware));
  }
}

/**
 * The backend of a new engine. 'auto' uses WebGPU only when requestAdapter() gives an
 * adapter and a device is created, else WASM; 'webgpu' throws BackendUnavailableError with the
 * reason. WASM is opened in every case where it can be: it runs the per-op fallbacks and takes
 * over when the device is lost.
 */
export async function openBackends(choice: BackendChoice, options: BackendOptions): Promise<CompositeBackend> {
  checkBackendOptions(options.webgpu, options.wasm);
  const webgpu = options.webgpu ?? {};
  const selection: BackendSelection = { requested: choice };
  let wasm: WasmBackend | null = null;
  let wasmError: unknown = null;
  try {
    wasm = await WasmBackend.create(options.wasm ?? {});
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
  return new CompositeBackend(gpu, wasm, selection, choice === 'auto');
}
