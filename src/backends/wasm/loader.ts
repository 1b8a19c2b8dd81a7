// Instantiates the inlined WebAssembly module. The module is embedded in the bundle as
// base64 (see scripts/build-wasm.mjs), so there is no .wasm path to configure or fetch.
import { WASM_MODULE_BASE64 } from './module.generated.js';
import { BackendUnavailableError } from '../../errors.js';

/** The raw exports of the AssemblyScript module: kernels take byte offsets and sizes. */
export type WasmExports = Record<string, unknown> & {
  memory: WebAssembly.Memory;
  heapBase(): number;
};

// Smallest module that uses a v128 instruction: validates only where SIMD is supported.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

export function simdSupported(): boolean {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

function decodeBase64(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export async function instantiateWasm(): Promise<WasmExports> {
  if (typeof WebAssembly !== 'object') {
    throw new BackendUnavailableError('wasm', 'WebAssembly is not available in this environment');
  }
  if (!simdSupported()) {
    throw new BackendUnavailableError('wasm', 'WebAssembly SIMD (128-bit) is not supported by this runtime');
  }
  const bytes = decodeBase64(WASM_MODULE_BASE64);
  const { instance } = await WebAssembly.instantiate(bytes.buffer as ArrayBuffer, {
    env: {
      abort(_msg: number, _file: number, line: number, col: number) {
        throw new Error(`wasm kernel aborted at ${line}:${col}`);
      },
    },
  });
  return instance.exports as WasmExports;
}
