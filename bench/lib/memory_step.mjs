// Peak WebAssembly memory of the training step (GitHub issue #14): a CycleGANTrainer on the
// WASM backend at one image size takes N steps, then draws a sample grid (5 images, as fit()
// does after a step) and encodes a checkpoint; after each, the heap's size is read.
//
// A wasm32 memory never shrinks, so the buffer's byteLength after a phase IS the peak up to
// that phase. Beside it: the allocator's high-water mark of live bytes (peakLiveBytes, what
// the step needed at its worst moment) and the live bytes at rest (weights, Adam moments,
// replay buffers). No imports: the library comes in as `lib` (dist/index.js).

const MiB = 1024 * 1024;
const SEED = 7;

/** The WASM backend's numbers now, in MiB. */
function snapshot(engine, label, ms) {
  const w = engine.memory().backends.wasm ?? {};
  const mib = (v) => (typeof v === 'number' ? +(v / MiB).toFixed(1) : null);
  return {
    phase: label,
    heapMiB: mib(w.reservedBytes),
    peakLiveMiB: mib(w.peakLiveBytes),
    liveMiB: mib(w.liveBytes),
    pooledMiB: mib(w.pooledBytes),
    ms: Math.round(ms),
  };
}

/**
 * Runs `steps` training steps at `size` x `size` with `blocks` residual blocks (batch 1), then
 * a 5-image sample grid and a checkpoint. `trainerOptions` go to the trainer as they are
 * (e.g. { recompute: 'none' }). Returns { size, blocks, steps: [...], sample, checkpoint }.
 */
export async function measureStepMemory(lib, { size, blocks, steps = 2, threads = 1, trainerOptions = {}, onPhase = () => {} }) {
  const engine = await lib.createEngine({ backend: 'wasm', seed: SEED, wasm: { threads } });
  try {
    const trainer = new lib.CycleGANTrainer(engine, {
      imgHeight: size, imgWidth: size, nResidualBlocks: blocks, nEpochs: 1, decayEpoch: 0, seed: SEED, ...trainerOptions,
    });
    const a = engine.randn([1, 3, size, size], { seed: SEED + 1, std: 0.5 });
    const b = engine.randn([1, 3, size, size], { seed: SEED + 2, std: 0.5 });
    const out = { size, blocks, batch: 1, threads, trainerOptions, atRest: snapshot(engine, 'built', 0), steps: [] };
    onPhase(out.atRest);
    for (let k = 0; k < steps; k++) {
      const t0 = performance.now();
      const losses = await trainer.step(a, b);
      const s = { ...snapshot(engine, `step ${k + 1}`, performance.now() - t0), lossG: losses.lossG };
      out.steps.push(s);
      onPhase(s);
    }
    // fit()'s sample grid: 5 images of each domain through both generators (eval, no grad)
    const sa = engine.randn([5, 3, size, size], { seed: SEED + 3, std: 0.5 });
    const sb = engine.randn([5, 3, size, size], { seed: SEED + 4, std: 0.5 });
    let t0 = performance.now();
    await trainer.sampleImages(sa, sb);
    out.sample = snapshot(engine, 'sample grid', performance.now() - t0);
    onPhase(out.sample);
    sa.dispose();
    sb.dispose();
    t0 = performance.now();
    const bytes = await trainer.checkpointBytes();
    out.checkpoint = { ...snapshot(engine, 'checkpoint', performance.now() - t0), fileMiB: +(bytes.length / MiB).toFixed(1) };
    onPhase(out.checkpoint);
    a.dispose();
    b.dispose();
    trainer.dispose();
    out.peakHeapMiB = Math.max(...out.steps.map((s) => s.heapMiB), out.sample.heapMiB, out.checkpoint.heapMiB);
    return out;
  } finally {
    engine.dispose();
  }
}
