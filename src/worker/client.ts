// openWorker(): starts a worker that owns an engine (a worker_threads worker in Node, a module
// Web Worker in a page) and returns the client that drives it. The client's methods mirror the
// in-thread API (createEngine + CycleGANTrainer + loadModel) and return promises.
import type { Remote } from 'comlink';
import type { BackendChoice, BackendSelection, DispatchReport, MemoryInfo } from '../engine.js';
import type { WebGpuOptions } from '../backends/webgpu/gpu.js';
import type { WasmOptions } from '../backends/wasm/backend.js';
import type { WasmVariant } from '../backends/wasm/loader.js';
import type { CycleGANOptions } from '../cyclegan/options.js';
import type { Direction } from '../cyclegan/trainer.js';
import { AttributeError } from '../errors.js';
import { TransferList } from './client_images.js';
import { encodeSource, type SourceInput } from './client_sources.js';
import { Connection } from './connection.js';
import { installErrorTransfer } from './error_transfer.js';
import { isDirectionMap, type LoadModelWireOptions, type WireSource, type WorkerEndpointApi } from './protocol.js';
import { RemoteModel } from './remote_model.js';
import { RemoteTrainer } from './remote_trainer.js';
import { spawnWorker, type WorkerEnd, type WorkerUrl } from './spawn.js';

export interface OpenWorkerOptions {
  /** The worker's engine backend, as createEngine's (default 'auto'). */
  backend?: BackendChoice;
  /** The worker's engine seed (default 0). */
  seed?: number;
  /** WebGPU options of the worker's engine (without `gpu`: the worker finds its own). */
  webgpu?: Omit<WebGpuOptions, 'gpu'>;
  /**
   * WASM options of the worker's engine (threads, relaxed SIMD), as createEngine's. A worker may
   * block while its kernel threads run, so threads work there even in a page (when the page is
   * crossOriginIsolated), unlike on a page's main thread. Without `threads` the worker's engine
   * uses every core there (os.availableParallelism() in Node, navigator.hardwareConcurrency in a
   * crossOriginIsolated page), one where threads cannot run.
   */
  wasm?: WasmOptions;
  /** Least milliseconds between two fit() progress callbacks (default 250: at most 4 a second). */
  progressIntervalMs?: number;
  /**
   * Copy the arrays and images passed to the worker instead of transferring them (default
   * false: they are transferred, so after a call the caller's ArrayBuffer is detached).
   */
  copyInputs?: boolean;
  /** Where the worker script is, when not next to this module (a CDN, a custom build). */
  workerUrl?: WorkerUrl;
  /** @internal Start the worker with its test hooks (crash and transfer probes): for this library's tests. */
  testHooks?: boolean;
}

/** How long close() lets the worker free its engine (the GPU device) before terminating it. */
const SHUTDOWN_GRACE_MS = 2000;

/** Starts a worker and its engine; resolves when the engine is ready. */
export async function openWorker(options: OpenWorkerOptions = {}): Promise<CycleGANWorker> {
  if (options === null || typeof options !== 'object') throw new AttributeError('openWorker', 'options', 'an options object', String(options));
  const { backend = 'auto', seed = 0, webgpu, wasm, progressIntervalMs = 250, copyInputs = false, workerUrl, testHooks = false } = options;
  if (!Number.isFinite(progressIntervalMs) || progressIntervalMs < 0) {
    throw new AttributeError('openWorker', 'progressIntervalMs', 'a number of milliseconds >= 0', String(progressIntervalMs));
  }
  installErrorTransfer();
  const connection = new Connection(await spawnWorker(workerUrl));
  try {
    const ready = await connection.call('openWorker', (api) => api.init({ backend, seed, webgpu, wasm, progressIntervalMs, testHooks }));
    return new CycleGANWorker(connection, ready.backend, ready.selection, copyInputs, ready.wasmVariant);
  } catch (e) {
    await connection.terminate('terminated', 'the worker failed to start');
    throw e;
  }
}

export class CycleGANWorker {
  /** Resolves once the worker has ended (closed, terminated, exited or crashed), saying how. */
  readonly ended: Promise<WorkerEnd>;

  /** @internal use openWorker() */
  constructor(
    private readonly connection: Connection,
    /** The backend the worker's engine runs on ('webgpu' or 'wasm'). */
    readonly backend: string,
    /** How the backend was chosen (what was requested, the adapter, why WebGPU was not used). */
    readonly selection: BackendSelection,
    private readonly copyInputs: boolean,
    /** The worker engine's WASM build and threads (null without a WASM backend). */
    readonly wasmVariant: WasmVariant | null = null,
  ) {
    this.ended = new Promise((resolve) => connection.onEnd(resolve));
  }

