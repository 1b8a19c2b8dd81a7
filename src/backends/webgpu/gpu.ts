/// <reference types="@webgpu/types" />
// Finding a WebGPU implementation, an adapter and a device, with a reason whenever there is
// none. Browsers (and Deno) expose `navigator.gpu`; in Node the optional `webgpu` package
// (Dawn) provides one. That package is a devDependency: it is imported only in Node, only
// when a WebGPU engine is asked for, and under a name bundlers cannot see, so browser
// bundles never try to include a native addon. When it is missing, WebGPU in Node is
// simply unavailable: 'auto' runs on WASM and 'webgpu' throws a BackendUnavailableError
// carrying the reason given here.

/** Options of the WebGPU backend (EngineOptions.webgpu). Typed without @webgpu/types on purpose:
 * the public declaration files must not require those types of a consumer. */
export interface WebGpuOptions {
  /**
   * The WebGPU entry point to use instead of discovering one (`navigator.gpu`, or the `webgpu`
   * package in Node). `null` means "no WebGPU here", as in a browser without `navigator.gpu`.
   */
  gpu?: { requestAdapter(options?: object): Promise<unknown> } | null;
  /**
   * Let backend 'auto' use a software adapter (SwiftShader, llvmpipe, a fallback adapter):
   * default false, since on one WASM is much faster (a CycleGAN step took 40 s on SwiftShader
   * against 0.45 s on WASM). backend 'webgpu' uses whatever adapter there is.
   */
  allowSoftware?: boolean;
  /** Passed to requestAdapter(); default 'high-performance'. */
  powerPreference?: 'low-power' | 'high-performance';
  /**
   * Keep host copies of tensors at each sync point (`await data()`, `engine.sync()`), so a lost
   * device loses nothing that existed at the last sync (default true). Costs host memory
   * about the size of the live GPU tensors.
   */
  recoverDeviceLoss?: boolean;
  /**
   * Least milliseconds between two such host copies (default 0: at every readback). A larger
   * value saves readback bandwidth in training loops that read a loss every step; a loss then
   * rolls back to the last copy. engine.sync() always copies.
   */
  snapshotIntervalMs?: number;
  /** Run these kernels on WASM even though WGSL kernels exist (counted as fallbacks; for tests and comparisons). */
  disableKernels?: string[];
  /** Lower the device's maxStorageBufferBindingSize (bytes) as seen by the dispatcher (tests, comparisons). */
  maxStorageBufferBindingSize?: number;
  /** Lower the device's maxBufferSize (bytes): larger tensors are kept on the host side (tests). */
  maxBufferSize?: number;
  /** Replace the WGSL text of kernels/<name>.wgsl (kernel development and tests). */
  sources?: Record<string, string>;
}

export interface AcquiredDevice {
  device: GPUDevice;
  /** "vendor architecture description", e.g. "google swiftshader SwiftShader driver 5.0.0" */
  adapterName: string;
}

export type Acquired = { ok: true; value: AcquiredDevice } | { ok: false; reason: string };

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

type GpuEntry = { requestAdapter(options?: GPURequestAdapterOptions): Promise<GPUAdapter | null> };

/** The Dawn instance of this process: one per process is enough, and each costs a Vulkan instance. */
let nodeGpu: Promise<GpuEntry | string> | null = null;

/**
 * Loads `webgpu` through `importer` (the real dynamic import unless a test passes another)
 * and creates its GPU object. Resolves to the GPU or to the reason it is unavailable.
 * @internal
 */
export async function loadNodeGpu(importer: (name: string) => Promise<unknown>): Promise<GpuEntry | string> {
  let mod: { create?: (flags: string[]) => GpuEntry };
  try {
    mod = (await importer('webgpu')) as typeof mod;
  } catch (e) {
    return `WebGPU in Node needs the optional 'webgpu' package (Dawn): install it with 'npm install webgpu' (${errorText(e)})`;
  }
  if (typeof mod?.create !== 'function') return "the 'webgpu' package does not export create()";
  try {
    return mod.create([]);
  } catch (e) {
    return `the 'webgpu' package failed to start Dawn: ${errorText(e)}`;
  }
}

