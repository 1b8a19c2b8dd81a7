// A pool of kernel threads over one shared WebAssembly.Memory (docs/design.md, "Threads": the
// worker API is the engine's own worker; this is below it, inside the WASM backend).
//
// The engine API is synchronous, so a parallel kernel call is a fork-join inside one call:
// the calling thread writes the job into a control block in shared memory, opens it, wakes
// the workers with Atomics.notify and claims units of work itself until none is left. Then it
// closes the job and blocks in Atomics.wait only for the workers that joined it and are still
// finishing a unit. Every unit can be done by any thread, so a worker that wakes late (or
// never: descheduled, starved, gone) costs the call nothing and can never leave the caller
// waiting for it; the job is done by whoever is there. Every thread instantiates the same module on the same memory; the
// kernels never allocate (the JS allocator on the calling thread owns the heap, and hands
// each part its own scratch), so the module's runtime is never used concurrently.
// Atomics.wait is allowed on Node's main thread and in Web Workers but not on a browser's
// main thread, and shared memory needs crossOriginIsolated in browsers: threadSupport() says
// when a pool can exist, and the backend falls back to one thread otherwise, without error.
import { BROWSER_WORKER_SOURCE, NODE_WORKER_SOURCE } from './worker_source.js';

// Control block: Int32 slots (see worker_source.ts for the protocol).
const GEN = 0; // job generation: workers wait on it
const ACTIVE = 1; // workers inside the current job (joined, not yet left)
const STOP = 2; // set on dispose
const ERRORS = 3; // parts that threw
const KERNEL = 4; // index into the names the pool was started with
const NARGS = 5;
const PARTS = 6;
const WORK_ARG = 7; // which argument is the scratch pointer
const WORK_STRIDE = 8; // bytes between the parts' scratch blocks
const CLAIM = 9; // the kernels' unit counter (assembly/tasks.ts), zeroed for each job
const OPEN = 10; // generation of the job workers may still join, or 0 (CLOSED) once the caller closed it
const CLOSED = 0; // generations skip 0, so this never names a job
const ARGS = 16; // up to 48 arguments
export const CONTROL_BYTES = 256;
/** How long the caller waits for a notify before it re-reads the count of workers inside. */
const CALLER_RECHECK_MS = 20;

/** Byte address of the unit counter in a control block at ctlPtr (each instance is given it). */
export const claimCounterAddress = (ctlPtr: number): number => ctlPtr + 4 * CLAIM;

interface Handle {
  terminate(): unknown;
}

type NodeWorkerCtor = new (
  src: string,
  opts: { eval: true; workerData: unknown },
) => Handle & { unref(): void; once(ev: string, fn: (v: unknown) => void): void };

const dynamicImport = (name: string): Promise<unknown> => import(/* @vite-ignore */ name);

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

/** Why kernel threads cannot run here, or null when they can. */
export function threadSupport(): string | null {
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') {
    return 'SharedArrayBuffer is not available';
  }
  if (isNode()) return null;
  const g = globalThis as { crossOriginIsolated?: boolean; Worker?: unknown; WorkerGlobalScope?: unknown; document?: unknown };
  if (g.crossOriginIsolated !== true) return 'the page is not crossOriginIsolated (COOP/COEP headers)';
  if (typeof g.Worker !== 'function') return 'Worker is not available';
  if (g.WorkerGlobalScope === undefined && g.document !== undefined) {
    return 'Atomics.wait is not allowed on a browser main thread (run the engine in a Web Worker)';
  }
  return null;
}

/**
 * The threads a backend runs on when not told: every core the runtime reports
 * (os.availableParallelism() in Node, navigator.hardwareConcurrency in a crossOriginIsolated
 * worker) where kernel threads can run (threadSupport() is null), else 1, so a page's main
 * thread, which cannot block, stays on one thread. At most 64.
 */
export async function defaultThreads(): Promise<number> {
  if (threadSupport() !== null) return 1;
  let n = 1;
  if (isNode()) {
    const os = (await dynamicImport('node:os')) as { availableParallelism?: () => number; cpus(): unknown[] };
    n = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  } else {
    n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
  }
  return Math.max(1, Math.min(64, Math.floor(n) || 1));
}

export class ThreadPool {
  private readonly ctl: Int32Array;
  private readonly kernelIndex: Map<string, number>;
  private disposed = false;

  private constructor(
    memory: WebAssembly.Memory,
    ctlPtr: number,
    names: readonly string[],
    private readonly workers: Handle[],
  ) {
    this.ctl = new Int32Array(memory.buffer, ctlPtr, CONTROL_BYTES / 4);
    this.kernelIndex = new Map(names.map((n, i) => [n, i]));
  }

