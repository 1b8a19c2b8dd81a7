// Instantiates the inlined WebAssembly module. The module is embedded in the package as
// base64 in four build variants (see scripts/build-wasm.mjs), so there is no .wasm path to
// configure or fetch; this file picks the variant the runtime supports and the options ask for.
// The generated module is imported dynamically, on the first compile: the package build
// (tsup.config.ts) emits it once, as dist/wasm.js, which the ESM and CJS bundles both load
// instead of each carrying a copy; bundlers follow the import() like any other.
import type { WASM_MODULES } from './module.generated.js';
import { BackendUnavailableError } from '../../errors.js';

/** The raw exports of the AssemblyScript module: kernels take byte offsets and sizes. */
export type WasmExports = Record<string, unknown> & {
  memory: WebAssembly.Memory;
  heapBase(): number;
};

/** Which build of the kernels runs, and on how many threads. */
export interface WasmVariant {
  /** threads that run the convolutions (1: the calling thread only) */
  readonly threads: number;
  /** whether the relaxed-SIMD build (fused multiply-add in the GEMM) runs */
  readonly relaxedSimd: boolean;
}

// Smallest module that uses a v128 instruction: validates only where SIMD is supported.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

// (func (result v128) v128.const 0 v128.const 0 v128.const 0 f32x4.relaxed_madd): validates
// only where relaxed SIMD is enabled (Chromium 114+; Node 20's V8 only behind
// --experimental-wasm-relaxed-simd).
const RELAXED_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 61, 1, 59, 0, 253, 12, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 253, 133, 2, 11,
]);

function validates(bytes: Uint8Array): boolean {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(bytes as BufferSource);
  } catch {
    return false;
  }
}

export function simdSupported(): boolean {
  return validates(SIMD_PROBE);
}

export function relaxedSimdSupported(): boolean {
  return validates(RELAXED_PROBE);
}

function decodeBase64(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const compiled = new Map<keyof typeof WASM_MODULES, Promise<WebAssembly.Module>>();
let sources: Promise<typeof WASM_MODULES> | undefined;

/** The base64 modules, loaded once. */
function wasmSources(): Promise<typeof WASM_MODULES> {
  sources ??= import('./module.generated.js').then(
    (m) => m.WASM_MODULES,
    (e: unknown) => {
      sources = undefined;
      const why = e instanceof Error ? e.message : String(e);
      throw new BackendUnavailableError('wasm', `the WebAssembly kernels (wasm.js next to the package's bundles) could not be loaded: ${why}`);
    },
  );
  return sources;
}

/** The compiled module of one variant (compiled once per process). */
export function wasmModule(name: keyof typeof WASM_MODULES): Promise<WebAssembly.Module> {
  let m = compiled.get(name);
  if (!m) {
    m = wasmSources().then((all) => WebAssembly.compile(decodeBase64(all[name]).buffer as ArrayBuffer));
    compiled.set(name, m);
  }
  return m;
}

/** The variant name for a relaxed/shared combination. */
export function variantName(relaxedSimd: boolean, shared: boolean): keyof typeof WASM_MODULES {
  if (shared) return relaxedSimd ? 'relaxedThreads' : 'simdThreads';
  return relaxedSimd ? 'relaxed' : 'simd';
}

/** Imports of every variant; `memory` only for the shared-memory builds. */
export function wasmImports(memory?: WebAssembly.Memory): WebAssembly.Imports {
  return {
    env: {
      ...(memory ? { memory } : {}),
      abort(_msg: number, _file: number, line: number, col: number) {
        throw new Error(`wasm kernel aborted at ${line}:${col}`);
      },
    },
  };
}

/** The module's initial and maximum memory of the shared builds, in 64 KiB pages. */
export const SHARED_MEMORY_PAGES = { initial: 16, maximum: 65536 } as const;

export interface Instantiated {
  exports: WasmExports;
  module: WebAssembly.Module;
}

/**
 * Instantiates one variant. The shared builds import their memory: pass a shared
 * WebAssembly.Memory of SHARED_MEMORY_PAGES (the worker pool instantiates the same module on it).
 */
export async function instantiateWasm(
  options: { relaxedSimd?: boolean; memory?: WebAssembly.Memory } = {},
): Promise<WasmExports & { module?: WebAssembly.Module }> {
  const inst = await instantiateVariant(options.relaxedSimd ?? false, options.memory);
  return inst.exports;
}

export async function instantiateVariant(relaxedSimd: boolean, memory?: WebAssembly.Memory): Promise<Instantiated> {
  if (typeof WebAssembly !== 'object') {
    throw new BackendUnavailableError('wasm', 'WebAssembly is not available in this environment');
  }
  if (!simdSupported()) {
    throw new BackendUnavailableError('wasm', 'WebAssembly SIMD (128-bit) is not supported by this runtime');
  }
  if (relaxedSimd && !relaxedSimdSupported()) {
    throw new BackendUnavailableError('wasm', 'relaxed SIMD was asked for (wasm.relaxedSimd: true) but this runtime does not validate it');
  }
  const module = await wasmModule(variantName(relaxedSimd, memory !== undefined));
  const instance = await WebAssembly.instantiate(module, wasmImports(memory));
  const exports = instance.exports as WasmExports;
  return { exports, module };
}
