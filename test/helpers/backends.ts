// The backends the conformance suites (test/conformance) run on, each with its tolerance:
// max|ours - torch| / (max|torch| + 1e-6) <= tol, for every output and gradient (docs/design.md, "The numbers that define correct").
// A new backend or kernel variant is one entry here; CONFORMANCE_BACKENDS=wasm,webgpu narrows the list.
// `backends` holds the backends proper (the training and io suites create engines from their
// names); `conformanceBackends` adds the WASM kernel variants, which only the op and model
// conformance suites run (each adds about a minute there).
//
// WASM runs in three kernel variants, each pinned so that none silently becomes another:
//   wasm          the SIMD128 build, one thread
//   wasm-threads  the shared-memory build on 2 threads (the conv kernels split over a worker pool;
//                 convs under 4 MFLOP stay on the calling thread, so the op fixtures mostly
//                 run there and the model fixtures run on the pool; test/wasm/conv_parts
//                 checks every kernel's split on small shapes)
//   wasm-relaxed  the relaxed-SIMD build (fused multiply-add in the GEMM), one thread
// Relaxed SIMD runs where WebAssembly.validate accepts it. Node 20's V8 (11.3) implements it
// behind --experimental-wasm-relaxed-simd, off by default; on such a Node this file turns V8's
// own implementation on for the test process (real relaxed instructions, nothing emulated),
// so CI checks the build Chromium users get. Where neither works the variant is reported as
// unsupported by this runtime and left out.

import { webgpuConformance } from '../webgpu/availability.js';
import type { EngineOptions, WasmVariant } from '../../src/index.js';
import { enableRelaxedSimd } from './relaxed_simd.js';

export type ConformanceBackend = 'wasm' | 'wasm-threads' | 'wasm-relaxed' | 'webgpu';

export interface BackendSpec<Name extends ConformanceBackend = 'wasm' | 'webgpu'> {
  name: Name;
  tol: number;
  /** createEngine options of this backend or variant */
  engine: EngineOptions;
  /** what engine.wasmVariant must report (a variant that fell back is a failure) */
  variant?: WasmVariant;
}

const relaxedUnavailable = await enableRelaxedSimd();
if (relaxedUnavailable) console.warn(`conformance: wasm-relaxed variant unsupported: ${relaxedUnavailable}`);

const ALL: BackendSpec<ConformanceBackend>[] = [
  { name: 'wasm', tol: 1e-4, engine: { backend: 'wasm', wasm: { threads: 1, relaxedSimd: false } }, variant: { threads: 1, relaxedSimd: false } },
  {
    name: 'wasm-threads',
    tol: 1e-4,
    engine: { backend: 'wasm', wasm: { threads: 2, relaxedSimd: false } },
    variant: { threads: 2, relaxedSimd: false },
  },
  ...(relaxedUnavailable
    ? []
    : [
        {
          name: 'wasm-relaxed' as const,
          tol: 1e-4,
          engine: { backend: 'wasm' as const, wasm: { threads: 1, relaxedSimd: true } },
          variant: { threads: 1, relaxedSimd: true },
        },
      ]),
  ...(await webgpuConformance()).map((s) => ({ ...s, engine: { backend: 'webgpu' as const } })),
];

function selected(): BackendSpec<ConformanceBackend>[] {
  const only = process.env.CONFORMANCE_BACKENDS;
  if (!only) return ALL;
  const names = only.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !ALL.some((b) => b.name === n));
  if (unknown.length) {
    throw new Error(`CONFORMANCE_BACKENDS names unknown backends: ${unknown.join(', ')} (known: ${ALL.map((b) => b.name).join(', ')})`);
  }
  return ALL.filter((b) => names.includes(b.name));
}

/** Every selected backend and WASM kernel variant. */
export const conformanceBackends: BackendSpec<ConformanceBackend>[] = selected();

/** The selected backends proper: 'wasm' (its default build) and 'webgpu'. */
export const backends: BackendSpec[] = conformanceBackends.filter(
  (b): b is BackendSpec => b.name === 'wasm' || b.name === 'webgpu',
);