// A specifier in a variable: bundlers (tsup, vite, webpack) leave the import alone, so browser
// bundles never try to resolve the native package.
const dynamicImport = (name: string): Promise<unknown> => import(/* @vite-ignore */ name);

async function discoverGpu(options: WebGpuOptions): Promise<GpuEntry | string> {
  if (options.gpu === null) return 'no WebGPU implementation was given (webgpu.gpu is null)';
  if (options.gpu) return options.gpu as GpuEntry;
  const nav = (globalThis as { navigator?: { gpu?: GpuEntry } }).navigator;
  if (nav?.gpu) return nav.gpu;
  if (!isNode()) return 'navigator.gpu is not available (this browser has no WebGPU, or the page is not a secure context)';
  nodeGpu ??= loadNodeGpu(dynamicImport);
  return nodeGpu;
}

/** Limits worth raising from the defaults to what the adapter offers. */
const WANTED_LIMITS = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
] as const;

/** Names in an adapter's info that mean a CPU renderer. */
const SOFTWARE_NAMES = /swiftshader|llvmpipe|lavapipe|softpipe|\bwarp\b|basic render driver/i;

/**
 * Why an adapter is a software (CPU) renderer, or null for a real GPU: it says it is a fallback
 * adapter, reports a CPU device type, or names a known software rasterizer.
 * @internal
 */
export function softwareAdapterReason(adapter: unknown): string | null {
  const a = adapter as { isFallbackAdapter?: unknown; info?: Record<string, unknown> };
  const info = a.info ?? {};
  if (info.isFallbackAdapter === true || a.isFallbackAdapter === true) return 'it is a fallback adapter (isFallbackAdapter)';
  for (const key of ['type', 'adapterType', 'deviceType', 'backendType']) {
    const v = info[key];
    if (typeof v === 'string' && /cpu/i.test(v)) return `it reports a CPU device (${key} '${v}')`;
  }
  const text = ['vendor', 'architecture', 'description', 'device'].map((k) => info[k]).filter((v): v is string => typeof v === 'string' && v !== '').join(' ');
  const m = SOFTWARE_NAMES.exec(text);
  return m ? `it is the software renderer ${m[0]} ('${text}')` : null;
}

/** An adapter and a device, or the reason there are none. */
export async function acquireDevice(options: WebGpuOptions = {}, refuseSoftware = false): Promise<Acquired> {
  const gpu = await discoverGpu(options);
  if (typeof gpu === 'string') return { ok: false, reason: gpu };
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference ?? 'high-performance' });
  } catch (e) {
    return { ok: false, reason: `requestAdapter() failed: ${errorText(e)}` };
  }
  if (!adapter) {
    const hint = isNode()
      ? ' (in Node without a GPU, install chromium and libvulkan1 and set VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json for SwiftShader)'
      : '';
    return { ok: false, reason: `requestAdapter() returned null: no WebGPU adapter${hint}` };
  }
  const software = softwareAdapterReason(adapter);
  if (software && refuseSoftware) {
    return {
      ok: false,
      reason: `the WebGPU adapter runs on the CPU: ${software}; 'auto' uses WASM, which is much faster there (webgpu: { allowSoftware: true } or backend 'webgpu' would use it)`,
    };
  }
  const requiredLimits: Record<string, number> = {};
  for (const name of WANTED_LIMITS) {
    const v = (adapter.limits as unknown as Record<string, number>)[name];
    if (typeof v === 'number') requiredLimits[name] = v;
  }
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ requiredLimits });
  } catch (e) {
    return { ok: false, reason: `requestDevice() failed: ${errorText(e)}` };
  }
  if (!device) return { ok: false, reason: 'requestDevice() returned no device' };
  const info = (adapter as { info?: GPUAdapterInfo }).info;
  const adapterName = info ? [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') : 'unknown adapter';
  return { ok: true, value: { device, adapterName } };
}

export function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
