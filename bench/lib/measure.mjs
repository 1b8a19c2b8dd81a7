// Timing with benchmark.js, shared by Node (bench/run.mjs) and the browser page's worker.
// Benchmark is passed in: Node imports the package, the worker loads its UMD build.
//
// Every case is an async function (GPU work and the training step are asynchronous), so each
// is a deferred benchmark: one sample is the time from the call to the resolved promise, i.e.
// submission, execution and the wait, as a user sees it. A sample of benchmark.js is the mean
// of one cycle of calls; we report the median of the samples, the relative margin of error
// benchmark.js computes (95% confidence) and the number of samples.

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * Times `fn` (async) with benchmark.js after `warmup` untimed calls (pipelines compile and
 * buffers are allocated on first use). Returns { medianMs, rme, samples, method }.
 */
export async function timeCase(Benchmark, fn, { minSamples = 2, maxTime = 0.5, warmup = 1 } = {}) {
  for (let i = 0; i < warmup; i++) await fn();
  return new Promise((resolve, reject) => {
    const bench = new Benchmark({
      defer: true,
      async: true,
      minSamples,
      maxTime,
      // One call per cycle is enough for the ms-scale cases here; the calibration benchmark.js
      // would otherwise do first costs seconds on the slow ones.
      initCount: 1,
      fn: (deferred) => {
        fn().then(() => deferred.resolve(), (e) => {
          bench.error = e;
          bench.abort();
          deferred.resolve();
        });
      },
      onComplete: () => {
        if (bench.error) return reject(bench.error);
        const sample = bench.stats.sample;
        resolve({
          medianMs: median(sample) * 1e3,
          rme: bench.stats.rme,
          samples: sample.length,
          method: 'benchmark.js',
        });
      },
      onError: () => reject(bench.error),
    });
    bench.run();
  });
}

/**
 * One timed call after one warm-up call: for cases too slow to sample (the big ones on a
 * software GPU). Labelled as such in every output (no margin of error).
 */
export async function timeOnce(fn, { warmup = 1 } = {}) {
  for (let i = 0; i < warmup; i++) await fn();
  const t0 = performance.now();
  await fn();
  return { medianMs: performance.now() - t0, rme: null, samples: 1, method: 'single timed run' };
}
