// Starts the worker the environment supports, with nothing for the user to configure:
// - where a Web Worker exists (browsers, and Deno/Bun), a module worker from
//   `new Worker(new URL('./worker.js', import.meta.url), { type: 'module' })`, written out
//   literally so that Vite, Rollup and webpack see it, bundle dist/worker.js and rewrite the URL;
// - in Node, a worker_threads worker on the same file. node:worker_threads is imported through
//   a computed specifier, only on that path, so browser bundles never contain or run it.
// From dist/index.js and (through tsup's import.meta.url shim) dist/index.cjs, './worker.js' is
// dist/worker.js. Both kinds report their end the same way (WorkerEnd).
import type { Endpoint } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { WorkerError, type WorkerEndReason } from './errors.js';
import { WORKER_EXIT_MESSAGE } from './protocol.js';

/** How and why a worker ended. */
export interface WorkerEnd {
  reason: WorkerEndReason;
  /** The error message of a crash, or '' */
  detail: string;
  /** Node's exit code, when there is one. */
  exitCode: number | null;
}

export interface SpawnedWorker {
  readonly kind: 'node' | 'web';
  readonly endpoint: Endpoint;
  /** Called once, when the worker ends by itself (exit, crash); not for terminate(). */
  onEnd(listener: (end: WorkerEnd) => void): void;
  /** Stops the worker at once. */
  terminate(): Promise<void>;
  /** Node: keep the process alive only while a call is pending (a forgotten close() never hangs a script). */
  setBusy(busy: boolean): void;
}

export type WorkerUrl = string | URL;

// Not the literal './worker.js': bundlers would copy the file a second time as a plain asset.
const NODE_WORKER_FILE = './worker.js';

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: unknown } } }).process;
  return typeof p?.versions?.node === 'string';
}

export async function spawnWorker(url?: WorkerUrl): Promise<SpawnedWorker> {
  if (typeof (globalThis as { Worker?: unknown }).Worker === 'function') return spawnWebWorker(url);
  if (isNode()) return spawnNodeWorker(url);
  throw new WorkerError('openWorker: this environment has neither Web Workers nor Node worker_threads');
}

/** Calls the listener once, with the first end reported. */
function endOnce(): { report(end: WorkerEnd): void; listen(l: (end: WorkerEnd) => void): void } {
  let ended: WorkerEnd | null = null;
  let listener: ((end: WorkerEnd) => void) | null = null;
  return {
    report(end) {
      if (ended) return;
      ended = end;
      listener?.(end);
    },
    listen(l) {
      listener = l;
      if (ended) l(ended);
    },
  };
}

function spawnWebWorker(url?: WorkerUrl): SpawnedWorker {
  const worker =
    url !== undefined
      ? new Worker(url, { type: 'module' })
      : new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  const end = endOnce();
  let terminated = false;
  // A Web Worker has no exit event. An uncaught error (or a script that failed to load) is the
  // crash signal: the worker's state can no longer be trusted, so it is stopped.
  worker.addEventListener('error', (event: ErrorEvent) => {
    event.preventDefault();
    if (terminated) return;
    const detail = event.message || 'an uncaught error in the worker, or its script failed to load';
    end.report({ reason: 'crashed', detail, exitCode: null });
    terminated = true;
    worker.terminate();
  });
  worker.addEventListener('message', (event: MessageEvent) => {
    const code = (event.data as Record<string, unknown> | null)?.[WORKER_EXIT_MESSAGE];
    if (typeof code === 'number') end.report({ reason: 'exited', detail: '', exitCode: code });
  });
  worker.addEventListener('messageerror', () => {
    end.report({ reason: 'crashed', detail: 'a message from the worker could not be deserialized', exitCode: null });
  });
  return {
    kind: 'web',
    endpoint: worker as unknown as Endpoint,
    onEnd: (l) => end.listen(l),
    async terminate() {
      terminated = true;
      worker.terminate();
    },
    setBusy() {},
  };
}

interface NodeWorker {
  on(event: 'error', l: (e: Error) => void): void;
  on(event: 'exit', l: (code: number) => void): void;
  on(event: 'messageerror', l: (e: Error) => void): void;
  terminate(): Promise<number>;
  ref(): void;
  unref(): void;
}

/** True in dist/index.cjs only (tsup defines it per format); undeclared elsewhere. */
declare const __CYCLEGAN_CJS_BUILD__: boolean | undefined;

/**
 * dist/worker.js, next to this module. In the CJS build from __filename as a path: tsup's
 * import.meta.url shim there builds a file: URL by string concatenation, which a '#' or '%' in
 * a folder name breaks. Everywhere else from import.meta.url, which bundlers also rewrite.
 */
async function defaultNodeWorkerFile(): Promise<string | URL> {
  if (typeof __CYCLEGAN_CJS_BUILD__ !== 'undefined' && __CYCLEGAN_CJS_BUILD__) {
    const specifier = 'node:path';
    const path = (await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier)) as typeof import('node:path');
    return path.join(path.dirname(__filename), NODE_WORKER_FILE);
  }
  return new URL(NODE_WORKER_FILE, import.meta.url);
}

/**
 * The parent's Node options minus those a worker refuses: a worker inherits execArgv, and
 * `node --input-type=module -e ...` would otherwise make it fail to start.
 */
function workerExecArgv(): string[] {
  const argv = (globalThis as { process?: { execArgv?: string[] } }).process?.execArgv ?? [];
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--input-type') i++;
    else if (!argv[i].startsWith('--input-type=')) out.push(argv[i]);
  }
  return out;
}

async function spawnNodeWorker(url?: WorkerUrl): Promise<SpawnedWorker> {
  const specifier = 'node:worker_threads';
  const { Worker } = (await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier)) as {
    Worker: new (file: string | URL, options: { execArgv: string[] }) => NodeWorker;
  };
  const file = url ?? (await defaultNodeWorkerFile());
  const worker = new Worker(file, { execArgv: workerExecArgv() });
  const end = endOnce();
  let terminating = false;
  // 'error' (an uncaught exception, a module that failed to load, out of memory) comes first
  // and 'exit' follows; the first one ends every pending call.
  worker.on('error', (e) => {
    if (!terminating) end.report({ reason: 'crashed', detail: e?.message ?? String(e), exitCode: null });
  });
  worker.on('messageerror', (e) => {
    if (!terminating) end.report({ reason: 'crashed', detail: `a message could not be deserialized: ${e?.message ?? e}`, exitCode: null });
  });
  worker.on('exit', (code) => {
    if (!terminating) end.report({ reason: 'exited', detail: '', exitCode: code });
  });
  worker.unref();
  return {
    kind: 'node',
    endpoint: nodeEndpoint(worker as unknown as Parameters<typeof nodeEndpoint>[0]),
    onEnd: (l) => end.listen(l),
    async terminate() {
      terminating = true;
      await worker.terminate();
    },
    setBusy(busy) {
      if (busy) worker.ref();
      else worker.unref();
    },
  };
}