  /** The calling thread plus the workers. */
  get threads(): number {
    return this.workers.length + 1;
  }

  /**
   * Starts `threads - 1` workers on `memory` (shared), each with its own instance of `module`.
   * `ctlPtr` is CONTROL_BYTES of zeroed memory; `names` the kernels the pool may run.
   */
  static async start(
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    ctlPtr: number,
    names: readonly string[],
    threads: number,
  ): Promise<ThreadPool> {
    const workers: Handle[] = [];
    const ready: Promise<unknown>[] = [];
    try {
      for (let index = 1; index < threads; index++) {
        const data = { module, memory, ctl: ctlPtr, claim: claimCounterAddress(ctlPtr), names: [...names], index };
        if (isNode()) {
          const { Worker } = (await dynamicImport('node:worker_threads')) as { Worker: NodeWorkerCtor };
          const w = new Worker(NODE_WORKER_SOURCE, { eval: true, workerData: data });
          // A pool must never keep the process alive: idle workers sit in Atomics.wait.
          w.unref();
          workers.push(w);
          ready.push(new Promise((resolve, reject) => {
            w.once('message', (err) => (err ? reject(new Error(String(err))) : resolve(null)));
            w.once('error', reject);
          }));
        } else {
          const url = URL.createObjectURL(new Blob([BROWSER_WORKER_SOURCE], { type: 'text/javascript' }));
          const w = new Worker(url);
          workers.push(w);
          ready.push(new Promise((resolve, reject) => {
            w.onmessage = (e: MessageEvent) => (e.data ? reject(new Error(String(e.data))) : resolve(null));
            w.onerror = (e) => reject(new Error(e.message));
          }).finally(() => URL.revokeObjectURL(url)));
          w.postMessage(data);
        }
      }
      await Promise.all(ready);
    } catch (e) {
      for (const w of workers) w.terminate();
      throw e;
    }
    return new ThreadPool(memory, ctlPtr, names, workers);
  }

  /**
   * Runs kernel `name` as `threads` parts: worker t runs it with `args`, args[workArg]
   * advanced by t * workStride bytes, then (t, threads) appended; the calling thread runs part
   * 0 through `own` meanwhile. Returns when every part is done; throws if any part threw.
   */
  run(name: string, args: readonly number[], workArg: number, workStride: number, own: () => void): void {
    const c = this.ctl;
    const kernel = this.kernelIndex.get(name);
    if (kernel === undefined) throw new Error(`wasm thread pool: kernel ${name} was not registered`);
    if (args.length > CONTROL_BYTES / 4 - ARGS) throw new Error(`wasm thread pool: too many arguments for ${name}`);
    if (this.disposed) throw new Error('wasm thread pool: disposed');
    c[KERNEL] = kernel;
    c[NARGS] = args.length;
    c[PARTS] = this.threads;
    c[WORK_ARG] = workArg;
    c[WORK_STRIDE] = workStride;
    c[ERRORS] = 0;
    c[CLAIM] = 0;
    for (let i = 0; i < args.length; i++) c[ARGS + i] = args[i];
    // Open the job, then wake the workers: a worker joins only while OPEN holds the generation
    // it woke for (worker_source.ts).
    let gen = (Atomics.load(c, GEN) + 1) | 0;
    if (gen === CLOSED) gen = 1;
    Atomics.store(c, OPEN, gen);
    Atomics.store(c, GEN, gen);
    Atomics.notify(c, GEN);
    let ownError: unknown = null;
    try {
      own();
    } catch (e) {
      ownError = e;
    }
    // Part 0 returns once every unit is claimed. Close the job so no worker joins from now on,
    // then wait for those inside it, even when part 0 failed: they write into memory the
    // caller will reuse. (Sequentially consistent atomics: a worker that increments ACTIVE
    // after the load below sees OPEN closed and leaves without touching anything.)
    Atomics.store(c, OPEN, CLOSED);
    for (;;) {
      const inside = Atomics.load(c, ACTIVE);
      if (inside === 0) break;
      // The last worker out notifies; the timeout only re-reads ACTIVE should a wake-up be
      // missed (one stall with the earlier protocol was never explained), at no cost otherwise.
      Atomics.wait(c, ACTIVE, inside, CALLER_RECHECK_MS);
    }
    if (ownError) throw ownError;
    const errors = Atomics.load(c, ERRORS);
    if (errors > 0) throw new Error(`wasm kernel ${name} failed in ${errors} worker thread(s)`);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    Atomics.store(this.ctl, STOP, 1);
    Atomics.store(this.ctl, OPEN, CLOSED);
    Atomics.add(this.ctl, GEN, 1);
    Atomics.notify(this.ctl, GEN);
    for (const w of this.workers) w.terminate();
  }
}