  /** False once the worker has ended; every call then rejects with WorkerTerminatedError. */
  get isOpen(): boolean {
    return this.connection.isOpen;
  }

  /** A new CycleGANTrainer in the worker (options as the in-thread trainer's). */
  async createTrainer(options: CycleGANOptions = {}): Promise<RemoteTrainer> {
    const info = await this.connection.call('createTrainer', (api) => api.createTrainer(options));
    return new RemoteTrainer(this.connection, info, this.copyInputs);
  }

  /** A trainer rebuilt from a checkpoint (bytes, Blob, URL or path), as CycleGANTrainer.resume. */
  async resumeTrainer(source: SourceInput, overrides: Pick<CycleGANOptions, 'sampleInterval' | 'checkpointInterval'> = {}): Promise<RemoteTrainer> {
    const info = await this.connection.call('resumeTrainer', async (api) => {
      const list = new TransferList(this.copyInputs);
      const wire = await encodeSource(source, list, 'resumeTrainer', 'source');
      return api.resumeTrainer(list.attach(wire), overrides);
    });
    return new RemoteTrainer(this.connection, info, this.copyInputs);
  }

  /**
   * Loads a model for translation: a weight file of one generator (safetensors or .pth; it
   * translates `options.direction`, default 'AtoB'), a training checkpoint (both generators),
   * or `{ AtoB, BtoA }` sources. A source is bytes, a Blob, a Response, a URL (fetched by the
   * worker; relative URLs are resolved against the page) or, in Node, a file path.
   */
  async loadModel(source: SourceInput | Partial<Record<Direction, SourceInput>>, options: LoadModelWireOptions = {}): Promise<RemoteModel> {
    const info = await this.connection.call('loadModel', async (api) => {
      const list = new TransferList(this.copyInputs);
      let wire: WireSource | Partial<Record<Direction, WireSource>>;
      if (isDirectionMap<SourceInput>(source)) {
        const map: Partial<Record<Direction, WireSource>> = {};
        for (const d of ['AtoB', 'BtoA'] as const) if (source[d] !== undefined) map[d] = await encodeSource(source[d]!, list, 'loadModel', `source.${d}`);
        wire = map;
      } else {
        wire = await encodeSource(source, list, 'loadModel', 'source');
      }
      return api.loadModel(list.attach(wire), options);
    });
    return new RemoteModel(this.connection, info, this.copyInputs);
  }

  /** The worker engine's memory statistics. */
  memory(): Promise<MemoryInfo> {
    return this.connection.call('memory', (api) => api.memory());
  }

  /** Which backend ran each kernel in the worker. */
  dispatchReport(): Promise<DispatchReport> {
    return this.connection.call('dispatchReport', (api) => api.dispatchReport());
  }

  /**
   * Frees everything in the worker and stops it. Calls still pending reject with
   * WorkerTerminatedError (reason 'closed'); so does every later call. Idempotent.
   */
  async close(): Promise<void> {
    if (!this.connection.isOpen) return;
    if (this.connection.pendingCalls === 0) {
      // Let the engine free its GPU device; a worker that does not answer in time is stopped anyway.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, SHUTDOWN_GRACE_MS)));
      await Promise.race([this.connection.call('close', (api) => api.shutdown()).catch(() => {}), grace]);
      clearTimeout(timer);
    }
    await this.connection.terminate('closed');
  }

  /** Stops the worker at once; pending calls reject with WorkerTerminatedError (reason 'terminated'). */
  async terminate(): Promise<void> {
    await this.connection.terminate('terminated', 'terminate() was called');
  }

  /** @internal test hooks (openWorker({ testHooks: true })) */
  get _test(): { exit(code: number): Promise<void>; throwUncaught(message: string): Promise<void>; lastTransfer(): Promise<{ buffers: number; detached: number }> } {
    const c = this.connection;
    const call = <T>(name: string, f: (api: Remote<WorkerEndpointApi>) => Promise<T>): Promise<T> => c.call(name, f);
    return {
      exit: (code) => call('_testExit', (api) => api._testExit(code)),
      throwUncaught: (message) => call('_testThrowUncaught', (api) => api._testThrowUncaught(message)),
      lastTransfer: () => call('_testLastTransfer', (api) => api._testLastTransfer()),
    };
  }
}

