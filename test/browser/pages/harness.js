// The page side of test/browser/*.test.ts. Plain ESM, no bundler: it imports the built package
// from /dist, as a page using the library without a build step would. The tests call these
// functions through page.evaluate and compare what they return with the same run in Node.
import { openWorker, createEngine, CycleGANTrainer } from '/dist/index.js';

/**
 * Samples the delay of setTimeout(0) callbacks on this (the main) thread until stop() is
 * called: a busy main thread shows up as long delays.
 */
function lagMonitor() {
  const lags = [];
  let stopped = false;
  let last = performance.now();
  const tick = () => {
    const now = performance.now();
    lags.push(now - last);
    if (stopped) return;
    last = performance.now();
    setTimeout(tick, 0);
  };
  setTimeout(tick, 0);
  return {
    stop() {
      stopped = true;
      return lags;
    },
  };
}

/** Bytes as base64: megabytes cross page.evaluate far faster as one string than as a number array. */
function toBase64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

window.harness = {
  /**
   * In a worker: translate `image` (a Float32Array [1, 3, H, W]) with the initial G_AB, train
   * `batches.length` steps from `options` (seeded), then translate `image` again, and the same
   * picture as ImageData (`rgba`). Returns G_AB's weights too (safetensors, base64).
   */
  async parity({ backend, options, batches, image, rgba }) {
    const worker = await openWorker({ backend });
    try {
      const trainer = await worker.createTrainer(options);
      const initialOutput = await trainer.translate(Float32Array.from(image), 'AtoB');
      const losses = [];
      for (const b of batches) losses.push(await trainer.step(Float32Array.from(b.A), Float32Array.from(b.B)));
      const output = await trainer.translate(Float32Array.from(image), 'AtoB');
      const { imgHeight: h, imgWidth: w } = options;
      const picture = await trainer.translate(new ImageData(Uint8ClampedArray.from(rgba), w, h), 'AtoB');
      const report = await worker.dispatchReport();
      const weights = await trainer.saveWeights('G_AB');
      return {
        backend: worker.backend,
        adapter: worker.selection?.adapter ?? null,
        wasmVariant: worker.wasmVariant,
        initialOutput: Array.from(initialOutput),
        losses,
        output: Array.from(output),
        picture: {
          isImageData: picture instanceof ImageData,
          width: picture.width,
          height: picture.height,
          data: Array.from(picture.data),
        },
        report: JSON.parse(JSON.stringify(report)),
        weights: toBase64(weights),
      };
    } finally {
      await worker.close();
    }
  },

  /**
   * setTimeout(0) delays on the page while fit() trains in a worker, with its progress
   * arriving through a comlink proxy; then, as a control, while one step runs on this thread.
   */
  async responsiveness({ backend, options, dataset }) {
    const worker = await openWorker({ backend, progressIntervalMs: 0 });
    const progress = [];
    let inWorker;
    let result;
    try {
      const trainer = await worker.createTrainer(options);
      const monitor = lagMonitor();
      const t0 = performance.now();
      result = await trainer.fit(dataset, { onProgress: (p) => progress.push({ batchesDone: p.batchesDone, lossG: p.losses.lossG }) });
      inWorker = { lags: monitor.stop(), ms: performance.now() - t0 };
    } finally {
      await worker.close();
    }

    // The control: the same kind of work on the main thread must show up as lag, or the
    // measurement above proves nothing.
    const engine = await createEngine({ backend: 'wasm' });
    let onMain;
    try {
      const trainer = new CycleGANTrainer(engine, options);
      const shape = [1, 3, options.imgHeight, options.imgWidth];
      const a = engine.randn(shape, { seed: 1 });
      const b = engine.randn(shape, { seed: 2 });
      // Let the monitor take a few samples first, so the step lands between two of them.
      const monitor = lagMonitor();
      await new Promise((r) => setTimeout(r, 50));
      const t0 = performance.now();
      await trainer.step(a, b);
      const ms = performance.now() - t0;
      await new Promise((r) => setTimeout(r, 50));
      onMain = { lags: monitor.stop(), ms };
    } finally {
      engine.dispose();
    }
    return { status: result.status, steps: result.steps, progress, inWorker, onMain };
  },
};
document.body.dataset.ready = 'true';
