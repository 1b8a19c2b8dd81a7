// The worker's entry (built as dist/worker.js): exposes a WorkerHost over comlink. In a
// browser it is a module Web Worker and talks through `self`; in Node it is a worker_threads
// worker and talks through parentPort, wrapped by comlink's node adapter. node:worker_threads is
// imported through a computed specifier, only after the check, so browser bundles never load it.
// No top-level await: bundlers may emit workers in formats without it.
import { expose } from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { installErrorTransfer } from './error_transfer.js';
import { WorkerHost } from './worker_host.js';

interface NodePort {
  postMessage(message: unknown, transfer?: readonly unknown[]): void;
  on(event: 'message', listener: (data: unknown) => void): void;
  off(event: 'message', listener: (data: unknown) => void): void;
}

function inWebWorker(): boolean {
  const g = globalThis as { WorkerGlobalScope?: unknown; self?: { postMessage?: unknown; addEventListener?: unknown } };
  return typeof g.WorkerGlobalScope !== 'undefined' && typeof g.self?.postMessage === 'function' && typeof g.self?.addEventListener === 'function';
}

installErrorTransfer();
const host = new WorkerHost();

if (inWebWorker()) {
  expose(host, globalThis as unknown as Parameters<typeof expose>[1]);
} else {
  const specifier = 'node:worker_threads';
  import(/* @vite-ignore */ /* webpackIgnore: true */ specifier).then(
    ({ parentPort }: { parentPort: NodePort | null }) => {
      if (!parentPort) throw new Error('cyclegan-engine/worker.js must run as a worker (openWorker() starts it)');
      expose(host, nodeEndpoint(parentPort as unknown as Parameters<typeof nodeEndpoint>[0]));
    },
  );
}
