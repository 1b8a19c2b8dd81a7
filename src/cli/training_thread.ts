// `train` and `demo` train in a worker thread (dist/cli.js again, src/cli/training_worker.ts) so that Ctrl-C and SIGTERM
// stop them within a kernel: Node runs a signal listener only on the main thread and only when
// its event loop turns, and a training step's kernels run synchronously for seconds (minutes at
// 256x256). The main thread here stays idle: it prints what the worker writes, draws its
// progress, and on the first signal raises an abort flag in a SharedArrayBuffer that the
// worker's engine reads before every kernel of a step's abandonable phase (Engine.setAbortFlag,
// src/engine.ts): the step is dropped before it changes any state, and fit writes the checkpoint
// of the last completed step (src/cyclegan/fit.ts). A second signal gets the default action and
// ends the process, worker and all, at once (src/cli/signals.ts).
//
// Both sides live here: the main thread's runInTrainingThread, and what the worker's commands
// use in its place (commandProgress, trainingInterrupts). Run from the sources (no dist/cli.js
// beside this module), the command trains on the main thread.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { CliError } from './errors.js';
import { createProgress, progressMode, type Progress } from './progress.js';
import { watchInterrupts, SIGNAL_EXIT, type InterruptSignal, type Interrupts } from './signals.js';

/** What the worker runs: a command's options as commander parsed them, and the global flags. */
export type TrainingJob =
  | { command: 'train'; opts: Record<string, unknown>; given: string[] }
  | { command: 'demo'; opts: Record<string, unknown> };

export interface TrainingThreadData {
  cycleganTrainingThread: true;
  job: TrainingJob;
  globals: { verbose?: boolean; quiet?: boolean; threads?: number };
  verbose: boolean;
  /** Int32Array(1) over a SharedArrayBuffer: 0, or the number of the signal received (2, 15). */
  flag: SharedArrayBuffer;
}

/** Messages from the worker to the main thread (one port, so they keep their order). */
export type FromWorker =
  | { type: 'write'; fd: 1 | 2; text: string }
  | { type: 'progress'; method: 'start' | 'update' | 'log' | 'stop'; args: unknown[] }
  | { type: 'training'; on: boolean }
  | { type: 'done'; code: number };

const SIGNAL_NUMBER: Record<InterruptSignal, number> = { SIGINT: 2, SIGTERM: 15 };

/** The worker's data when this thread is the training thread, else null. */
export function trainingThreadData(): TrainingThreadData | null {
  const d = isMainThread ? null : (workerData as Partial<TrainingThreadData> | null);
  return d && d.cycleganTrainingThread === true ? (d as TrainingThreadData) : null;
}

const post = (m: FromWorker): void => parentPort!.postMessage(m);

/** A command's progress display: the main thread's, through messages, in the training thread. */
export function commandProgress(quiet: boolean): Progress {
  if (!trainingThreadData()) return createProgress(progressMode(quiet));
  const call =
    (method: 'start' | 'update' | 'log' | 'stop') =>
    (...args: unknown[]): void =>
      post({ type: 'progress', method, args });
  return { start: call('start'), update: call('update'), log: call('log'), stop: call('stop') };
}

/**
 * Interrupts for runTraining (src/cli/training.ts): on the main thread, its own signal
 * listeners (watchInterrupts; `notice` is printed there); in the training thread, the main
 * thread's, which raise the engine's abort flag (`flag`) at once and send a message that calls
 * `onFirst` when this thread's event loop turns (the notice was printed by the main thread).
 */
