// ONNX Runtime Web's WASM backend in Node: runs the ONNX exports of the same generator and
// discriminator (bench/peers/export_onnx.py) with `threads` intra-op threads. Inference only:
// ORT Web has no training, so the op and training-step cases are reported as not applicable.
import { readFileSync, existsSync } from 'node:fs';
import { timeCase, timeOnce } from '../lib/measure.mjs';

export async function ortInfo() {
  const ort = await import('onnxruntime-web');
  const pkg = JSON.parse(readFileSync(new URL('../../node_modules/onnxruntime-web/package.json', import.meta.url), 'utf8'));
  return { ort, version: pkg.version };
}

export async function runOrtCases({ ort, Benchmark, cases, onnxPath, threads, sampling, onceAbove = Infinity, onResult = () => {} }) {
  // numThreads must be set before the first session; ORT keeps it for the process, so the
  // caller runs one process per thread count (bench/peers/ort_child.mjs).
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.simd = true;
  const results = [];
  for (const c of cases) {
    const base = { id: c.id, group: c.kind ? 'e2e' : 'op', flop: c.flop ?? 0, bytes: c.bytes ?? 0, threads };
    let r;
    if (!c.kind) r = { ...base, skipped: 'ORT runs whole models: no single-op case' };
    else if (c.kind === 'trainStep') r = { ...base, skipped: 'ORT Web has no training' };
    else {
      const path = onnxPath(c);
      if (!existsSync(path)) r = { ...base, skipped: `no ONNX export (${path}); needs /usr/bin/python3 with torch` };
      else {
        try {
          const session = await ort.InferenceSession.create(readFileSync(path), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
          const data = new Float32Array(3 * c.size * c.size).map((_, i) => Math.sin(i) * 0.5);
          const feeds = { x: new ort.Tensor('float32', data, [1, 3, c.size, c.size]) };
          const fn = async () => {
            const out = await session.run(feeds);
            for (const t of Object.values(out)) t.dispose?.();
          };
          const w0 = performance.now();
          await fn(); // warm-up
          const warm = (performance.now() - w0) / 1e3;
          r = warm > onceAbove
            ? { ...base, ...(await timeOnce(fn, { warmup: 0 })), note: `single timed run (one call takes ${warm.toFixed(0)} s)` }
            : { ...base, ...(await timeCase(Benchmark, fn, { ...sampling(c), warmup: 0 })) };
          await session.release();
        } catch (e) {
          r = { ...base, error: String(e?.message ?? e).split('\n')[0] };
        }
      }
    }
    results.push(r);
    onResult(r);
  }
  return results;
}
