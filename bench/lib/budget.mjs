// The time budget of a software GPU. SwiftShader runs WGSL on the CPU, 50-250x slower than the
// WASM kernels, so in quick mode the big cases would take hours. Each WebGPU case gets an
// estimate: the WASM time of the same case (measured earlier in the run) times the slowdown
// observed so far on this adapter (the running median over the cases already timed; the first
// guess is 100x). Cases whose one call would take longer than `perCallLimit` seconds are
// skipped with the estimate in the cell; cheaper ones over `sampleLimit` get one timed call;
// once `total` seconds are spent the rest are skipped too. On a real GPU nothing is skipped.
import { median } from './measure.mjs';

export function softwareGpuPlanner({ wasmMs, perCallLimit = 8, sampleLimit = 1, total = 180, firstGuess = 100 }) {
  const ratios = [];
  let spent = 0;
  let t0 = 0;
  const estimate = (c) => {
    const base = wasmMs(c.id);
    if (!(base > 0)) return null;
    return (base / 1e3) * (ratios.length ? median(ratios) : firstGuess);
  };
  return {
    plan(c) {
      const est = estimate(c);
      if (est === null) return { mode: 'once', reason: 'single timed run (software GPU; no WASM time to estimate from)' };
      const s = est < 10 ? est.toFixed(1) : est.toFixed(0);
      if (est > perCallLimit) return { mode: 'skip', reason: `skipped: SwiftShader too slow (est. ${s} s per call)` };
      if (spent + 2 * est > total) return { mode: 'skip', reason: `skipped: SwiftShader budget of ${total} s spent (est. ${s} s per call)` };
      t0 = performance.now();
      if (est > sampleLimit) return { mode: 'once', reason: 'single timed run (software GPU)' };
      return { mode: 'sample' };
    },
    /** Feeds a finished WebGPU result back: refines the slowdown and the time spent. */
    observe(r) {
      const base = wasmMs(r.id);
      if (r.medianMs > 0 && base > 0) ratios.push(r.medianMs / base);
      if (!r.skipped && t0) spent += (performance.now() - t0) / 1e3;
      t0 = 0;
    },
    get spent() {
      return spent;
    },
  };
}