export function trainingInterrupts(onFirst: (signal: InterruptSignal) => void, notice: (signal: InterruptSignal) => void, onSecond: () => void): Interrupts & { flag: Int32Array | null } {
  const data = trainingThreadData();
  if (!data) {
    const own = watchInterrupts((signal) => {
      onFirst(signal);
      notice(signal);
    }, onSecond);
    return Object.assign(own, { flag: null });
  }
  const flag = new Int32Array(data.flag);
  const controller = new AbortController();
  const fromFlag = (): InterruptSignal | null => {
    const n = Atomics.load(flag, 0);
    return n === SIGNAL_NUMBER.SIGINT ? 'SIGINT' : n === SIGNAL_NUMBER.SIGTERM ? 'SIGTERM' : null;
  };
  let seen = false;
  const onMessage = (m: unknown): void => {
    if ((m as { type?: string })?.type !== 'signal' || seen) return;
    const signal = fromFlag();
    if (!signal) return;
    seen = true;
    controller.abort();
    onFirst(signal);
  };
  parentPort!.on('message', onMessage);
  post({ type: 'training', on: true });
  let listening = true;
  return {
    flag,
    signal: controller.signal,
    get received() {
      return fromFlag();
    },
    get exitCode() {
      const s = fromFlag();
      return s ? SIGNAL_EXIT[s] : null;
    },
    dispose() {
      if (!listening) return;
      listening = false;
      parentPort!.off('message', onMessage);
      post({ type: 'training', on: false });
    },
  };
}

/** Sends the worker's stdout and stderr to the main thread in order with its other messages. */
export function forwardOutput(): void {
  for (const [stream, fd] of [
    [process.stdout, 1],
    [process.stderr, 2],
  ] as const) {
    stream.write = ((chunk: string | Uint8Array, encoding?: unknown, cb?: unknown): boolean => {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      post({ type: 'write', fd, text });
      const done = typeof encoding === 'function' ? encoding : cb;
      if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
      return true;
    }) as typeof stream.write;
  }
}

/**
 * The module the training thread runs: the CLI's bundle itself, dist/cli.js, whose entry
 * (src/cli/bin.ts) turns to src/cli/training_worker.ts there. Null when run from the sources.
 */
function workerFile(): URL | null {
  const url = new URL('./cli.js', import.meta.url);
  try {
    return url.protocol === 'file:' && existsSync(fileURLToPath(url)) ? url : null;
  } catch {
    return null;
  }
}

/**
 * Runs `job` in the training thread and resolves with its exit code once it ended; null where
 * there is no built worker module (the caller then runs the command on this thread). `notice`
 * is the line printed at the first signal.
 */
export async function runInTrainingThread(job: TrainingJob, globals: TrainingThreadData['globals'], notice: (signal: InterruptSignal) => string): Promise<number | null> {
  const file = workerFile();
  if (!file) return null;
  const flagBuffer = new SharedArrayBuffer(4);
  const flag = new Int32Array(flagBuffer);
  const verbose = !!globals.verbose || process.argv.includes('--verbose') || process.argv.includes('-v');
  const data: TrainingThreadData = { cycleganTrainingThread: true, job, globals: { verbose: globals.verbose, quiet: globals.quiet, threads: globals.threads }, verbose, flag: flagBuffer };
  const progress = createProgress(progressMode(!!globals.quiet));
  const worker = new Worker(file, { workerData: data, argv: process.argv.slice(2) });
  let interrupts: Interrupts | null = null;
  const stopWatching = (): void => {
    interrupts?.dispose();
    interrupts = null;
  };
  try {
    return await new Promise<number>((resolve, reject) => {
      let ended = false;
      worker.on('message', (m: FromWorker) => {
        if (m.type === 'write') (m.fd === 1 ? process.stdout : process.stderr).write(m.text);
        else if (m.type === 'progress') (progress[m.method] as (...a: unknown[]) => void).apply(progress, m.args);
        else if (m.type === 'training') {
          if (m.on && !interrupts) {
            // Until training starts (and after it), a signal ends the process at once: nothing to save.
            interrupts = watchInterrupts(
              (signal) => {
                Atomics.store(flag, 0, SIGNAL_NUMBER[signal]);
                worker.postMessage({ type: 'signal' });
                progress.log(notice(signal));
              },
              () => progress.stop(),
            );
          } else if (!m.on) stopWatching();
        } else if (m.type === 'done') {
          ended = true;
          resolve(m.code);
        }
      });
      worker.on('error', (e) => {
        ended = true;
        progress.stop();
        reject(e);
      });
      worker.on('exit', (code) => {
        if (ended) return;
        progress.stop();
        reject(new CliError(`the training thread ended without finishing (exit code ${code})`));
      });
    });
  } finally {
    stopWatching();
    // Its engine is disposed when it says 'done'; anything left (a kernel thread) ends with it.
    await worker.terminate();
  }
}
