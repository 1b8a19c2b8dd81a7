// What the CLI sets up before any kernel runs: the relaxed-SIMD build wherever the runtime can
// run it (Node 20's V8 has it behind a flag), and the line each engine-making command prints
// first, saying which build and how many threads run (its --threads option is in common.ts).
import type { Engine } from '../engine.js';
import { relaxedSimdSupported } from '../backends/wasm/loader.js';

declare const __CLI_VERSION__: string | undefined;

export const cliVersion = (): string => (typeof __CLI_VERSION__ === 'string' ? __CLI_VERSION__ : '0.0.0');

/**
 * Turns on V8's relaxed SIMD where it is implemented but off by default (Node 20, V8 11.3:
 * --experimental-wasm-relaxed-simd), so the CLI runs the relaxed-SIMD build (fused multiply-add
 * in the GEMM). It must run before the module compiles; V8 flags are per process, so the
 * engine's kernel threads and openWorker's worker threads see it too. Runtimes that validate
 * relaxed SIMD already (Node 22+) are left alone. Returns whether relaxed SIMD validates.
 */
export async function enableRelaxedSimd(): Promise<boolean> {
  if (relaxedSimdSupported()) return true;
  const versions = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions;
  if (!versions?.node) return false;
  try {
    const v8 = await import('node:v8');
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return false;
  }
  return relaxedSimdSupported();
}

/** The first line an engine-making command prints: version, backend, WASM build and threads. */
export function engineBanner(engine: Engine): string {
  const parts = [`cyclegan-engine ${cliVersion()}`];
  const v = engine.wasmVariant;
  const build = v ? `wasm ${v.relaxedSimd ? 'relaxed-simd' : 'simd'}` : null;
  if (engine.backend === 'webgpu') parts.push(build ? `webgpu (${build} for the rest)` : 'webgpu');
  else if (build) parts.push(build);
  if (v) parts.push(`${v.threads} thread${v.threads === 1 ? '' : 's'}`);
  return parts.join(' · ');
}
