// The WASM SIMD ceiling on all cores (Node): one worker_thread per core runs the single-core
// kernel of bench/lib/ceiling_wasm.mjs; all start together on a shared flag and the rate is the
// total FLOP over the wall time from the start to the last worker's end (best of `reps`).
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { FLOP_PER_ITER } from '../lib/ceiling_wasm.mjs';

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const { instance } = await WebAssembly.instantiate(workerData.bytes);
  const run = instance.exports.run;
  run(100000);
  run(100000); // tiered up by now
  const flag = new Int32Array(workerData.flag);
  parentPort.on('message', (rep) => {
    Atomics.wait(flag, 0, rep); // the main thread bumps the flag to start a repetition
    run(workerData.iters);
    parentPort.postMessage({ done: rep, at: performance.timeOrigin + performance.now() });
  });
  parentPort.postMessage({ ready: true });
})();
`;

export async function measureAllCores({ bytes, threads = availableParallelism(), iters = 20_000_000, reps = 3 }) {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const workers = Array.from({ length: threads }, () => new Worker(WORKER, { eval: true, workerData: { bytes, flag: flag.buffer, iters } }));
  const next = (w) => new Promise((res, rej) => { w.once('message', res); w.once('error', rej); });
  try {
    await Promise.all(workers.map(next));
    let best = Infinity;
    for (let rep = 0; rep < reps; rep++) {
      const ends = Promise.all(workers.map(next));
      for (const w of workers) w.postMessage(rep);
      await new Promise((r) => setTimeout(r, 20)); // every worker is waiting on the flag
      const t0 = performance.timeOrigin + performance.now();
      Atomics.store(flag, 0, rep + 1);
      Atomics.notify(flag, 0);
      const done = await ends;
      best = Math.min(best, (Math.max(...done.map((d) => d.at)) - t0) / 1e3);
    }
    return { gflops: (threads * iters * FLOP_PER_ITER) / best / 1e9, seconds: best, iters, reps, threads };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
