// Relaxed SIMD in the test process. Chromium validates it, so a page's engine runs the
// relaxed-SIMD build by default; Node 20's V8 (11.3) implements it behind
// --experimental-wasm-relaxed-simd, off by default. enableRelaxedSimd() turns V8's own
// implementation on for this process (real relaxed instructions, nothing emulated), so Node can
// run the same build as a page. It returns null when relaxed SIMD validates, else why not.
import { relaxedSimdSupported } from '../../src/backends/wasm/loader.js';

export async function enableRelaxedSimd(): Promise<string | null> {
  if (relaxedSimdSupported()) return null;
  const node = (globalThis as { process?: { versions?: { node?: string; v8?: string } } }).process?.versions;
  if (node?.node) {
    const v8 = await import('node:v8');
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    if (relaxedSimdSupported()) return null;
  }
  return `relaxed SIMD is not supported by this runtime (${node?.node ? `Node ${node.node}, V8 ${node.v8}` : 'no Node'})`;
}
