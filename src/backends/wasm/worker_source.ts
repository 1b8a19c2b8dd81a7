// The code each kernel thread runs, as source text: it is started from a string (Node's
// `eval` workers, a Blob URL in browsers), so the bundle needs no separate worker file and
// users configure no path. It instantiates the same shared-memory module on the same memory,
// then serves jobs from the control block (layout in threads.ts) until told to stop.
//
// Protocol (slots in threads.ts): the caller writes a job, stores its generation in OPEN and
// GEN and notifies. A worker that wakes increments ACTIVE, then joins only if OPEN still holds
// the generation it woke for; otherwise (the caller already closed the job: it claimed every
// unit itself) it leaves at once. Inside a job the threads share the units of work through the
// claim counter (assembly/tasks.ts), which every instance is pointed at once, so the job never
// depends on any one worker. Leaving decrements ACTIVE; the last one out wakes the caller. A
// kernel that throws (a trap) is counted in ERRORS, never left hanging: the caller waits
// synchronously and could not receive an error event.

/** The worker loop, shared by the Node and browser wrappers; `start` is its entry point. */
const LOOP = `
function start(module, memory, ctl, claim, names, index, ready) {
  WebAssembly.instantiate(module, { env: { memory, abort() { throw new Error('wasm kernel aborted'); } } }).then((instance) => {
    const ex = instance.exports;
    ex.setClaimCounter(claim);
    const c = new Int32Array(memory.buffer, ctl, 64);
    const kernels = names.map((n) => ex[n]);
    // Read the generation before saying ready: the first job may be posted right after.
    let seen = Atomics.load(c, 0);
    ready(null);
    for (;;) {
      // Notified for each job; the timeout re-reads the generation should a wake-up be missed.
      Atomics.wait(c, 0, seen, 1000);
      if (Atomics.load(c, 2) !== 0) return;
      const gen = Atomics.load(c, 0);
      if (gen === seen) continue;
      seen = gen;
      Atomics.add(c, 1, 1);
      if (Atomics.load(c, 10) === seen) {
        const parts = c[6];
        if (index < parts) {
          try {
            const args = Array.from(c.subarray(16, 16 + c[5]));
            args[c[7]] += index * c[8];
            kernels[c[4]](...args, index, parts);
          } catch (e) {
            Atomics.add(c, 3, 1);
          }
        }
      }
      if (Atomics.sub(c, 1, 1) === 1) Atomics.notify(c, 1);
    }
  }, (e) => ready(String(e)));
}
`;

/** Node (worker_threads, eval: true): the job arrives in workerData. */
export const NODE_WORKER_SOURCE = `${LOOP}
// import(), not require: an eval'd worker inherits --input-type=module from a parent run as
// \`node --input-type=module -e\`, where require does not exist; import() works in both.
import('node:worker_threads').then(({ parentPort, workerData: d }) => {
  start(d.module, d.memory, d.ctl, d.claim, d.names, d.index, (err) => parentPort.postMessage(err));
});
`;

/** Browsers (a classic Worker from a Blob URL): the job arrives in the first message. */
export const BROWSER_WORKER_SOURCE = `${LOOP}
self.onmessage = (e) => {
  const d = e.data;
  self.onmessage = null;
  start(d.module, d.memory, d.ctl, d.claim, d.names, d.index, (err) => self.postMessage(err));
};
`;
